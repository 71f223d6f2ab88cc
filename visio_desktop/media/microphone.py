"""The microphone: a PortAudio input callback, a ring buffer, processing, and the track.

The input stream (PortAudio through sounddevice, or `WavInputStream` in tests) calls back with
48 kHz mono 10 ms blocks; the callback only copies them into a preallocated `SampleRing` and,
when `recv()` is waiting, wakes it once. `recv()` on the engine loop takes 20 ms (960 samples),
runs each 10 ms half through the `Processor` with the far-end block from the `EchoReference`,
and returns an s16 mono AudioFrame, as aiortc's Opus encoder wants. The device paces the track.

Mute keeps everything running (the echo canceller stays converged) and sends zeros. The tap
gets each processed 20 ms block while not muted (captions of what the others hear).

If the device cannot be opened, stops (unplugged) or stays silent for `STALL_S`, the status
callback says so and the track carries on with silence paced by the loop's clock, so the
call and its audio stream survive; replace it with another device's track when one is chosen.
The stream is opened and closed in short helper threads: device calls can block for a while.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from visio_desktop.media.audio_processing import (
    BLOCK,
    FRAME,
    RATE,
    EchoReference,
    Processor,
    SampleRing,
    Samples,
    make_processor,
)
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

TIME_BASE = Fraction(1, RATE)
STALL_S = 0.5  # no audio from the device for this long means it is gone
OPEN_TIMEOUT_S = 3.0  # the same, for the first audio after opening
RING_MS = 500

InputCallback = StreamCallback
InputStream = AudioStream
InputStreamFactory = AudioStreamFactory
AudioTap = Callable[[Samples], None]


def portaudio_input(device: AudioDeviceInfo | None) -> InputStreamFactory:
    """Opens `device` (None: the default) at 48 kHz mono, 10 ms blocks, low latency."""
    return portaudio_stream("input", device, rate=RATE, block=BLOCK)


class MicrophoneTrack(MediaStreamTrack):
    """48 kHz mono s16 in 20 ms frames from an input stream, processed (see the module doc)."""

    kind = "audio"

    def __init__(
        self,
        stream_factory: InputStreamFactory,
        *,
        device: str,
        processor: Processor | None = None,
        reference: EchoReference | None = None,
        tap: AudioTap | None = None,
        on_status: StatusCallback = ignore_status,
    ) -> None:
        super().__init__()
        self.device = device
        self.processor = processor if processor is not None else make_processor()
        self.reference = reference if reference is not None else EchoReference()
        self.tap = tap
        self._on_status = on_status
        self._ring = SampleRing(RATE * RING_MS // 1000)
        self._lock = threading.Lock()
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
        self._raw = np.zeros(FRAME, dtype=np.int16)
        self._far = np.zeros(BLOCK, dtype=np.int16)
        self._muted = False
        self._sent = 0  # samples sent: the next pts
        self._silence_due: float | None = None  # loop time of the next frame while failed
        self.status = DeviceStatus(DeviceKind.MICROPHONE, DeviceState.STARTING, device)
        self._stream: InputStream | None = None
        self._device_lock = threading.Lock()  # opening and closing the stream
        self.closed = threading.Event()  # set once the device is released after stop()
        # Opening a device can take a while (ALSA, Bluetooth): not on the engine loop.
        threading.Thread(
            target=self._open, args=(stream_factory,), name="microphone-open", daemon=True
        ).start()

    def _open(self, stream_factory: InputStreamFactory) -> None:
        with self._device_lock:
            if self.readyState != "live":
                return
            stream: InputStream | None = None
            try:
                stream = stream_factory(self._on_audio, self._on_finished)
                stream.start()
            except Exception as exc:  # PortAudioError, OSError: a state
                self._close_stream(stream)
                self._problem(classify_error(exc), exc)
                self._wake()
                return
            self._stream = stream

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        """Muted: frames keep coming, all zeros; the tap gets nothing."""
        self._muted = muted

    # --- PortAudio thread -----------------------------------------------------------------

    def _on_audio(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        self._ring.write(indata[:, 0] if indata.ndim == 2 else indata)
        if self._waiter is not None and self._ring.available >= FRAME:
            self._wake()

    def _on_finished(self) -> None:
        if self.readyState == "live":
            self._problem(DeviceState.UNPLUGGED, EOFError("the input stream stopped"))
            self._wake()

    def _wake(self) -> None:
        with self._lock:
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            loop, future = waiter
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, future)

    # --- engine loop ----------------------------------------------------------------------

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        got = await self._next_raw()
        if self.readyState != "live":
            raise MediaStreamError
        frame = AudioFrame(format="s16", layout="mono", samples=FRAME)
        out = np.frombuffer(memoryview(frame.planes[0]), dtype=np.int16, count=FRAME)
        if got:
            for half in (slice(0, BLOCK), slice(BLOCK, FRAME)):
                self.reference.take_block(self._far)
                out[half] = self.processor.process(self._raw[half], self._far)
        if self._muted or not got:
            out[:] = 0
        elif self.tap is not None:
            try:
                self.tap(out.copy())
            except Exception:
                logger.exception("the microphone tap failed; the track carries on")
        frame.pts, frame.sample_rate, frame.time_base = self._sent, RATE, TIME_BASE
        self._sent += FRAME
        return frame

    async def _next_raw(self) -> bool:
        """Wait for 20 ms from the device into `_raw` (True), or for the next silent frame's
        time while the device is missing (False)."""
        loop = asyncio.get_running_loop()
        while self.readyState == "live":
            if self._ring.read_into(self._raw):
                if self.status.state is not DeviceState.ACTIVE and self._stream is not None:
                    self._silence_due = None
                    self._report(
                        DeviceStatus(DeviceKind.MICROPHONE, DeviceState.ACTIVE, self.device)
                    )
                return True
            if self.status.state.is_problem:
                now = loop.time()
                if self._silence_due is None or self._silence_due < now - 0.1:
                    self._silence_due = now
                await asyncio.sleep(self._silence_due - now)  # paces silence: no device
                self._silence_due += FRAME / RATE
                return False
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                self._waiter = (loop, future)
            if self._ring.available >= FRAME:
                self._wake()
            starting = self.status.state is DeviceState.STARTING
            try:
                await asyncio.wait_for(future, OPEN_TIMEOUT_S if starting else STALL_S)
            except TimeoutError:
                self._problem(DeviceState.UNPLUGGED, TimeoutError("no audio from the device"))
        return False

    def _problem(self, state: DeviceState, exc: BaseException) -> None:
        logger.warning("microphone %r: %s (%s)", self.device, state.value, exc)
        self._report(describe(DeviceKind.MICROPHONE, state, self.device, exc))

    def _report(self, status: DeviceStatus) -> None:
        self.status = status
        try:
            self._on_status(status)
        except Exception:
            logger.exception("a device status callback failed")

    @staticmethod
    def _close_stream(stream: InputStream | None) -> None:
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def stop(self) -> None:
        """Release the device (closed in a helper thread; `closed` is set when done);
        recv() then raises."""
        if self.readyState != "live":
            return
        super().stop()
        self._wake()
        self._report(DeviceStatus(DeviceKind.MICROPHONE, DeviceState.STOPPED, self.device))
        threading.Thread(target=self._release, name="microphone-close", daemon=True).start()

    def _release(self) -> None:
        with self._device_lock:
            stream, self._stream = self._stream, None
            if stream is not None:
                self._close_stream(stream)
        self.closed.set()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AudioBlockQueue:
    """A tap for a worker thread (captions): keeps the newest `max_blocks` 20 ms blocks,
    dropping the oldest (counted in `dropped`). Pass it as `tap=`; read with `get()`."""

    def __init__(self, max_blocks: int = 100) -> None:
        self._blocks: collections.deque[Samples] = collections.deque(maxlen=max_blocks)
        self._ready = threading.Condition()
        self.dropped = 0

    def __call__(self, block: Samples) -> None:
        with self._ready:
            if len(self._blocks) == self._blocks.maxlen:
                self.dropped += 1
            self._blocks.append(block)
            self._ready.notify()

    def get(self, timeout: float | None = None) -> Samples | None:
        """The oldest block, waiting up to `timeout` seconds (None: no block came)."""
        with self._ready:
            if not self._ready.wait_for(lambda: bool(self._blocks), timeout):
                return None
            return self._blocks.popleft()


class WavInputStream:
    """A stand-in for a microphone in tests and benchmarks: plays `samples` (48 kHz mono
    int16) into the callback in 10 ms blocks at real-time pace from its own thread, like
    PortAudio. After the samples it sends silence, or (`then="unplug"`) stops as an unplugged
    device does: no more callbacks, then the finished callback."""

    def __init__(
        self,
        samples: Samples,
        callback: InputCallback,
        finished: FinishedCallback,
        *,
        then: str = "silence",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if then not in ("silence", "unplug"):
            raise ValueError(f"then must be 'silence' or 'unplug', not {then!r}")
        self._samples = np.ascontiguousarray(samples, dtype=np.int16).ravel()
        self._callback, self._finished, self._then, self._clock = callback, finished, then, clock
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wav-input", daemon=True)
        self.start_time: float | None = None  # clock time of the first block's callback

    @classmethod
    def factory(cls, samples: Samples, *, then: str = "silence") -> InputStreamFactory:
        return lambda callback, finished: cls(samples, callback, finished, then=then)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        block = np.zeros((BLOCK, 1), dtype=np.int16)
        start, index = self._clock(), 0
        self.start_time = start
        while not self._closing.is_set():
            chunk = self._samples[index * BLOCK : (index + 1) * BLOCK]
            if len(chunk) == 0 and self._then == "unplug":
                break
            block[:, 0] = 0
            block[: len(chunk), 0] = chunk
            self._callback(block, BLOCK, None, None)
            index += 1
            self._closing.wait(max(0.0, start + index * BLOCK / RATE - self._clock()))
        self._finished()
