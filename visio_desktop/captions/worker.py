"""The captions worker: VAD and recognition in their own process, so they never stall media
or the UI (one process is one GIL; a decode holds a core for a few hundred milliseconds).

    worker = CaptionWorker(WorkerConfig(model="whisper-base", language="fr"))
    worker.start()                       # returns at once; the model loads in the worker
    worker.feed(block)                   # 48 kHz int16 mono, any block size; never blocks
    event = worker.get_event(timeout=1)  # CaptionSegment, WorkerReady, WorkerError, ...
    worker.stop()                        # finalises the open segment, joins the process

Audio goes in through a bounded queue: when it is full, the oldest block is dropped and counted
(`dropped_blocks`), and the worker keeps timestamps true across the gap. Events come back on a
pipe. A missing or broken model, and a worker that dies, come back as `WorkerError` events;
nothing raises in the caller. Processes are started with the "spawn" context.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from visio_desktop.captions.events import CaptionEvent, WorkerError, WorkerStopped
from visio_desktop.captions.segmenter import SegmenterConfig

__all__ = ["CaptionWorker", "DropOldestQueue", "WorkerConfig"]

_SPAWN = multiprocessing.get_context("spawn")
_FLUSH = "flush"
_STOP = "stop"


@dataclass(frozen=True)
class WorkerConfig:
    model: str  # catalogue name or model folder
    language: str | None = None  # "fr", "en", or None for automatic (French or English)
    cpu_threads: int = 2
    beam_size: int = 1
    min_window_s: float = 10.0  # see recognizer.py; 30 is Whisper's standard window
    input_rate: int = 48_000
    segmenter: SegmenterConfig = field(default_factory=SegmenterConfig)
    models_root: Path | None = None


class DropOldestQueue:
    """A bounded multiprocessing queue whose producer never waits: when it is full, the
    oldest item already in the pipe makes room; if none has reached the pipe yet (the queue's
    feeder thread is still writing), the new item is the one dropped. Either way the loss is
    counted, and the engine loop that puts is never held up by a slow worker."""

    def __init__(self, capacity: int) -> None:
        self._queue: Any = _SPAWN.Queue(capacity)
        self.dropped = 0

    @property
    def raw(self) -> Any:
        """The underlying queue, for the consuming process."""
        return self._queue

    def put(self, item: object) -> None:
        """Never waits: the caller is the engine loop."""
        for _ in range(2):
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                # Full means items are queued, perhaps still on their way through the queue's
                # feeder thread into the pipe: take the oldest if it is there already.
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
                self.dropped += 1
        self.dropped += 1  # could not make room: the new item is the one lost

    def put_waiting(self, item: object, timeout: float) -> bool:
        """Put without dropping anything, waiting up to `timeout` for room; False if none."""
        try:
            self._queue.put(item, timeout=timeout)
        except queue.Full:
            return False
        return True

    def get(self, timeout: float | None = None) -> Any:
        return self._queue.get(timeout=timeout)

    def close(self) -> None:
        self._queue.cancel_join_thread()  # never wait at exit for items nobody will read
        self._queue.close()


class CaptionWorker:
    """One captions process for one audio stream."""

    def __init__(self, config: WorkerConfig, queue_blocks: int = 250) -> None:
        self.config = config
        self._inbox = DropOldestQueue(queue_blocks)  # 250 blocks of 20 ms: 5 s of audio
        self._events, self._child_events = _SPAWN.Pipe(duplex=False)
        self._process: SpawnProcess | None = None
        self._position = 0  # input samples fed, dropped ones included
        self._finished = False  # a WorkerStopped or fatal WorkerError was delivered
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def dropped_blocks(self) -> int:
        return self._inbox.dropped

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self, on_event: Callable[[CaptionEvent], None] | None = None) -> None:
        """Start the process. With `on_event`, a thread of ours calls it for every event
        (use `loop.call_soon_threadsafe` there); otherwise read events with `get_event`."""
        if self._process is not None:
            raise RuntimeError("the captions worker is already started")
        prefix = uuid.uuid4().hex[:8] + "-"
        self._process = _SPAWN.Process(
            target=_run,
            args=(self.config, self._inbox.raw, self._child_events, prefix),
            name="visio-captions",
            daemon=True,
        )
        self._process.start()
        self._child_events.close()  # the child holds its end; EOF on our side means it died
        if on_event is not None:
            self._reader = threading.Thread(
                target=self._forward, args=(on_event,), name="captions-events", daemon=True
            )
            self._reader.start()

    def feed(self, block: npt.ArrayLike | bytes) -> None:
        """A block of mono audio at `config.input_rate` (int16 or float); never blocks.
        Ignored once the worker is stopped."""
        if self._stopped:
            return
        samples = np.frombuffer(block, np.int16) if isinstance(block, bytes) else np.asarray(block)
        samples = samples.reshape(-1)
        self._inbox.put((self._position, samples))
        self._position += len(samples)

    def flush(self) -> None:
        """Finalise the open segment now (end of a file, microphone muted)."""
        self._inbox.put(_FLUSH)

    def get_event(self, timeout: float | None = None) -> CaptionEvent | None:
        """The next event, or None after `timeout` seconds. A worker that died without saying
        so gives one fatal WorkerError; after the last event, None at once."""
        if self._reader is not None:
            raise RuntimeError("events go to the on_event callback")
        return self._next_event(timeout)

    def _next_event(self, timeout: float | None) -> CaptionEvent | None:
        with self._lock:
            if self._finished or self._process is None:
                return None
            if not self._events.poll(timeout):
                return None
            try:
                event: CaptionEvent = self._events.recv()
            except (EOFError, OSError):
                self._process.join(timeout=5)
                code = self._process.exitcode
                event = WorkerError(f"the captions worker stopped unexpectedly (exit code {code})")
            if isinstance(event, WorkerStopped) or (isinstance(event, WorkerError) and event.fatal):
                self._finished = True
            return event

    def _forward(self, on_event: Callable[[CaptionEvent], None]) -> None:
        while (event := self._next_event(None)) is not None:
            on_event(event)

    def stop(self, timeout: float = 10.0) -> None:
        """Finalise the open segment, stop the process and join it (killed after `timeout`).
        Events already produced stay readable; the worker's last event is WorkerStopped."""
        if self._stopped:
            return
        self._stopped = True
        process = self._process
        if process is None:
            self._inbox.close()
            return
        if self._inbox.put_waiting(_STOP, timeout):  # after the audio already queued
            process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(5)
        self._inbox.close()
        if self._reader is not None:
            self._reader.join(timeout)

    def __enter__(self) -> CaptionWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _run(config: WorkerConfig, inbox: Any, events: Any, prefix: str) -> None:
    """The worker process. onnxruntime's telemetry is switched off before anything of the
    captions runtime is imported (see captions/onnx.py)."""
    from visio_desktop.captions.onnx import telemetry_off_env  # noqa: PLC0415 - child side only

    telemetry_off_env()
    from visio_desktop.captions.worker_main import serve  # noqa: PLC0415 - child side only

    try:
        serve(config, inbox, events.send, prefix)
    except BaseException as exc:  # the child's last word, whatever happened
        with contextlib.suppress(OSError, ValueError):
            events.send(WorkerError(f"the captions worker failed: {exc!r}"))
        raise
    finally:
        events.close()
