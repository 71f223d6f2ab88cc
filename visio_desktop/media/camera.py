"""Cameras: how to open one with FFmpeg on each system, and the camera track.

`open_camera(camera, mode)` returns a `CaptureTrack` whose thread opens the device (v4l2 on
Linux, dshow on Windows, avfoundation on macOS) and delivers yuv420p frames fitted inside the
mode's size with the camera's own aspect ratio kept (a 4:3 camera asked for 640x360 gives
480x360). Stopping the track closes the device, so its light goes off.

`LavfiPattern` (lavfi testsrc, paced in real time by FFmpeg's realtime filter) stands in
for a camera in tests and benchmarks only; it is never chosen by a real run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import av

from visio_desktop.media.capture import CaptureTrack, Clock, Opener
from visio_desktop.media.discovery import CameraInfo
from visio_desktop.media.status import DeviceKind, StatusCallback, ignore_status


@dataclass(frozen=True)
class CameraMode:
    width: int = 640
    height: int = 360
    fps: int = 30

    @property
    def video_size(self) -> str:
        return f"{self.width}x{self.height}"


SD = CameraMode()  # the default
HD = CameraMode(1280, 720, 30)
MODES = {"360p": SD, "720p": HD}


@dataclass(frozen=True)
class DeviceOpener:
    """Opens a real camera through av for `mode`, trying the fastest input format first."""

    camera: CameraInfo
    mode: CameraMode = SD

    def options(self) -> list[dict[str, str]]:
        """Option sets tried in order: the last one leaves the driver its own choice."""
        base = {"video_size": self.mode.video_size, "framerate": str(self.mode.fps)}
        if self.camera.format == "v4l2":
            # MJPEG gives 720p30 on USB 2 cameras, where raw YUYV often tops out at 10 fps.
            return [{**base, "input_format": "mjpeg"}, base, {}]
        if self.camera.format == "dshow":
            return [{**base, "rtbufsize": "32M"}, {"rtbufsize": "32M"}]
        if self.camera.format == "avfoundation":
            return [{**base, "pixel_format": "nv12"}, {"framerate": str(self.mode.fps)}]
        return [base, {}]

    def __call__(self) -> Any:
        error: Exception | None = None
        for options in self.options():
            try:
                return av.open(self.camera.url, format=self.camera.format, options=options)
            except av.FFmpegError as exc:  # EBUSY and ENOENT will not get better: stop trying
                error = exc
                if getattr(exc, "errno", None) in _FINAL_ERRNOS:
                    break
        assert error is not None
        raise error


_FINAL_ERRNOS = {2, 6, 16, 19}  # ENOENT, ENXIO, EBUSY, ENODEV


@dataclass(frozen=True)
class LavfiPattern:
    """FFmpeg's lavfi test source paced in real time: a stand-in camera for tests only."""

    pattern: str = "testsrc"  # testsrc, testsrc2, smptebars, mandelbrot...
    mode: CameraMode = SD

    def __call__(self) -> Any:
        graph = f"{self.pattern}=size={self.mode.video_size}:rate={self.mode.fps},realtime"
        return av.open(graph, format="lavfi")


def fit_size(source: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest even size inside `box` with the aspect ratio of `source`."""
    (sw, sh), (bw, bh) = source, box
    scale = min(bw / sw, bh / sh)
    return max(2, round(sw * scale) & ~1), max(2, round(sh * scale) & ~1)


class CameraTrack(CaptureTrack):
    """A camera's capture thread and track; frames fit inside the mode's size."""

    def __init__(
        self,
        opener: Opener,
        mode: CameraMode = SD,
        *,
        device: str,
        on_status: StatusCallback = ignore_status,
        clock: Clock = time.monotonic,
    ) -> None:
        self.mode = mode
        super().__init__(
            opener,
            device_kind=DeviceKind.CAMERA,
            device=device,
            size=(mode.width, mode.height),
            on_status=on_status,
            clock=clock,
        )

    def _target_size(self, width: int, height: int) -> tuple[int, int]:
        return fit_size((width, height), (self.mode.width, self.mode.height))


def open_camera(
    camera: CameraInfo, mode: CameraMode = SD, on_status: StatusCallback = ignore_status
) -> CameraTrack:
    """Start capturing from `camera` (problems arrive as states through `on_status`)."""
    return CameraTrack(
        DeviceOpener(camera, mode), mode, device=camera.id.label, on_status=on_status
    )
