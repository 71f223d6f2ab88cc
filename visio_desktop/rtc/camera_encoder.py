"""The camera's VP8 encoder: it starts at the bitrate its picture size wants, follows the
receiver's estimate (REMB, delay-based), backs off under loss that the receiver reports, and
keeps the picture fluid by giving up bitrate first, then resolution, then frame rate.

aiortc's own encoder starts every stream at 500 kbps, and its receiver's estimate grows by
about 8 % a second: a 640x360 camera took more than 12 s to reach 800 kbps here. It knows
nothing of loss (REMB only sees queueing delay), so a lossy path that is not congested kept
its full rate. `use_camera_encoder` gives a sender this one and feeds it the fraction lost of
each RTCP receiver report, as Chromium's loss-based controller does:
- more than 10 % lost: the rate goes down by half the loss;
- less than 2 % lost: the cap on it goes up 8 % a report, back to what REMB allows;
- in between: it holds.
Below 40 % of what its size wants the picture is encoded at 3/4 of its size, below 20 % at
half, and at the floor (150 kbps, when that is under 20 % of the want) every other frame is
left out. Changes under 20 % are not applied: aiortc starts a
new encoder (and so a keyframe) for every change of more than 10 %.

On an SFU, `watched_scale` says how much of the picture anyone watches (LiveKit's subscribed
qualities): 0 encodes nothing, below 1 encodes a smaller picture, and the first frame after
nobody watched is a keyframe.
"""

from __future__ import annotations

from typing import Any

from aiortc import RTCRtpSender
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.rtp import RtcpRrPacket, RtcpSrPacket
from av.video.reformatter import VideoReformatter

BITS_PER_PIXEL = 0.17  # per frame at 30 fps: 1.2 Mbps for 640x360, as browsers send
CEILING = 2_500_000  # 720p and above
FLOOR = 150_000
HEAVY_LOSS, LIGHT_LOSS, RISE = 0.10, 0.02, 1.08
HYSTERESIS = 0.20
# From this share of what the picture wants up: this scale of its size.
LADDER = ((0.4, 1.0), (0.2, 0.75), (0.0, 0.5))


def wanted_bitrate(width: int, height: int) -> int:
    """The rate a picture of this size wants on a clean, wide path."""
    return int(min(CEILING, max(FLOOR, width * height * 30 * BITS_PER_PIXEL)))


class RateControl:
    """The rate a camera is encoded at, from REMB, reported loss and the picture size."""

    def __init__(self) -> None:
        self.remb: int | None = None  # the receiver's estimate, once one came
        self.loss_cap: float | None = None  # what loss allows (None: no loss seen yet)
        self.wanted = wanted_bitrate(640, 360)
        self.applied = self.wanted  # what the encoder runs at

    def allowed(self) -> float:
        """What the size, the estimate and the loss allow now, before the hysteresis."""
        rate = float(self.wanted)
        if self.remb is not None:
            rate = min(rate, self.remb)
        if self.loss_cap is not None:
            rate = min(rate, self.loss_cap)
        return max(FLOOR, rate)

    def target(self) -> int:
        """The rate to run at now, applied only when it moved enough (see module doc)."""
        rate = self.allowed()
        if abs(rate - self.applied) / self.applied > HYSTERESIS:
            self.applied = int(rate)
        return self.applied

    def on_loss(self, fraction: float) -> None:
        """One receiver report: the fraction of packets lost since the last one."""
        if fraction > HEAVY_LOSS:
            base = self.loss_cap if self.loss_cap is not None else self.target()
            self.loss_cap = max(FLOOR, base * (1 - 0.5 * fraction))
        elif fraction < LIGHT_LOSS and self.loss_cap is not None:
            self.loss_cap *= RISE
            if self.loss_cap >= self.wanted:
                self.loss_cap = None  # no longer limiting

    def scale(self) -> float:
        """How much of the picture's size to encode at the current rate."""
        share = self.target() / self.wanted
        return next(scale for floor, scale in LADDER if share >= floor)

    def drops_frames(self) -> bool:
        """At the floor, and far below what the picture wants: every other frame goes."""
        return self.target() <= FLOOR < self.wanted * 0.2


class CameraVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder driven by `RateControl` (see the module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self.rate = RateControl()
        self._source_size: tuple[int, int] | None = None
        self._odd_frame = False
        self._reformatter = VideoReformatter()
        self.watched_scale = 1.0  # set by an SFU plane from what its subscribers watch
        self._unwatched = False

    @property
    def target_bitrate(self) -> int:
        return self.rate.target()

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:  # the receiver's REMB
        self.rate.remb = bitrate

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        size = (frame.width, frame.height)
        if size != self._source_size:
            self._source_size = size
            self.rate.wanted = wanted_bitrate(*size)
        if self.watched_scale <= 0.0:
            self._unwatched = True
            return [], 0  # nobody watches: nothing to encode
        if self._unwatched:
            self._unwatched, force_keyframe = False, True
        if self.rate.drops_frames() and not force_keyframe:
            self._odd_frame = not self._odd_frame
            if self._odd_frame:
                return [], 0  # aiortc sends nothing for this frame
        scale = min(self.rate.scale(), self.watched_scale)
        if scale < 1.0:
            width = max(2, int(frame.width * scale) // 2 * 2)
            height = max(2, int(frame.height * scale) // 2 * 2)
            # Our own reformatter: `frame.reformat` uses one cached on the frame, and the same
            # frame goes to every peer's encoder at once, in threads of their own (a crash).
            scaled = self._reformatter.reformat(frame, width=width, height=height, format="yuv420p")
            scaled.pts, scaled.time_base = frame.pts, frame.time_base
            frame = scaled
        return super().encode(frame, force_keyframe)


def use_camera_encoder(sender: RTCRtpSender) -> CameraVp8Encoder:
    """Give `sender` the camera encoder and feed it each receiver report's loss. Like
    `use_screen_encoder`, it must run before the sender's first frame, and it sets private
    attributes of aiortc 1.16 (the encoder, and the RTCP handler it wraps)."""
    encoder = CameraVp8Encoder()
    setattr(sender, "_RTCRtpSender__encoder", encoder)  # noqa: B010 - name-mangled, on purpose
    handle = sender._handle_rtcp_packet

    async def handle_rtcp(packet: Any) -> None:
        await handle(packet)
        if isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                if report.ssrc == sender._ssrc:
                    encoder.rate.on_loss(report.fraction_lost / 256)

    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]
    return encoder
