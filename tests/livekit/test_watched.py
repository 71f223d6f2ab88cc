"""The SFU plane on its own: what LiveKit says of who watches our camera counts even when it
comes before our publication is settled (LiveKit says it once when a viewer subscribes, and a
viewer may already be waiting when we publish), and a video on screen that never arrives is
asked for again."""

from __future__ import annotations

import asyncio
from typing import cast

from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import VideoStreamTrack
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from tests.engine.conftest import PlaneRecord
from visio_desktop.core.kinds import Slot, TileKey
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


class NoTransceivers:
    def getTransceivers(self) -> list[object]:
        return []


class Subscriptions:
    """Stands for the connection's subscription requests, which it records."""

    subscriber = NoTransceivers()

    def __init__(self) -> None:
        self.requests: list[tuple[tuple[str, ...], bool]] = []
        self.changed = asyncio.Event()

    async def subscribe(self, track_sids: list[str], subscribe: bool) -> None:
        self.requests.append((tuple(track_sids), subscribe))
        self.changed.set()

    async def track_settings(self, track_sid: str, width: int, height: int) -> None:
        pass

    async def until(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.requests) < count:
                self.changed.clear()
                await self.changed.wait()


async def test_a_video_on_screen_that_never_arrives_is_asked_for_again() -> None:
    """Seen once under load: a video subscribed to whose track never came. After the plane's
    patience it is unsubscribed and subscribed again; a track that arrives is left alone."""
    connection = Subscriptions()
    plane = SfuPlane(cast(LiveKitConnection, connection), PlaneRecord(), MediaRelay())
    plane.patience_seconds = 0.2
    try:
        info = lm.ParticipantInfo(
            identity="anne",
            tracks=[
                lm.TrackInfo(sid="TR_cam", type=lm.TrackType.VIDEO, source=lm.TrackSource.CAMERA)
            ],
        )
        plane.participant_changed(info)
        await plane.show({TileKey.camera("anne"): (320, 180)})
        await connection.until(3)  # subscribed, then (nothing arrived) out and in again
        assert connection.requests[:3] == [
            (("TR_cam",), True),
            (("TR_cam",), False),
            (("TR_cam",), True),
        ]
        plane.track_arrived("TR_cam", VideoStreamTrack())
        settled = len(connection.requests)
        plane.patience_seconds = 0.0  # any wait is past patience now
        await plane._ask_again_for_missing()  # the check the plane makes every second
        assert len(connection.requests) == settled and not plane._asked_at
    finally:
        await plane.close()
