"""The shared camera encode on real peer connections over 127.0.0.1: one sender and three
receivers. Every receiver decodes the synthetic camera's frames, and the sender encoded each
frame once, not once per receiver; it keeps doing so when the camera goes off and on, and
closing the call stops the shared encode. A receiver behind a lossy path gets an encode of
its own until the path is clean, and the other keeps the shared one at its own rate."""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any

import pytest
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from tests.engine.conftest import WAIT
from tests.engine.direct_mesh import Mesh
from visio_desktop.core.kinds import Slot
from visio_desktop.media.synthetic import SyntheticVideoTrack, read_stamp
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder
from visio_desktop.rtc.shaper import PathFaults, shape_transport
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


async def until(condition: Callable[[], bool], what: str, within: float = 2 * WAIT) -> None:
    """Polls `condition` on the loop that runs the calls (their state changes there)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)  # a poll of the calls' own state, not a guess at timing


async def test_a_lossy_receiver_gets_its_own_encode_and_the_others_keep_theirs(
    loopback: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A slow receiver does not degrade what the others get: the path to one of two
    receivers loses 30 % of its packets, that peer moves to an encoder of its own, the shared
    encode keeps the rate the clean receiver's path allows, and the lossy peer comes back to
    the shared encode once its path is clean."""
    caplog.set_level(logging.INFO, logger="visio_desktop.rtc.shared_encoder")
    clean, lossy = "b", "c"
    mesh = Mesh((SENDER, clean, lossy))
    sender = mesh.calls[SENDER]
    camera = SyntheticVideoTrack("Alice", width=640, height=360, fps=30)
    frames: list[asyncio.Future[None]] = []
    try:
        await sender.publish(Slot.CAMERA, camera)
        for receiver in (clean, lossy):
            await sender.add_participant(receiver)
        received: dict[str, list[tuple[int, int]]] = {clean: [], lossy: []}

        async def decode(receiver: str) -> None:
            track = await mesh.camera_at(receiver)
            while True:
                frame = await track.recv()
                assert isinstance(frame, VideoFrame)
                received[receiver].append((frame.width, frame.height))

        frames += [asyncio.ensure_future(decode(r)) for r in (clean, lossy)]
        await until(lambda: all(received.values()), "no video at the receivers")
        shared = sender.camera
        assert isinstance(shared, SharedCamera)
        peers = {peer.name: peer for peer in shared.peers}
        pc = sender.connection(lossy)
        assert pc is not None
        path = shape_transport(pc.getTransceivers()[0].sender.transport, PathFaults(loss=0.3))

        await until(lambda: peers[lossy].fallback, "the lossy peer kept the shared encode")
        assert not peers[clean].fallback
        # The shared encode runs at what the clean path allows (reports keep coming: it is
        # checked once the encode has followed the latest), above what the lossy one allows.
        await until(
            lambda: (
                shared.encoder.rate.remb == int(peers[clean].rate.allowed())
                and peers[lossy].rate.allowed() < shared.encoder.rate.remb
            ),
            "the shared encode does not follow the clean receiver",
        )
        before = len(received[clean])
        await until(lambda: len(received[clean]) >= before + 30, "the clean receiver stalled")
        assert all(size == (640, 360) for size in received[clean][before:])

        path.faults = PathFaults()  # the path is clean again
        await until(lambda: not peers[lossy].fallback, "the lossy peer never came back")
        messages = [r.getMessage() for r in caplog.records]
        assert any(f"camera to {lossy}: its own encoder" in m for m in messages)
        assert any(f"camera to {lossy}: back on the shared encode" in m for m in messages)
        assert not any(f"camera to {clean}" in m for m in messages)
    finally:
        for task in frames:
            task.cancel()
        await mesh.close()
        camera.stop()
