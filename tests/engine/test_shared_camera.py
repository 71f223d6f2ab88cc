"""The shared camera encode on real peer connections over 127.0.0.1: one sender and three
receivers. Every receiver decodes the synthetic camera's frames, and the sender encoded each
frame once, not once per receiver; it keeps doing so when the camera goes off and on, and
closing the call stops the shared encode."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import pytest
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from tests.engine.conftest import WAIT
from tests.engine.direct_mesh import Mesh
from visio_desktop.core.kinds import Slot
from visio_desktop.media.synthetic import SyntheticVideoTrack, read_stamp
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder
from visio_desktop.rtc.shared_encoder import SharedCamera

SENDER, RECEIVERS = "a", ("b", "c", "d")  # the smaller id offers: "a" calls everyone
FRAMES = 15  # decoded by each receiver


@pytest.fixture
def encodes(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[int]:
    """How many times each camera frame (by its pts) went through a camera encoder, shared or
    a sender's own."""
    counts: collections.Counter[int] = collections.Counter()
    encode = CameraVp8Encoder.encode

    def counted(self: CameraVp8Encoder, frame: Any, force_keyframe: bool = False) -> Any:
        counts[frame.pts] += 1
        return encode(self, frame, force_keyframe)

    monkeypatch.setattr(CameraVp8Encoder, "encode", counted)
    return counts


async def stamped_frames(track: MediaStreamTrack, count: int) -> list[int]:
    """The frame numbers of the next `count` frames of the synthetic camera on `track`."""
    numbers: list[int] = []
    while len(numbers) < count:
        frame = await asyncio.wait_for(track.recv(), WAIT)
        assert isinstance(frame, VideoFrame) and (frame.width, frame.height) == (320, 180)
        stamp = read_stamp(frame)
        assert stamp is not None, "a frame that is not the synthetic camera's"
        numbers.append(stamp.frame_number)
    return numbers


async def test_three_receivers_decode_one_encode_of_each_frame(
    loopback: None, encodes: collections.Counter[int]
) -> None:
    mesh = Mesh((SENDER, *RECEIVERS))
    sender = mesh.calls[SENDER]
    camera = SyntheticVideoTrack("Alice", width=320, height=180, fps=30)
    try:
        await sender.publish(Slot.CAMERA, camera)
        for receiver in RECEIVERS:
            await sender.add_participant(receiver)
        tracks = [await mesh.camera_at(receiver) for receiver in RECEIVERS]
        received = await asyncio.gather(*(stamped_frames(t, FRAMES) for t in tracks))
        assert all(len(set(numbers)) == FRAMES for numbers in received)

        # Each frame went through an encoder once, for all three receivers together.
        assert sum(encodes.values()) >= FRAMES
        assert max(encodes.values()) == 1, f"frames encoded more than once: {encodes}"
        shared = sender.camera
        assert isinstance(shared, SharedCamera)
        assert shared.stats.encodes == sum(encodes.values()) <= shared.stats.frames
        assert len(shared.peers) == 3 and not any(p.fallback for p in shared.peers)
        assert all(p.sent >= FRAMES for p in shared.peers)

        # The camera off and on again: the receivers get frames again, still one encode each.
        await sender.publish(Slot.CAMERA, None)
        assert not shared.running and camera.readyState == "live"  # the relay's copy stopped
        await sender.publish(Slot.CAMERA, camera)
        await asyncio.gather(*(stamped_frames(t, 5) for t in tracks))
        assert max(encodes.values()) == 1 and len(shared.peers) == 3
    finally:
        await mesh.close()
        camera.stop()
    assert not shared.running and shared.peers == []
