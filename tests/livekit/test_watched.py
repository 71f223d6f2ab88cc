"""What LiveKit says of who watches our camera counts even when it comes before our
publication is settled: LiveKit says it once when a viewer subscribes, and a viewer may already
be waiting when we publish."""

from __future__ import annotations

from typing import cast

from aiortc.contrib.media import MediaRelay
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from tests.engine.conftest import PlaneRecord
from visio_desktop.core.kinds import Slot
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder
from visio_desktop.rtc.livekit.connection import LiveKitConnection
from visio_desktop.rtc.livekit.plane import SfuPlane


def update(sid: str, watched: bool) -> lr.SubscribedQualityUpdate:
    qualities = [
        lr.SubscribedQuality(quality=q, enabled=watched)
        for q in (lm.VideoQuality.LOW, lm.VideoQuality.MEDIUM, lm.VideoQuality.HIGH)
    ]
    return lr.SubscribedQualityUpdate(track_sid=sid, subscribed_qualities=qualities)


async def test_who_watches_is_applied_once_the_camera_is_published() -> None:
    plane = SfuPlane(cast(LiveKitConnection, object()), PlaneRecord(), MediaRelay())
    try:
        camera = CameraVp8Encoder()
        plane._camera = camera
        plane.qualities_wanted(update("TR_camera", watched=False))  # before we know our sid
        plane.qualities_wanted(update("TR_other", watched=True))  # someone else's track
        assert camera.watched_scale == 1.0
        plane._published[Slot.CAMERA] = "TR_camera"  # as `_publish` settles it
        plane._apply_watched()
        assert camera.watched_scale == 0.0
        plane.qualities_wanted(update("TR_camera", watched=True))
        assert camera.watched_scale == 1.0
    finally:
        await plane.close()
