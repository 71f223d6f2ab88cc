"""The microphone's Opus encoder: in-band FEC tuned from the loss that the receiver reports,
and DTX in silence.

aiortc's own encoder (FFmpeg's libopus wrapper, 96 kbps stereo) has FEC and DTX off, and no
way to follow the path: at 10 % loss a lost packet was simply gone. This one encodes mono
voice at 32 kbps with libopus directly (`rtc.opus`):
- FEC: each packet also carries a coarse copy of the one before, which the receiver decodes
  when that one is lost (`rtc.audio_buffer`). How much FEC (libopus's PACKET_LOSS_PERC)
  follows the fraction lost in each RTCP receiver report for this sender, smoothed, with a
  floor of 1 % so that it is there from the first loss;
- DTX: in silence libopus makes packets of one or two bytes, which are not sent (as WebRTC
  does); a real packet still goes every 400 ms, and the RTP timestamp goes on, so the
  receiver plays silence for the gap.
The SDP says so to the other side (`useinbandfec=1; usedtx=1` on Opus, set once on aiortc's
codec table by `advertise_fec_and_dtx`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from aiortc import RTCRtpSender
from aiortc.codecs import CODECS
from aiortc.codecs.base import Encoder as AiortcEncoder
from aiortc.rtp import RtcpRrPacket, RtcpSrPacket
from av import AudioFrame, AudioResampler

from visio_desktop.rtc import opus
from visio_desktop.rtc.audio_level import use_fast_audio_level

BITRATE = 32_000
DTX_PACKET_BYTES = 2  # at most this long: a DTX packet, not sent
LOSS_FLOOR, LOSS_CEILING = 1, 30  # percent of loss that FEC protects against
LOSS_SMOOTHING = 0.5  # weight of the newest report
MAX_BACKLOG = 3 * opus.FRAME_SAMPLES  # held beyond this (a stalled encoder): oldest dropped


class LossTracker:
    """The loss FEC protects against, from the receiver's reports (fraction 0-1)."""

    def __init__(self) -> None:
        self.smoothed = 0.0

    def on_report(self, fraction: float) -> None:
        self.smoothed += LOSS_SMOOTHING * (fraction - self.smoothed)

    @property
    def percent(self) -> int:
        return min(LOSS_CEILING, max(LOSS_FLOOR, math.ceil(self.smoothed * 100)))


class OpusFecEncoder(AiortcEncoder):
    """An aiortc encoder: audio frames in, at most one 20 ms Opus packet out per call."""

    def __init__(self) -> None:
        self._opus = opus.Encoder(BITRATE)
        self._opus.set_fec(True)
        self._opus.set_dtx(True)
        self.loss = LossTracker()
        self._pending = np.zeros(0, dtype=np.int16)
        self._resampler: AudioResampler | None = None
        self._timestamp = 0  # RTP timestamp (48 kHz) of the next packet, from 0
        self.packets = 0
        self.dtx_frames = 0  # not sent: silence

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        """Runs in aiortc's encoder executor. Returns ([], timestamp) when nothing is to be
        sent (aiortc then sends nothing)."""
        return self.encode_at(frame, self.loss.percent)

    def encode_at(self, frame: AudioFrame, loss_percent: int) -> tuple[list[bytes], int]:
        """`encode`, with FEC against `loss_percent` (for `rtc.shared_opus`, which protects
        the weakest of several receivers). Not thread-safe: one caller at a time."""
        self._pending = np.concatenate((self._pending, self._mono_48k(frame)))
        if len(self._pending) > MAX_BACKLOG:
            self._pending = self._pending[-MAX_BACKLOG:]
        if len(self._pending) < opus.FRAME_SAMPLES:
            return [], self._timestamp
        pcm, self._pending = (
            self._pending[: opus.FRAME_SAMPLES],
            self._pending[opus.FRAME_SAMPLES :],
        )
        self._opus.set_packet_loss(loss_percent)  # here: ctl calls stay on one thread
        packet = self._opus.encode(pcm)
        timestamp, self._timestamp = self._timestamp, self._timestamp + opus.FRAME_SAMPLES
        if len(packet) <= DTX_PACKET_BYTES:
            self.dtx_frames += 1
            return [], timestamp
        self.packets += 1
        return [packet], timestamp

    def pack(self, packet: Any) -> tuple[list[bytes], int]:
        """Already encoded media: not something a microphone sends."""
        raise NotImplementedError("the Opus FEC encoder encodes frames only")

    def _mono_48k(self, frame: AudioFrame) -> np.ndarray:
        if frame.format.name == "s16" and frame.sample_rate == opus.RATE:
            channels = len(frame.layout.channels)
            data = frame.to_ndarray().reshape(-1, channels)
            if channels == 1:
                return np.ascontiguousarray(data[:, 0])
            mixed: np.ndarray = data.mean(axis=1).astype(np.int16)
            return mixed
        if self._resampler is None:
            self._resampler = AudioResampler(format="s16", layout="mono", rate=opus.RATE)
        parts = [f.to_ndarray().ravel() for f in self._resampler.resample(frame)]
        return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, np.int16)


def advertise_fec_and_dtx() -> None:
    """Put `useinbandfec=1; usedtx=1` on Opus in aiortc 1.16's codec table (a module global,
    copied into each offer and answer), once."""
    for codec in CODECS["audio"]:
        if codec.mimeType.lower() == "audio/opus":
            codec.parameters.setdefault("useinbandfec", 1)
            codec.parameters.setdefault("usedtx", 1)


def use_opus_encoder(sender: RTCRtpSender) -> OpusFecEncoder | None:
    """Give an audio `sender` the FEC and DTX encoder and feed it each receiver report's
    loss. Like `use_camera_encoder`, it must run before the sender's first frame, and sets
    private attributes of aiortc 1.16. None without libopus (aiortc's encoder stays)."""
    try:
        encoder = OpusFecEncoder()
    except opus.OpusUnavailable:
        return None
    install_encoder(sender, encoder, encoder.loss)
    return encoder


def install_encoder(sender: RTCRtpSender, encoder: AiortcEncoder, loss: LossTracker) -> None:
    """Make `encoder` the audio `sender`'s, feed `loss` the fraction lost in each receiver
    report about this sender, and advertise FEC and DTX; the level in each packet's header
    extension is worked out with numpy from now on (`rtc.audio_level`)."""
    advertise_fec_and_dtx()
    use_fast_audio_level()
    setattr(sender, "_RTCRtpSender__encoder", encoder)  # noqa: B010 - name-mangled, on purpose
    handle = sender._handle_rtcp_packet

    async def handle_rtcp(packet: Any) -> None:
        await handle(packet)
        if isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                if report.ssrc == sender._ssrc:
                    loss.on_report(report.fraction_lost / 256)

    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]
