"""One camera encode for every peer of a mesh: each frame is encoded once, and every peer's
sender sends the same VP8 bitstream.

`SharedCamera` owns the camera's source track (a relay subscription) and one `CameraVp8Encoder`.
One task pulls a frame, encodes it once and hands the result, an `av.Packet`, to each peer's
`PeerTrack`, the track of that peer's camera sender. aiortc 1.16's RTCRtpSender only packs a
Packet (`encoder.pack`, VP8's payload descriptor and its own RTP timestamps), so nothing is
encoded again. Each `PeerTrack` holds a few items at most: a peer that does not keep up loses
what it holds (a delta frame without the one before it cannot be decoded) and waits for a
keyframe, which it asks for.

- Rate: the encode runs at the weakest receiver's rate, the minimum over peers of what each
  one's estimate (REMB) and reported loss allow. Each sender keeps its own `CameraVp8Encoder`
  (`use_shared_camera_encoder`), whose `RateControl` aiortc and `use_camera_encoder` feed as
  before; the shared encode reads them.
- Keyframes: a PLI or FIR from any peer, a new peer, or a peer that lost frames makes the next
  shared encode a keyframe, for everyone.
- Fallback: a peer whose rate is under half the median of the others' is sent the raw frames
  instead, and its sender encodes them with its own encoder (aiortc's normal path), so that one
  weak path does not lower what the others get. It comes back to the shared encode once its
  rate is at 3/4 of that median again. Both switches are logged.
- `VISIO_PER_PEER_CAMERA_ENCODERS=1` makes the mesh give every sender its own encoder as before
  (`per_peer_encoders_forced`), for the benchmarks and as an escape hatch; the microphone's
  too (its shared encode is `rtc.shared_opus`).

The screen share stays per peer (rtc/screen_encoder.py): it is one peer's slot at a time more
often than not, and its encoder's rate is tuned per receiver.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fractions
import functools
import logging
import os
import statistics
import threading
from collections.abc import Callable
from typing import Any, TypeAlias

import av
from aiortc import RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, AnyRtcpPacket, RtcpPsfbPacket
from av import VideoFrame

from visio_desktop.rtc.camera_encoder import CameraVp8Encoder, RateControl, use_camera_encoder

log = logging.getLogger(__name__)

PER_PEER_ENV = "VISIO_PER_PEER_CAMERA_ENCODERS"
QUEUE_FRAMES = 4  # what a peer may hold: about 130 ms at 30 fps
FALL_BELOW, COME_BACK_AT = 0.50, 0.75  # of the median of the other peers' rates
_VIDEO_TIME_BASE = fractions.Fraction(1, 90000)

Item: TypeAlias = (
    "av.Packet[Any] | VideoFrame"  # what a PeerTrack hands its sender: shared or to encode
)


def per_peer_encoders_forced() -> bool:
    """True when the environment asks for one camera encoder per peer (said once in the log)."""
    forced = os.environ.get(PER_PEER_ENV) == "1"
    if forced:
        _say_forced()
    return forced


@functools.cache
def _say_forced() -> None:
    log.info("%s=1: every peer's sender encodes the camera or microphone itself", PER_PEER_ENV)


def is_vp8_keyframe(data: bytes) -> bool:
    """A VP8 frame tag's first bit is 0 on a keyframe (RFC 6386, 9.1)."""
    return bool(data) and not data[0] & 1


class _BitstreamEncoder(CameraVp8Encoder):
    """The camera encoder handing back the frame's whole bitstream, not RTP payloads: each
    sender packetises it itself (its own picture ids)."""

    @classmethod
    def _packetize(cls, buffer: bytes, picture_id: int) -> list[bytes]:
        return [buffer] if buffer else []


@dataclasses.dataclass
class CameraStats:
    """What the shared camera did, for tests and benchmarks."""

    frames: int = 0  # pulled from the source
    encodes: int = 0  # calls to the shared encoder
    keyframes: int = 0
    dropped: int = 0  # items peers lost for being slow
    fallbacks: int = 0  # switches of a peer to its own encoder


