"""The mesh's shared camera encode: each frame encoded once for every peer, at the weakest
peer's rate, with keyframes for anyone who asks, and a far weaker peer on its own encoder.
Peers are real RTCRtpSenders with a stand-in transport: their RTCP handling is aiortc's own."""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import av
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_PLI,
    RtcpPsfbPacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    pack_remb_fci,
)
from av import VideoFrame

from visio_desktop.core.protocol import Signal
from visio_desktop.rtc import shared_encoder
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder
from visio_desktop.rtc.mesh import MeshCall
from visio_desktop.rtc.shared_encoder import (
    PER_PEER_ENV,
    QUEUE_FRAMES,
    PeerTrack,
    SharedCamera,
    is_vp8_keyframe,
    use_shared_camera_encoder,
)

WAIT = 10.0


class FrameFeed(MediaStreamTrack):
    """A camera whose frames the test hands over one at a time."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.frames: asyncio.Queue[VideoFrame] = asyncio.Queue()
        self.count = 0

    def push(self) -> None:
        """The next frame: a moving gradient, 640x360 (what the rates below are about)."""
        n = self.count
        self.count += 1
        luma = (np.add.outer(np.arange(360), np.arange(640)) + 7 * n) % 256
        planes = np.concatenate([luma, np.full((180, 640), 128)]).astype(np.uint8)
        frame = VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts, frame.time_base = n * 3000, fractions.Fraction(1, 90000)
        self.frames.put_nowait(frame)

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        return await self.frames.get()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Waits for `condition` (work done by the camera's task and the encoder thread)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        await asyncio.sleep(0.005)


class Peer:
    """A camera sender (aiortc's, with a stand-in transport) and what its track gave it."""

    def __init__(self, camera: SharedCamera, name: str) -> None:
        transport = types.SimpleNamespace(state="new", _stats_id="transport")
        self.sender = RTCRtpSender("video", transport)  # type: ignore[arg-type]
        self.encoder = use_shared_camera_encoder(self.sender)
        self.own_keyframes = 0
        self.track = camera.subscribe(name, self.encoder.rate, self._own_keyframe)
        self.sender.replaceTrack(self.track)
        self.items: list[Any] = []
        self.reading = asyncio.Event()
        self.reading.set()
        self.task = asyncio.get_running_loop().create_task(self._read())

    def _own_keyframe(self) -> None:
        self.own_keyframes += 1

    async def _read(self) -> None:
        try:
            while True:
                await self.reading.wait()
                self.items.append(await self.track.recv())
        except MediaStreamError:
            pass

    async def rtcp(self, packet: Any) -> None:
        await self.sender._handle_rtcp_packet(packet)

    async def remb(self, bitrate: int) -> None:
        fci = pack_remb_fci(bitrate, [self.sender._ssrc])
        await self.rtcp(RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=fci))

    async def loss(self, fraction: float) -> None:
        info = RtcpReceiverInfo(self.sender._ssrc, int(fraction * 256), 0, 0, 0, 0, 0)
        await self.rtcp(RtcpRrPacket(ssrc=1, reports=[info]))

    async def pli(self) -> None:
        await self.rtcp(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=self.sender._ssrc))

    def payloads(self) -> list[bytes]:
        return [bytes(item) for item in self.items if isinstance(item, av.Packet)]


