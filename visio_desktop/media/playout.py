"""Playout: a jitter buffer per remote participant, a mixer, and the speaker's callback.

The engine pushes each decoded remote audio frame with `Playout.push(participant, frame)`
(on the engine loop; it only converts to 48 kHz mono and copies into the participant's
buffer). The output callback (PortAudio, or `PacedOutputStream` in tests, or a test calling
`pull` itself) mixes one 10 ms block from every buffer with its volume, and hands the mix to
the `EchoReference`, so the microphone's echo canceller knows what the speakers played.

A participant's audio comes one of two ways:
- pulled (`attach`): a `FrameSource`, the receive side's adaptive jitter buffer
  (`rtc.audio_receive`), is asked for its next frame in the output callback whenever the
  participant's buffer holds less than a block, so the speakers' clock drives it and nothing
  waits here on top of what that jitter buffer holds;
- pushed (`push`, decoded frames from a receiver that has no such buffer): the participant's
  `JitterBuffer` waits for `PREFILL_BLOCKS` before it plays (again after running dry) and
  holds at most `MAX_BLOCKS`: beyond that its oldest audio is dropped down to the prefill
  level, and counted, so that latency cannot creep. The output device can change mid-call with
`set_output`: the stream is closed and another opened; the buffers survive. Opening and
closing devices can block: call `set_output` and `close` in an executor, not on the loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from av import AudioFrame, AudioResampler

from visio_desktop.media.audio_processing import BLOCK, RATE, EchoReference, SampleRing, Samples
from visio_desktop.media.discovery import AudioDeviceInfo, portaudio_stream
from visio_desktop.media.portaudio import (
    AudioStream,
    AudioStreamFactory,
    FinishedCallback,
    StreamCallback,
)
from visio_desktop.media.status import (
    DeviceKind,
    DeviceState,
    DeviceStatus,
    StatusCallback,
    classify_error,
    describe,
    ignore_status,
)

logger = logging.getLogger(__name__)

PREFILL_BLOCKS = 4  # 40 ms
MAX_BLOCKS = 12  # 120 ms

OutputCallback = StreamCallback
OutputStream = AudioStream
OutputStreamFactory = AudioStreamFactory


def portaudio_output(device: AudioDeviceInfo | None) -> OutputStreamFactory:
    """Opens `device` (None: the default) at 48 kHz mono, 10 ms blocks, low latency."""
    return portaudio_stream("output", device, rate=RATE, block=BLOCK)


class FrameSource(Protocol):
    """Where a pulled participant's audio comes from; called on the output thread."""

    def next_frame(self) -> Samples | None:
        """The next frame (48 kHz mono s16, at most `MAX_BLOCKS` blocks), or None: nothing
        to play yet."""
        ...


class JitterBuffer:
    """One participant's audio waiting to be played (see the module doc)."""

    def __init__(self, prefill_blocks: int = PREFILL_BLOCKS, max_blocks: int = MAX_BLOCKS) -> None:
        self._ring = SampleRing((max_blocks + 4) * BLOCK)
        self._prefill, self._max = prefill_blocks * BLOCK, max_blocks * BLOCK
        self._playing = False
        self.source: FrameSource | None = None
        self.volume = 1.0
        self.dropped_blocks = 0  # dropped because the buffer was too full
        self.underruns = 0  # times it ran dry while playing
        self.last_push: float | None = None  # time.monotonic() of the last push

    @property
    def buffered_ms(self) -> float:
        return self._ring.available * 1000 / RATE

    def push(self, samples: Samples) -> None:
        self._ring.write(samples)
        self.last_push = time.monotonic()
        excess = self._ring.available - self._max
        if excess > 0:
            dropped = self._ring.skip(self._ring.available - self._prefill)
            self.dropped_blocks += -(-dropped // BLOCK)

    def pull_into(self, out: Samples) -> bool:
        """The next block into `out` if this participant is playing (False: nothing)."""
        source = self.source
        if source is not None:
            while self._ring.available < BLOCK:
                frame = source.next_frame()
                if frame is None:
                    break
                self._ring.write(frame)
            return self._ring.read_into(out)
        if not self._playing:
            if self._ring.available < self._prefill:
                return False
            self._playing = True
        if self._ring.read_into(out):
            return True
        self._playing = False
        self.underruns += 1
        return False


class _ToMono48k:
    """Converts remote frames (aiortc's Opus decoder gives s16 stereo 48 kHz) to mono."""

    def __init__(self) -> None:
        self._resampler: AudioResampler | None = None

    def __call__(self, frame: AudioFrame) -> Samples:
        if frame.format.name == "s16" and frame.sample_rate == RATE:
            channels = len(frame.layout.channels)
            data = frame.to_ndarray().reshape(-1, channels)
            if channels == 1:
                return np.ascontiguousarray(data[:, 0])
            mono: Samples = data.mean(axis=1, dtype=np.float32).astype(np.int16)
            return mono
        if self._resampler is None:
            self._resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        parts = [f.to_ndarray().ravel() for f in self._resampler.resample(frame)]
        return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, np.int16)


