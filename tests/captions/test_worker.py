"""The captions worker as a real process, fed 20 ms blocks of 48 kHz audio like a track."""

from __future__ import annotations

import os
import queue
import signal
from pathlib import Path

import numpy as np
import pytest

from visio_desktop.captions.events import (
    CaptionEvent,
    CaptionSegment,
    WorkerError,
    WorkerReady,
    WorkerStopped,
)
from visio_desktop.captions.transcript import word_error_rate
from visio_desktop.captions.worker import CaptionWorker, DropOldestQueue, WorkerConfig

from .speech import ENGLISH, pcm_48k

BLOCK = 960  # 20 ms at 48 kHz
WAIT = 60.0  # upper bound for any one event; never a pacing delay


def feed(worker: CaptionWorker, pcm: np.ndarray) -> None:
    for offset in range(0, len(pcm), BLOCK):
        worker.feed(pcm[offset : offset + BLOCK])


def next_event(worker: CaptionWorker) -> CaptionEvent:
    event = worker.get_event(WAIT)
    assert event is not None, "no event from the captions worker"
    return event


def test_speech_gives_partials_then_finals_and_stop_joins(
    base_model: Path, english_wav: Path
) -> None:
    pcm = pcm_48k(english_wav)
    # The test feeds faster than real time: a queue that holds the whole file.
    worker = CaptionWorker(WorkerConfig(model=str(base_model), language="en"), queue_blocks=2000)
    worker.start()
    try:
        assert isinstance(next_event(worker), WorkerReady)
        # 2.5 s: the first sentence started at 0.5 s and is still going, so a partial is due
        first = 48_000 * 5 // 2
        feed(worker, pcm[:first])
        partial = next_event(worker)
        assert isinstance(partial, CaptionSegment) and not partial.final and partial.text
        feed(worker, pcm[first:])
        events: list[CaptionEvent] = [partial]
        while sum(isinstance(e, CaptionSegment) and e.final for e in events) < 2:
            events.append(next_event(worker))
    finally:
        worker.stop()
    assert not worker.alive
    assert isinstance(next_event(worker), WorkerStopped)
    assert worker.get_event(0) is None
    segments = [e for e in events if isinstance(e, CaptionSegment)]
    finals = [s for s in segments if s.final]
    for final in finals:  # every partial of a segment comes before its final
        mine = [s for s in segments if s.segment_id == final.segment_id]
        assert mine[-1] is final and not any(s.final for s in mine[:-1])
    assert partial.segment_id == finals[0].segment_id
    assert finals[0].start < finals[0].end <= finals[1].start < finals[1].end
    text = " ".join(f.text for f in finals)
    assert word_error_rate(" ".join(ENGLISH[:2]), text) <= 0.15, text
    assert worker.dropped_blocks == 0


def test_a_missing_model_is_an_error_event(tmp_path: Path) -> None:
    received: queue.Queue[CaptionEvent] = queue.Queue()
    worker = CaptionWorker(WorkerConfig(model=str(tmp_path / "no-model"), models_root=tmp_path))
    worker.start(on_event=received.put)
    error = received.get(timeout=WAIT)
    worker.stop()
    assert isinstance(error, WorkerError) and error.fatal
    assert error.message.startswith("captions unavailable: no speech model")
    assert not worker.alive
    with pytest.raises(RuntimeError):
        worker.get_event(0)  # events go to the callback


def test_a_crashed_worker_is_an_error_event_not_a_hang(base_model: Path) -> None:
    worker = CaptionWorker(WorkerConfig(model=str(base_model)))
    worker.start()
    assert isinstance(next_event(worker), WorkerReady)
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    error = next_event(worker)
    assert isinstance(error, WorkerError) and error.fatal
    assert "stopped unexpectedly" in error.message
    assert worker.get_event(0) is None
    worker.feed(np.zeros(BLOCK, np.int16))  # still harmless
    worker.stop()
    worker.feed(np.zeros(BLOCK, np.int16))  # and after stop too
    worker.stop()


def test_a_full_queue_drops_and_counts_without_waiting() -> None:
    inbox = DropOldestQueue(3)
    for item in range(5):
        inbox.put(item)  # never waits for the reader, who is not reading
    assert inbox.dropped == 2
    kept = [inbox.get(timeout=WAIT) for _ in range(3)]
    assert kept == sorted(kept) and set(kept) <= set(range(5))  # in order, none twice
    inbox.put(5)  # there is room again
    assert inbox.get(timeout=WAIT) == 5
    inbox.close()


def test_a_full_queue_makes_room_by_dropping_the_oldest_block() -> None:
    inbox = DropOldestQueue(2)
    inbox.put(0)
    inbox.put(1)
    assert inbox.get(timeout=WAIT) == 0  # the pipe holds what was queued before
    inbox.put(2)
    inbox.put(3)  # full with 1 and 2: one of them, or 3 itself, goes
    assert inbox.dropped == 1
    kept = [inbox.get(timeout=WAIT) for _ in range(2)]
    assert kept in ([2, 3], [1, 2])  # the oldest, or the newest when none has reached the pipe
    inbox.close()


def test_a_worker_that_falls_behind_drops_and_counts(base_model: Path) -> None:
    worker = CaptionWorker(WorkerConfig(model=str(base_model)), queue_blocks=4)
    feed(worker, np.zeros(BLOCK * 10, np.int16))  # nobody reads yet: 6 blocks must go
    assert worker.dropped_blocks == 6
    worker.start()
    worker.stop()
    events = []
    while (event := worker.get_event(WAIT)) is not None:
        events.append(event)
    assert isinstance(events[0], WorkerReady)
    assert events[-1] == WorkerStopped(blocks=4)