class Rig:
    def __init__(self, names: str) -> None:
        self.camera = SharedCamera()
        self.feed = FrameFeed()
        self.camera.set_source(self.feed)
        self.peers = [Peer(self.camera, name) for name in names]
        self.encodes = 0
        encode = self.camera.encoder.encode

        def counted(frame: VideoFrame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
            self.encodes += 1
            return encode(frame, force_keyframe)

        self.camera.encoder.encode = counted  # type: ignore[method-assign]

    async def started(self) -> None:
        await until(lambda: all(p.track.started for p in self.peers), "every peer reads")

    async def frame(self, *readers: Peer) -> None:
        """One more frame, and wait until the camera handled it and `readers` (default: every
        peer that reads) have what it gave them."""
        readers = readers or tuple(p for p in self.peers if p.reading.is_set())
        before = [len(p.items) for p in readers]
        self.feed.push()
        await until(lambda: self.camera.stats.frames == self.feed.count, "the frame was taken")
        await until(
            lambda: all(len(p.items) > n for p, n in zip(readers, before, strict=True)),
            "every reader got it",
        )


@pytest.fixture
async def rig() -> Any:
    made: list[Rig] = []

    def make(names: str = "abc") -> Rig:
        made.append(Rig(names))
        return made[-1]

    yield make
    for rig in made:
        await rig.camera.close()


async def test_each_frame_is_encoded_once_and_every_peer_sends_the_same(rig: Any) -> None:
    r: Rig = rig()
    await r.started()
    for _ in range(10):
        await r.frame()
    assert r.encodes == 10 == r.camera.stats.encodes
    first = r.peers[0].payloads()
    assert len(first) == 10 and all(p.payloads() == first for p in r.peers)
    assert is_vp8_keyframe(first[0]) and not any(map(is_vp8_keyframe, first[1:]))
    assert all(isinstance(item, av.Packet) for p in r.peers for item in p.items)


async def test_a_pli_from_any_peer_makes_the_next_frame_a_keyframe_for_all(rig: Any) -> None:
    r: Rig = rig()
    await r.started()
    for _ in range(3):
        await r.frame()
    await r.peers[2].pli()  # through aiortc's RTCP handling of that sender
    await r.frame()
    await r.frame()
    for peer in r.peers:
        assert [is_vp8_keyframe(p) for p in peer.payloads()] == [True, False, False, True, False]
    assert r.camera.stats.keyframes == 2


async def test_the_encode_runs_at_the_weakest_peers_rate(rig: Any) -> None:
    r: Rig = rig()
    await r.started()
    a, b, c = r.peers
    for peer, bitrate in ((a, 1_000_000), (b, 900_000), (c, 1_100_000)):
        await peer.remb(bitrate)  # aiortc sets the sender's encoder's target_bitrate
    await r.frame()
    assert r.camera.encoder.rate.remb == 900_000  # REMB: the weakest
    for _ in range(2):
        await c.loss(0.30)  # heavy loss on c's path: its loss cap, 1.1M * 0.85 * 0.85
    await r.frame()
    assert r.camera.encoder.rate.remb == int(c.encoder.rate.allowed()) < 900_000
    assert not any(p.track.fallback for p in r.peers)
    assert r.encodes == 2


async def test_a_far_weaker_peer_falls_back_to_its_own_encoder_and_returns(
    rig: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=shared_encoder.__name__)
    r: Rig = rig()
    await r.started()
    a, b, c = r.peers
    for peer in (a, b):
        await peer.remb(1_000_000)
    await c.remb(300_000)  # under half the others' median
    await r.frame()
    assert c.track.fallback and c.own_keyframes == 1
    assert isinstance(c.items[-1], VideoFrame)  # raw, for its sender's own encoder
    assert isinstance(a.items[-1], av.Packet)
    assert r.camera.encoder.rate.remb == 1_000_000  # the others keep their rate
    (fell,) = [rec for rec in caplog.records if "own encoder" in rec.getMessage()]
    assert fell.levelno == logging.INFO and "to c" in fell.getMessage()
    assert "300 kbps" in fell.getMessage() and "1000 kbps" in fell.getMessage()

    await c.pli()  # handled by its own encoder: no shared keyframe for that
    await r.frame()
    assert not any(map(is_vp8_keyframe, a.payloads()[1:]))

    await c.remb(800_000)  # at 3/4 of the others' again
    await r.frame()
    assert not c.track.fallback
    back = [rec for rec in caplog.records if "back on the shared" in rec.getMessage()]
    assert len(back) == 1 and "800 kbps" in back[0].getMessage()
    await r.frame()
    # It came back on a keyframe, which the others got too.
    assert is_vp8_keyframe(c.payloads()[0]) and c.payloads()[0] in a.payloads()
    assert r.camera.stats.fallbacks == 1


async def test_a_slow_peer_loses_what_it_holds_and_resumes_on_a_keyframe(rig: Any) -> None:
    r: Rig = rig("ab")
    await r.started()
    fast, slow = r.peers
    await r.frame()
    slow.reading.clear()  # its sender stops reading (it reads one more, then waits)
    for _ in range(QUEUE_FRAMES + 3):
        await r.frame(fast)
    assert slow.track.dropped > 0 and slow.track.needs_keyframe
    keyframes = r.camera.stats.keyframes
    assert keyframes == 1  # a peer that does not read asks for nothing
    slow.reading.set()  # reading again: it asks for a keyframe
    await until(lambda: r.camera._keyframe_wanted, "the slow peer asked for a keyframe")
    await r.frame(fast, slow)
    assert is_vp8_keyframe(slow.payloads()[-1]) and r.camera.stats.keyframes == 2
    assert slow.payloads()[-1] == fast.payloads()[-1]


async def test_closing_stops_the_task_the_tracks_and_the_source(rig: Any) -> None:
    r: Rig = rig()
    await r.started()
    await r.frame()
    old = r.feed
    r.feed = FrameFeed()
    r.camera.set_source(r.feed)  # the camera replaced: the old source stops
    assert old.readyState == "ended" and r.camera.running
    await r.frame()
    r.peers[0].track.stop()  # a peer removed
    assert r.camera.peers == [p.track for p in r.peers[1:]]
    await r.camera.close()
    assert not r.camera.running and r.feed.readyState == "ended"
    for peer in r.peers:
        await asyncio.wait_for(peer.task, WAIT)  # its pending read ended
        assert peer.track.readyState == "ended"
    leftover = [t for t in asyncio.all_tasks() if "SharedCamera._run" in repr(t.get_coro())]
    assert leftover == []


async def test_the_task_runs_only_with_a_source_and_peers() -> None:
    camera = SharedCamera()
    feed = FrameFeed()
    camera.set_source(feed)
    assert not camera.running  # nobody to send to
    track = camera.subscribe("a", CameraVp8Encoder().rate)
    assert isinstance(track, PeerTrack) and camera.running
    camera.set_source(None)  # camera off
    assert not camera.running and feed.readyState == "ended"
    await camera.close()
    assert track.readyState == "ended"


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(PER_PEER_ENV, "1")
    shared_encoder._say_forced.cache_clear()
    yield
    shared_encoder._say_forced.cache_clear()


async def _no_signal(signal: Signal) -> None:
    raise AssertionError("no signalling here")


def _mesh() -> MeshCall:
    events = types.SimpleNamespace(track_arrived=None, peer_state_changed=None)
    return MeshCall("a", RTCConfiguration(iceServers=[]), _no_signal, events)


async def test_the_environment_forces_one_encoder_per_peer_and_says_so_once(
    forced: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=shared_encoder.__name__)
    assert _mesh().camera is None and _mesh().camera is None
    said = [rec for rec in caplog.records if PER_PEER_ENV in rec.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.INFO


async def test_by_default_the_mesh_shares_the_camera(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PER_PEER_ENV, raising=False)
    mesh = _mesh()
    assert isinstance(mesh.camera, SharedCamera)
    await mesh.close()
