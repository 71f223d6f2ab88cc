"""One Opus encode of the microphone for every peer of a mesh.

Every peer's audio sender reads the microphone through its own MediaRelay subscription, and
the relay hands each of them the same `AudioFrame` object. Encoding it once per sender ran
libopus N-1 times on the same 20 ms (about 9 % of a client's CPU in a mesh of four), and
`SharedOpusEncode` runs it once:
- It owns one `OpusFecEncoder` (mono 48 kHz, 20 ms packets, FEC, DTX, the RTP timestamp).
  Each sender gets a `PeerOpusEncoder`, an aiortc encoder whose `encode` asks the shared
  one. aiortc runs encoders in its executor's threads, so the first sender to bring a frame
  encodes it under a lock, and the others get the result cached for that frame object (the
  last `CACHED_FRAMES`, held, so that their ids are not reused meanwhile).
- A frame older than one already encoded (by its pts) and no longer cached is not encoded:
  it would put old audio into the one stream everybody gets. That sender sends nothing for
  it. (A pts that jumps back by a second or more is a new source's clock, and is encoded.)
- FEC protects the weakest receiver: each `PeerOpusEncoder` keeps its own `LossTracker`,
  fed by its peer's receiver reports, and the encode asks libopus for the largest of their
  loss percentages. A peer that leaves stops counting (`PeerOpusEncoder.leave`; the
  trackers are also held weakly).
- Each sender stamps the shared RTP timestamps with its own random origin (aiortc does), so
  a peer that joins later simply starts mid-stream, as with an SFU.

The escape hatch of the shared camera, VISIO_PER_PEER_CAMERA_ENCODERS=1, also gives every
audio sender its own encoder (`rtc.mesh`). The LiveKit plane has one audio sender: it keeps
`use_opus_encoder`.
"""

from __future__ import annotations

import collections
import threading
import weakref
from typing import Any

from aiortc import RTCRtpSender
from aiortc.codecs.base import Encoder as AiortcEncoder
from av import AudioFrame

from visio_desktop.rtc.opus_sender import LOSS_FLOOR, LossTracker, OpusFecEncoder, install_encoder

CACHED_FRAMES = 16  # about 320 ms of 20 ms frames
NEW_CLOCK_SECONDS = 1  # a pts this far back: a new source, not a late frame

Encoded = tuple[list[bytes], int]  # payloads (none or one) and RTP timestamp


class SharedOpusEncode:
    """The microphone, encoded once for every peer's sender (see the module doc)."""

    def __init__(self) -> None:
        self.encoder = OpusFecEncoder()  # raises OpusUnavailable without libopus
        self.late = 0  # frames not encoded: older than one encoded already
        self._lock = threading.Lock()
        self._cache: collections.OrderedDict[int, tuple[AudioFrame, Encoded]] = (
            collections.OrderedDict()
        )
        self._newest_pts: int | None = None
        self._losses: weakref.WeakSet[LossTracker] = weakref.WeakSet()

    @property
    def packets(self) -> int:
        """Packets made to be sent (once for all peers)."""
        return self.encoder.packets

    @property
    def dtx_frames(self) -> int:
        """20 ms of silence not sent (once for all peers)."""
        return self.encoder.dtx_frames

    @property
    def peers(self) -> int:
        """How many peers' losses count."""
        with self._lock:
            return len(self._losses)

    @property
    def loss_percent(self) -> int:
        """The loss FEC protects against: the weakest peer's."""
        with self._lock:
            return self._loss_percent()

    def join(self, loss: LossTracker) -> None:
        with self._lock:
            self._losses.add(loss)

    def leave(self, loss: LossTracker) -> None:
        with self._lock:
            self._losses.discard(loss)

    def restart_clock(self) -> None:
        """A new source: its frames' pts start again (the mesh calls this on publish)."""
        with self._lock:
            self._newest_pts = None

    def encode(self, frame: AudioFrame) -> Encoded:
        """This frame's packet, encoded by the first sender to bring it. Thread-safe."""
        with self._lock:
            cached = self._cache.get(id(frame))
            if cached is not None and cached[0] is frame:
                return cached[1]
            if self._is_late(frame):
                self.late += 1
                return [], 0
            encoded = self.encoder.encode_at(frame, self._loss_percent())
            self._cache[id(frame)] = (frame, encoded)
            while len(self._cache) > CACHED_FRAMES:
                self._cache.popitem(last=False)
            if frame.pts is not None:
                self._newest_pts = frame.pts
            return encoded

    def _is_late(self, frame: AudioFrame) -> bool:
        newest, pts = self._newest_pts, frame.pts
        if newest is None or pts is None:
            return False
        return 0 <= newest - pts < NEW_CLOCK_SECONDS * frame.sample_rate

    def _loss_percent(self) -> int:
        return max((loss.percent for loss in self._losses), default=LOSS_FLOOR)


class PeerOpusEncoder(AiortcEncoder):
    """One peer's audio sender's encoder: the shared encode, and this peer's loss."""

    def __init__(self, shared: SharedOpusEncode) -> None:
        self.shared = shared
        self.loss = LossTracker()
        shared.join(self.loss)

    def encode(self, frame: Any, force_keyframe: bool = False) -> Encoded:
        """Runs in aiortc's encoder executor."""
        return self.shared.encode(frame)

    def pack(self, packet: Any) -> Encoded:
        raise NotImplementedError("the shared Opus encoder encodes frames only")

    def leave(self) -> None:
        """This peer is gone: its loss no longer counts."""
        self.shared.leave(self.loss)


def use_shared_opus_encoder(sender: RTCRtpSender, shared: SharedOpusEncode) -> PeerOpusEncoder:
    """Give an audio `sender` a `PeerOpusEncoder` of `shared`, fed its receiver reports. Like
    `use_opus_encoder`, before the sender's first frame (aiortc 1.16's private attributes)."""
    encoder = PeerOpusEncoder(shared)
    install_encoder(sender, encoder, encoder.loss)
    return encoder