def use_shared_camera_encoder(sender: RTCRtpSender) -> CameraVp8Encoder:
    """`use_camera_encoder`, plus: a PLI or FIR to this sender asks its `PeerTrack` (if that is
    its track) for a keyframe. Also sets a private attribute of aiortc 1.16, the RTCP handler;
    aiortc's own handling of the PLI still runs, for the frames this sender encodes itself."""
    encoder = use_camera_encoder(sender)
    handle = sender._handle_rtcp_packet

    async def handle_rtcp(packet: AnyRtcpPacket) -> None:
        await handle(packet)
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_FIR, RTCP_PSFB_PLI):
            track = sender.track
            if isinstance(track, PeerTrack):
                track.request_keyframe()

    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]
    return encoder


class PeerTrack(MediaStreamTrack):
    """One peer's camera, as its sender reads it: shared packets, or raw frames in fallback."""

    kind = "video"

    def __init__(
        self, camera: SharedCamera, name: str, rate: RateControl, own_keyframe: Callable[[], None]
    ) -> None:
        super().__init__()
        self.name = name
        self.rate = rate  # the sender's own encoder's, fed by this peer's RTCP
        self.fallback = False  # sent raw frames, encoded by the sender's own encoder
        self.needs_keyframe = True
        self.started = False  # its sender reads it (its connection is up)
        self.sent = 0
        self.dropped = 0
        self._camera = camera
        self._own_keyframe = own_keyframe  # asks the sender's own encoder for one
        self._queue: asyncio.Queue[Item | None] = asyncio.Queue(QUEUE_FRAMES)

    async def recv(self) -> Item:
        if self.readyState != "live":
            raise MediaStreamError
        self.started = True
        if self.needs_keyframe and not self.fallback and self._queue.empty():
            self._camera.request_keyframe()  # asked only by a peer that reads: no storm
        item = await self._queue.get()
        if item is None:  # stopped
            raise MediaStreamError
        return item

    def stop(self) -> None:
        if self.readyState == "live":
            self._camera._unsubscribe(self)
            self._drain()
            self._queue.put_nowait(None)  # wakes a pending recv
        super().stop()

    def request_keyframe(self) -> None:
        """This peer's receiver asked for one (PLI, FIR)."""
        if not self.fallback:  # in fallback, aiortc's sender already handles it
            self._camera.request_keyframe()

    def offer(self, item: Item, keyframe: bool) -> None:
        """The next item. Packets after a gap wait for a keyframe, which `recv` asks for."""
        if self.readyState != "live":
            return  # stopped while the camera was handing out this frame
        is_packet = isinstance(item, av.Packet)
        if is_packet:
            if self.needs_keyframe and not keyframe:
                return
            self.needs_keyframe = False
        if self._queue.full():
            self.dropped += self._drain()
            self._camera.stats.dropped += 1
            if is_packet and not keyframe:
                self.needs_keyframe = True
                return
        self._queue.put_nowait(item)
        self.sent += 1

    def switch(self, fallback: bool) -> None:
        self.fallback = fallback
        if fallback:
            self._own_keyframe()  # its own encoder starts with a keyframe
        else:
            self.needs_keyframe = True
            self._camera.request_keyframe()

    def _drain(self) -> int:
        """Empties the queue: what the peer still held is lost (see the module doc)."""
        lost = 0
        while not self._queue.empty():
            self._queue.get_nowait()
            lost += 1
        return lost


