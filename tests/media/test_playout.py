"""Playout: per-participant jitter buffers, the mixer with volumes, the echo reference, and
output devices that change, are missing or go away."""

from __future__ import annotations

import queue
import threading

import numpy as np
from av import AudioFrame

from visio_desktop.media.audio_processing import BLOCK, FRAME, RATE, EchoReference
from visio_desktop.media.playout import (
    MAX_BLOCKS,
    PREFILL_BLOCKS,
    OutputCallback,
    OutputStream,
    PacedOutputStream,
    Playout,
    portaudio_output,
)
from visio_desktop.media.portaudio import FinishedCallback
from visio_desktop.media.status import DeviceState, DeviceStatus

WAIT = 10.0


def remote_frame(value: int) -> AudioFrame:
    """What aiortc's Opus decoder gives: s16 stereo at 48 kHz, 20 ms."""
    data = np.full((1, 2 * FRAME), value, dtype=np.int16)
    frame = AudioFrame.from_ndarray(data, format="s16", layout="stereo")
    frame.sample_rate = RATE
    return frame


def pull(playout: Playout, blocks: int) -> np.ndarray:
    out = np.zeros(blocks * BLOCK, dtype=np.int16)
    for i in range(blocks):
        playout.pull(out[i * BLOCK : (i + 1) * BLOCK])
    return out


def test_the_mix_applies_volumes_and_feeds_the_echo_reference() -> None:
    reference = EchoReference()
    playout = Playout(reference)
    playout.add_participant("a")
    playout.add_participant("b", volume=0.5)
    for _ in range(3):
        playout.push("a", remote_frame(1000))
        playout.push("b", remote_frame(2000))
    mixed = pull(playout, 6)
    assert set(mixed.tolist()) == {2000}  # 1000 * 1 + 2000 * 0.5
    played = np.zeros(BLOCK, dtype=np.int16)
    reference.take_block(played)
    assert set(played.tolist()) == {2000}

    playout.set_volume("a", 0.0)
    playout.push("a", remote_frame(1000))
    playout.push("b", remote_frame(2000))
    playout.push("a", remote_frame(1000))
    playout.push("b", remote_frame(2000))
    assert set(pull(playout, 2).tolist()) == {1000}


def test_nothing_plays_before_the_prefill_and_overflow_drops_the_oldest() -> None:
    playout = Playout()
    playout.push("a", remote_frame(100))  # 2 blocks: fewer than the prefill
    assert not pull(playout, 1).any()
    for value in range(1, 20):
        playout.push("a", remote_frame(value))
    buffer = playout.buffer("a")
    assert buffer is not None
    assert buffer.dropped_blocks > 0
    assert buffer.buffered_ms <= MAX_BLOCKS * 10
    assert pull(playout, 1)[0] != 100  # the oldest audio went first

    playout.remove_participant("a")
    assert playout.buffer("a") is None
    assert not pull(playout, 1).any()


def test_the_output_device_changes_mid_call_and_the_buffers_survive() -> None:
    first: queue.Queue[np.ndarray] = queue.Queue()
    second: queue.Queue[np.ndarray] = queue.Queue()
    playout = Playout()
    for _ in range(PREFILL_BLOCKS):
        playout.push("a", remote_frame(500))
    status = playout.set_output(PacedOutputStream.factory(lambda b, t: first.put(b)), "one")
    assert status.state is DeviceState.ACTIVE
    assert first.get(timeout=WAIT) is not None
    assert playout.buffer("a") is not None

    playout.set_output(PacedOutputStream.factory(lambda b, t: second.put(b)), "two")
    for _ in range(PREFILL_BLOCKS):
        playout.push("a", remote_frame(700))
    heard = set()
    while 700 not in heard:
        heard |= set(second.get(timeout=WAIT).tolist())
    assert playout.status.state is DeviceState.ACTIVE and playout.status.device == "two"
    assert playout.set_output(None).state is DeviceState.STOPPED


def test_no_speakers_here_is_a_state() -> None:
    statuses: list[DeviceStatus] = []
    playout = Playout(on_status=statuses.append)
    status = playout.set_output(portaudio_output(None), "default")
    assert status.state in (DeviceState.NO_DEVICE, DeviceState.ACTIVE)
    assert statuses[-1] == status
    playout.close()


class UnpluggedOutput:
    """An output stream whose device goes away as soon as it starts."""

    def __init__(self, callback: OutputCallback, finished: FinishedCallback) -> None:
        self._finished = finished
        self.thread = threading.Thread(target=finished)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        return None


def test_speakers_unplugged_mid_call_are_a_state() -> None:
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    playout = Playout(on_status=statuses.put)

    def factory(callback: OutputCallback, finished: FinishedCallback) -> OutputStream:
        return UnpluggedOutput(callback, finished)

    playout.set_output(factory, "usb headset")
    seen = [statuses.get(timeout=WAIT).state for _ in range(2)]
    assert DeviceState.UNPLUGGED in seen
    playout.close()


class CountingSource:
    """A receive-side jitter buffer stand-in: 20 ms frames of one value, `left` of them."""

    def __init__(self, value: int, left: int) -> None:
        self.value, self.left, self.asked = value, left, 0

    def next_frame(self) -> np.ndarray | None:
        self.asked += 1
        if self.left <= 0:
            return None
        self.left -= 1
        return np.full(FRAME, self.value, dtype=np.int16)


def test_a_pulled_participant_plays_at_once_and_only_as_much_as_the_speakers_take() -> None:
    playout = Playout()
    source = CountingSource(300, left=3)
    playout.attach("a", source)
    assert set(pull(playout, 1).tolist()) == {300}  # no prefill on top of the source's own
    assert source.asked == 1  # 20 ms asked for, 10 ms played, 10 ms kept
    assert set(pull(playout, 5).tolist()) == {300}
    assert source.asked == 3
    assert not pull(playout, 1).any()  # the source has nothing: silence, not a stall
    assert source.asked == 4

    playout.attach("a", CountingSource(400, left=1))  # a new connection: a new source
    assert set(pull(playout, 2).tolist()) == {400}
