"""A VP8 encoder for shared screens: text must stay readable at 5 to 15 fps.

aiortc's encoder is tuned for faces: its denoiser smears glyphs and its bitrate range
(0.25-1.5 Mbps) is too low for a full-resolution page of text. The mesh gives this encoder to
the sender of the screen slot."""

from __future__ import annotations

import os
from typing import Any

import av
from aiortc import RTCRtpSender
from aiortc.codecs.vpx import Vp8Encoder


class ScreenVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder tuned for text: no denoiser (it smears glyphs), a bitrate range
    of 0.8-3 Mbps instead of 0.25-1.5 Mbps (the receiver's REMB still steers it inside it),
    libvpx's screen content mode, and a quantizer ceiling of 40 instead of 56 so that no
    frame (the first one above all) comes out too blurred to read. benchmarks/screen.py
    measures it: on a scrolling page of text at 1920x1080, the worst frame's luma PSNR goes
    from 25.8 to 33.6 dB for about 4 % more bits. `use_screen_encoder` gives it to a sender."""

    MIN_BITRATE, MAX_BITRATE, START_BITRATE = 800_000, 3_000_000, 1_500_000
    QMAX = 40

    def __init__(self) -> None:
        super().__init__()
        self._screen_bitrate = self.START_BITRATE

    @property
    def target_bitrate(self) -> int:
        return self._screen_bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._screen_bitrate = max(self.MIN_BITRATE, min(bitrate, self.MAX_BITRATE))

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        codec = self.codec
        if (
            codec is None
            or (frame.width, frame.height) != (codec.width, codec.height)
            or abs(self.target_bitrate - (codec.bit_rate or 0)) > 0.1 * (codec.bit_rate or 1)
        ):
            self.codec = self._open_codec(frame.width, frame.height)
        result: tuple[list[bytes], int] = super().encode(frame, force_keyframe)
        return result

    def _open_codec(self, width: int, height: int) -> Any:
        """The same settings as aiortc's encoder, but for text (see the class doc)."""
        rate = self.target_bitrate
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height, codec.bit_rate = width, height, rate
        codec.pix_fmt, codec.gop_size, codec.qmin, codec.qmax = "yuv420p", 3000, 2, self.QMAX
        codec.options = {
            "bufsize": str(rate),
            "cpu-used": "-6",
            "deadline": "realtime",
            "lag-in-frames": "0",
            "minrate": str(rate),
            "maxrate": str(rate),
            "noise-sensitivity": "0",
            "screen-content-mode": "1",
            "overshoot-pct": "15",
            "partitions": "0",
            "static-thresh": "1",
            "undershoot-pct": "100",
        }
        codec.thread_count = min(4, max(1, (os.cpu_count() or 1)))
        return codec


def use_screen_encoder(sender: RTCRtpSender) -> ScreenVp8Encoder:
    """Give `sender` the text-friendly encoder. aiortc 1.16 has no sender parameters for
    bitrate; it creates a sender's encoder on the first frame only if it has none, so this
    must run before the sender's first frame (right after addTrack). It sets a private
    attribute: re-check on aiortc upgrades (the project pins aiortc < 1.17)."""
    encoder = ScreenVp8Encoder()
    setattr(sender, "_RTCRtpSender__encoder", encoder)  # noqa: B010 - name-mangled, on purpose
    return encoder
