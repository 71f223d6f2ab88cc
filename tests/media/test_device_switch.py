"""Switching cameras mid-call: a real aiortc call on 127.0.0.1; the sender's track is replaced
by a second camera (another lavfi pattern) and the remote side keeps receiving frames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from visio_desktop.media.camera import CameraTrack, LavfiPattern
from visio_desktop.media.switch import SwitchableTrack
from visio_desktop.rtc.ice import gather_loopback_only

WAIT = 20.0


@pytest.fixture
async def call() -> AsyncIterator[tuple[RTCPeerConnection, RTCPeerConnection]]:
    gather_loopback_only(True)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()
        gather_loopback_only(False)


async def connect(a: RTCPeerConnection, b: RTCPeerConnection) -> None:
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)


def corner(frame: object) -> float:
    """Mean luma of the bottom-right corner: white in testsrc, black in smptebars."""
    assert isinstance(frame, VideoFrame)
    return float(frame.to_ndarray(format="gray")[-10:, -10:].mean())


async def test_remote_keeps_receiving_after_replace_track(
    call: tuple[RTCPeerConnection, RTCPeerConnection],
) -> None:
    a, b = call
    first = CameraTrack(LavfiPattern("testsrc"), device="first")
    second = CameraTrack(LavfiPattern("smptebars"), device="second")
    received: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    b.on("track", received.put_nowait)
    sender: RTCRtpSender = a.addTrack(first)
    await connect(a, b)
    remote = await asyncio.wait_for(received.get(), WAIT)
    try:
        before = [await asyncio.wait_for(remote.recv(), WAIT) for _ in range(10)]
        assert corner(before[-1]) > 200

        sender.replaceTrack(second)
        first.stop()  # after replaceTrack: a recv pending on it hands over a last frame
        first.thread.join(timeout=WAIT)
        assert not first.thread.is_alive()

        frames = [await asyncio.wait_for(remote.recv(), WAIT) for _ in range(60)]
        assert second.frames > 0 and second.dropped < second.frames
        assert corner(frames[-1]) < 40  # the second camera is what arrives now
    finally:
        second.stop()


async def test_behind_a_relay_a_switchable_track_changes_camera(
    call: tuple[RTCPeerConnection, RTCPeerConnection],
) -> None:
    """As the engine sends: sender <- relay proxy <- switchable <- camera."""
    a, b = call
    first = CameraTrack(LavfiPattern("testsrc"), device="first")
    switchable = SwitchableTrack("video", first)
    relay = MediaRelay()
    received: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    b.on("track", received.put_nowait)
    a.addTrack(relay.subscribe(switchable, buffered=False))
    await connect(a, b)
    remote = await asyncio.wait_for(received.get(), WAIT)
    second = CameraTrack(LavfiPattern("smptebars"), device="second")
    try:
        before = [await asyncio.wait_for(remote.recv(), WAIT) for _ in range(10)]
        assert corner(before[-1]) > 200

        old = switchable.replace(second)
        assert old is first
        first.stop()
        first.thread.join(timeout=WAIT)
        assert not first.thread.is_alive()

        frames = [await asyncio.wait_for(remote.recv(), WAIT) for _ in range(60)]
        assert corner(frames[-1]) < 40
        pts = [f.pts or 0 for f in frames]
        assert pts == sorted(pts)
    finally:
        switchable.stop()