class Playout:
    """Per-participant buffers, the mixer, and the output stream (see the module doc)."""

    def __init__(
        self,
        reference: EchoReference | None = None,
        on_status: StatusCallback = ignore_status,
    ) -> None:
        self.reference = reference if reference is not None else EchoReference()
        self._on_status = on_status
        self._lock = threading.Lock()
        self._buffers: dict[str, JitterBuffer] = {}
        self._converters: dict[str, _ToMono48k] = {}
        self._mix = np.zeros(BLOCK, dtype=np.float32)  # preallocated: the callback allocates
        self._scaled = np.zeros(BLOCK, dtype=np.float32)  # no arrays
        self._block = np.zeros(BLOCK, dtype=np.int16)
        self._stream: OutputStream | None = None
        self._stream_lock = threading.Lock()
        self.device = ""
        self.status = DeviceStatus(DeviceKind.SPEAKER, DeviceState.STOPPED, "")
        self.blocks_played = 0

    # --- participants (engine loop) -------------------------------------------------------

    def add_participant(self, participant_id: str, volume: float = 1.0) -> None:
        with self._lock:
            if participant_id not in self._buffers:
                self._buffers[participant_id] = JitterBuffer()
                self._converters[participant_id] = _ToMono48k()
            self._buffers[participant_id].volume = volume

    def remove_participant(self, participant_id: str) -> None:
        with self._lock:
            self._buffers.pop(participant_id, None)
            self._converters.pop(participant_id, None)

    def set_volume(self, participant_id: str, volume: float) -> None:
        """0 silences, 1 is as received, up to 2 doubles (the mix is clipped)."""
        with self._lock:
            buffer = self._buffers.get(participant_id)
        if buffer is not None:
            buffer.volume = min(2.0, max(0.0, volume))

    def buffer(self, participant_id: str) -> JitterBuffer | None:
        with self._lock:
            return self._buffers.get(participant_id)

    def attach(self, participant_id: str, source: FrameSource) -> None:
        """Pull `participant_id`'s audio from `source` from now on (added on first use); the
        source replaces any before it (a new connection)."""
        if participant_id not in self._buffers:
            self.add_participant(participant_id)
        with self._lock:
            buffer = self._buffers.get(participant_id)
        if buffer is not None:
            buffer.source = source

    def push(self, participant_id: str, frame: AudioFrame) -> None:
        """A decoded remote frame for `participant_id` (added on first use)."""
        if participant_id not in self._buffers:
            self.add_participant(participant_id)
        with self._lock:
            buffer = self._buffers.get(participant_id)
            convert = self._converters.get(participant_id)
        if buffer is not None and convert is not None:
            buffer.push(convert(frame))

    # --- output thread --------------------------------------------------------------------

    def pull(self, out: Samples) -> None:
        """Mix the next 10 ms block into `out` (int16, BLOCK samples) and give it to the
        echo reference. The output callback's body; tests may call it themselves."""
        with self._lock:
            buffers = list(self._buffers.values())
        mix, block, scaled = self._mix, self._block, self._scaled
        mix[:] = 0
        for buffer in buffers:
            if buffer.pull_into(block):  # a muted participant's buffer is drained too
                np.multiply(block, buffer.volume, out=scaled)
                mix += scaled
        np.clip(mix, -32768, 32767, out=mix)
        np.rint(mix, out=mix)
        out[:] = mix
        self.reference.write(out)
        self.blocks_played += 1

    def _on_output(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        target = outdata[:, 0] if outdata.ndim == 2 else outdata
        if frames == BLOCK:
            self.pull(target)
        else:  # PortAudio may ask for another size: serve whole blocks, silence the rest
            target[:] = 0
            for start in range(0, frames - BLOCK + 1, BLOCK):
                self.pull(target[start : start + BLOCK])

    def _on_finished(self, stream: OutputStream) -> None:
        if self._stream is stream:  # not a stream we closed on purpose
            error = EOFError("the output stream stopped")
            self._report(describe(DeviceKind.SPEAKER, DeviceState.UNPLUGGED, self.device, error))

    # --- device ---------------------------------------------------------------------------

    def set_output(self, factory: OutputStreamFactory | None, device: str = "") -> DeviceStatus:
        """Play through a new output (None: nowhere). Closes the current stream first; the
        participants' buffers are kept. Returns the new status (also sent to on_status)."""
        with self._stream_lock:
            old, self._stream = self._stream, None
            if old is not None:
                with contextlib.suppress(Exception):
                    old.close()
            self.device = device
            if factory is None:
                self.reference.reset()
                state = DeviceState.NO_DEVICE if device else DeviceState.STOPPED
                return self._report(DeviceStatus(DeviceKind.SPEAKER, state, device))
            holder: list[OutputStream] = []
            try:
                stream = factory(self._on_output, lambda: self._on_finished(holder[0]))
                holder.append(stream)
                self._stream = stream
                stream.start()
            except Exception as exc:  # PortAudioError, OSError: a state
                self._stream = None
                self.reference.reset()
                return self._report(describe(DeviceKind.SPEAKER, classify_error(exc), device, exc))
            return self._report(DeviceStatus(DeviceKind.SPEAKER, DeviceState.ACTIVE, device))

    def close(self) -> None:
        self.set_output(None)

    def _report(self, status: DeviceStatus) -> DeviceStatus:
        self.status = status
        try:
            self._on_status(status)
        except Exception:
            logger.exception("a device status callback failed")
        return status


class PacedOutputStream:
    """A stand-in for speakers in tests and benchmarks: pulls 10 ms blocks at real-time pace
    from its own thread and hands each to `sink` (with the clock time it was "played")."""

    def __init__(
        self,
        callback: OutputCallback,
        finished: FinishedCallback,
        sink: Callable[[Samples, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._callback, self._finished, self._sink, self._clock = callback, finished, sink, clock
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paced-output", daemon=True)

    @classmethod
    def factory(cls, sink: Callable[[Samples, float], None] | None = None) -> OutputStreamFactory:
        return lambda callback, finished: cls(callback, finished, sink)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        block = np.zeros((BLOCK, 1), dtype=np.int16)
        start, index = self._clock(), 0
        while not self._closing.is_set():
            self._callback(block, BLOCK, None, None)
            if self._sink is not None:
                self._sink(block[:, 0].copy(), self._clock())
            index += 1
            self._closing.wait(max(0.0, start + index * BLOCK / RATE - self._clock()))
        self._finished()
