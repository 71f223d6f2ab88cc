"""A stand-in for a real screen in meeting tests."""

from __future__ import annotations

from visio_desktop.media.camera import CameraMode, LavfiPattern
from visio_desktop.media.screen import ScreenTrack
from visio_desktop.media.status import StatusCallback


def fake_screen(on_status: StatusCallback) -> ScreenTrack:
    """A full-resolution (1280x720) moving picture in place of a real screen: lavfi's
    testsrc2, captured by our screen track; a `ScreenSource` for `Session.share_screen`."""
    pattern = LavfiPattern("testsrc2", CameraMode(1280, 720, 10))
    return ScreenTrack(pattern, device="test screen", on_status=on_status)
