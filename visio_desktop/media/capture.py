"""A video track fed by a capture thread: cameras and screens.

The thread opens an FFmpeg input (injected as an `Opener`: v4l2, dshow, avfoundation, x11grab,
gdigrab in real runs, lavfi in tests), decodes, converts to yuv420p at the wanted size and
puts each frame in a newest-frame mailbox. `recv()` on the engine loop takes the newest frame;
a frame the loop had no time for is replaced, never queued (`dropped` counts them).

Device problems are states, reported through the status callback, never exceptions: a device
that cannot be opened (missing, busy) or that goes away while capturing leaves the track live
but idle, sending a black frame each second so that the call keeps its video stream. The track
does not end on its own because an aiortc RTCRtpSender whose track ends stops sending for good,
even after `replaceTrack`. To switch devices, call `sender.replaceTrack(new)` and then `stop()`
the old track: a `recv()` still pending on it returns one last frame instead of raising, so the
sender moves on to the new track. `stop()` ends the thread, which closes the device.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame

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

Opener = Callable[[], Any]  # returns an opened av InputContainer with a video stream
Clock = Callable[[], float]

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)
IDLE_FRAME_PERIOD_S = 1.0  # a black frame this often while the device is missing or failed


def black_frame(width: int, height: int) -> VideoFrame:
    """A black yuv420p frame (limited range)."""
    frame = VideoFrame(width, height, "yuv420p")
    for index, value in ((0, 16), (1, 128), (2, 128)):
        plane = frame.planes[index]
        np.frombuffer(memoryview(plane), dtype=np.uint8)[:] = value
    return frame


class CaptureTrack(MediaStreamTrack):
    """A live video track read from an FFmpeg input in its own thread (see the module doc).

    `size` is the output size (None keeps the source size, rounded down to even numbers).
    """

    kind = "video"

    def __init__(
        self,
        opener: Opener,
        *,
        device_kind: DeviceKind,
        device: str,
        size: tuple[int, int] | None,
        on_status: StatusCallback = ignore_status,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__()
        self.device_kind, self.device = device_kind, device
        self._opener, self._size, self._on_status, self._clock = opener, size, on_status, clock
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._newest: VideoFrame | None = None
        self._fresh = False  # the newest frame has not been taken by recv() yet
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
        self._start: float | None = None
        self._last_pts = -1
        self._last_size = size or (640, 360)
        self.frames = 0  # frames captured
        self.dropped = 0  # frames replaced in the mailbox before recv() took them
        self.status = DeviceStatus(device_kind, DeviceState.STARTING, device)
        self._thread = threading.Thread(
            target=self._run, name=f"capture-{device_kind.value}", daemon=True
        )
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        """The capture thread (not alive once the device is closed)."""
        return self._thread

    # --- capture thread ---------------------------------------------------------------

    def _run(self) -> None:
        self._report(self.status)  # STARTING
        try:
            container = self._opener()
        except Exception as exc:  # FFmpeg, OS: a state, not a crash
            self._report_problem(classify_error(exc), exc)
            return
        try:
            self._capture(container)
        except Exception as exc:
            if not self._stopping.is_set():
                self._report_problem(classify_error(exc, while_running=True), exc)
        finally:
            with contextlib.suppress(Exception):
                container.close()
            if self._stopping.is_set():
                self._report(DeviceStatus(self.device_kind, DeviceState.STOPPED, self.device))

    def _capture(self, container: Any) -> None:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if self._stopping.is_set():
                return
            for decoded in packet.decode():
                self._publish(self._convert(decoded))
                if self.status.state is not DeviceState.ACTIVE:
                    self._report(DeviceStatus(self.device_kind, DeviceState.ACTIVE, self.device))
        if not self._stopping.is_set():  # the input ended: the device went away
            self._report_problem(DeviceState.UNPLUGGED, EOFError("end of stream"))

    def _target_size(self, width: int, height: int) -> tuple[int, int]:
        """The output size for a source frame of this size (subclasses keep aspect ratios)."""
        return self._size or (width & ~1, height & ~1)

    def _convert(self, frame: VideoFrame) -> VideoFrame:
        width, height = self._target_size(frame.width, frame.height)
        if (frame.width, frame.height, frame.format.name) != (width, height, "yuv420p"):
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        frame.pts = self._next_pts()
        frame.time_base = VIDEO_TIME_BASE
        return frame

    def _publish(self, frame: VideoFrame) -> None:
        with self._lock:
            if self._fresh:
                self.dropped += 1
            self._newest, self._fresh = frame, True
            self._last_size = (frame.width, frame.height)
            self.frames += 1
        self._wake()

    def _report_problem(self, state: DeviceState, exc: BaseException) -> None:
        logger.warning("%s %r: %s (%s)", self.device_kind.value, self.device, state.value, exc)
        self._report(describe(self.device_kind, state, self.device, exc))
        self._wake()

    def _report(self, status: DeviceStatus) -> None:
        self.status = status
        try:
            self._on_status(status)
        except Exception:
            logger.exception("a device status callback failed")

    # --- engine loop ------------------------------------------------------------------

    def _next_pts(self) -> int:
        with self._lock:
            now = self._clock()
            if self._start is None:
                self._start = now
            pts = max(self._last_pts + 1, round((now - self._start) * VIDEO_CLOCK_RATE))
            self._last_pts = pts
            return pts

    def _wake(self) -> None:
        with self._lock:
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            loop, future = waiter
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
                loop.call_soon_threadsafe(_resolve, future)

    def _take(self) -> VideoFrame | None:
        with self._lock:
            if self._fresh and self._newest is not None:
                self._fresh = False
                return self._newest
            return None

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        while True:
            frame = self._take()
            if frame is not None:
                return frame
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                self._waiter = (loop, future)
            if self._fresh:  # published between _take() and registering the waiter
                self._wake()
            idle = self.status.state.is_problem
            try:
                await asyncio.wait_for(future, IDLE_FRAME_PERIOD_S if idle else None)
            except TimeoutError:
                return self._idle_frame()
            if self.readyState != "live":  # stopped while we waited: hand over one last frame
                return self._last_frame()

    def _idle_frame(self) -> VideoFrame:
        frame = black_frame(*self._last_size)
        frame.pts, frame.time_base = self._next_pts(), VIDEO_TIME_BASE
        return frame

    def _last_frame(self) -> VideoFrame:
        with self._lock:
            newest = self._newest
        if newest is None:
            return self._idle_frame()
        copy = VideoFrame.from_ndarray(newest.to_ndarray(), format="yuv420p")
        copy.pts, copy.time_base = self._next_pts(), VIDEO_TIME_BASE
        return copy

    def stop(self) -> None:
        """Stop capturing: the thread ends and closes the device (it does not block)."""
        if self.readyState == "live":
            self._stopping.set()
            super().stop()
            self._wake()
            if not self._thread.is_alive():
                self._report(DeviceStatus(self.device_kind, DeviceState.STOPPED, self.device))


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