class SharedCamera:
    """The camera, encoded once for every peer (see the module doc)."""

    def __init__(self) -> None:
        self.encoder: CameraVp8Encoder = _BitstreamEncoder()
        self.stats = CameraStats()
        self._source: MediaStreamTrack | None = None
        self._peers: list[PeerTrack] = []
        self._task: asyncio.Task[None] | None = None
        self._keyframe_wanted = False
        self._encoding = threading.Lock()  # a cancelled pull may leave an encode running

    @property
    def peers(self) -> list[PeerTrack]:
        return list(self._peers)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_source(self, source: MediaStreamTrack | None) -> None:
        """Encode `source` from now on (stopping the one before), or nothing."""
        if source is self._source:
            return
        if self._source is not None:
            self._source.stop()
        self._source = source
        self._stop_task()
        self._sync_task()

    def subscribe(
        self, name: str, rate: RateControl, own_keyframe: Callable[[], None] = lambda: None
    ) -> PeerTrack:
        """A track for one more peer's sender; its first read asks for a keyframe. `rate` is
        what that peer's path allows, `own_keyframe` asks its sender's encoder for one."""
        track = PeerTrack(self, name, rate, own_keyframe)
        self._peers.append(track)
        self._sync_task()
        return track

    def request_keyframe(self) -> None:
        self._keyframe_wanted = True

    async def close(self) -> None:
        """Stop every peer's track, the source and the task."""
        task = self._task
        for peer in list(self._peers):
            peer.stop()
        self.set_source(None)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    def _unsubscribe(self, track: PeerTrack) -> None:
        if track in self._peers:
            self._peers.remove(track)
        self._sync_task()

    def _sync_task(self) -> None:
        """The task runs while there is a source and someone to send it to."""
        if self._source is not None and self._peers:
            if not self.running:
                self._task = asyncio.get_running_loop().create_task(self._run(self._source))
        else:
            self._stop_task()

    def _stop_task(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, source: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await source.recv()
                if isinstance(frame, VideoFrame):
                    self.stats.frames += 1
                    await self._distribute(frame)
        except MediaStreamError:
            log.info("the camera's source ended")
        except Exception:
            log.exception("the shared camera encode failed")
            raise

    async def _distribute(self, frame: VideoFrame) -> None:
        self._follow_rates()
        packet, keyframe = None, False
        if any(peer.started and not peer.fallback for peer in self._peers):
            packet, keyframe = await self._encode(frame)
        for peer in list(self._peers):
            if peer.fallback:
                peer.offer(frame, keyframe=False)
            elif packet is not None:
                peer.offer(packet, keyframe)

    async def _encode(self, frame: VideoFrame) -> tuple[av.Packet[Any] | None, bool]:
        force, self._keyframe_wanted = self._keyframe_wanted, False
        payloads, timestamp = await asyncio.get_running_loop().run_in_executor(
            None, self._encode_locked, frame, force
        )
        if not payloads:
            return None, False  # a frame left out (see rtc/camera_encoder.py)
        data = b"".join(payloads)
        keyframe = is_vp8_keyframe(data)
        self.stats.keyframes += keyframe
        packet = av.Packet(data)
        packet.pts, packet.time_base = timestamp, _VIDEO_TIME_BASE
        return packet, keyframe

    def _encode_locked(self, frame: VideoFrame, force: bool) -> tuple[list[bytes], int]:
        with self._encoding:
            self.stats.encodes += 1
            return self.encoder.encode(frame, force)

    def _follow_rates(self) -> None:
        """Switch peers to or from their own encoder, and run the shared one at the weakest
        rate of those that share it."""
        rates: dict[PeerTrack, float] = {}
        for peer in self._peers:
            peer.rate.wanted = self.encoder.rate.wanted  # the picture's size is ours
            rates[peer] = peer.rate.allowed()
        for peer, rate in rates.items():
            others = [r for p, r in rates.items() if p is not peer]
            median = statistics.median(others) if others else rate
            if not peer.fallback and rate < FALL_BELOW * median:
                log.info(
                    "camera to %s: its own encoder, at %d kbps, under half the others' %d kbps",
                    peer.name,
                    rate / 1000,
                    median / 1000,
                )
                self.stats.fallbacks += 1
                peer.switch(fallback=True)
            elif peer.fallback and rate >= COME_BACK_AT * median:
                log.info(
                    "camera to %s: back on the shared encode, at %d kbps, others at %d kbps",
                    peer.name,
                    rate / 1000,
                    median / 1000,
                )
                peer.switch(fallback=False)
        shared = [rate for peer, rate in rates.items() if not peer.fallback]
        self.encoder.rate.remb = int(min(shared)) if shared else None
