"""The microphone's Opus encoder: one packet per 20 ms, nothing sent in silence (DTX) while
the timestamp goes on, FEC that follows the reported loss, and an SDP that says so."""

from __future__ import annotations

import asyncio

import numpy as np
from aiortc import RTCPeerConnection
from av import AudioFrame

from visio_desktop.rtc import opus
from visio_desktop.rtc.opus_sender import (
    LOSS_FLOOR,
    LossTracker,
    OpusFecEncoder,
    advertise_fec_and_dtx,
)


def frame_of(samples: np.ndarray, layout: str = "mono", rate: int = 48_000) -> AudioFrame:
    channels = 2 if layout == "stereo" else 1
    data = np.repeat(samples, channels).reshape(1, -1).astype(np.int16)
    frame = AudioFrame.from_ndarray(data, format="s16", layout=layout)
    frame.sample_rate = rate
    return frame


def tone(samples: int, rate: int = 48_000) -> np.ndarray:
    return (8000 * np.sin(2 * np.pi * 300 * np.arange(samples) / rate)).astype(np.int16)


def test_speech_goes_out_every_20_ms_and_silence_mostly_does_not() -> None:
    encoder = OpusFecEncoder()
    sent = [encoder.encode(frame_of(tone(960))) for _ in range(20)]
    assert all(len(payloads) == 1 for payloads, _ in sent)
    assert [timestamp for _, timestamp in sent] == [i * 960 for i in range(20)]
    quiet = [encoder.encode(frame_of(np.zeros(960, np.int16))) for _ in range(50)]
    assert sum(not payloads for payloads, _ in quiet) > 30  # DTX: not sent
    assert quiet[-1][1] == 69 * 960  # the clock goes on through silence


def test_other_sizes_rates_and_stereo_are_cut_into_20_ms_of_mono() -> None:
    encoder = OpusFecEncoder()
    out = [encoder.encode(frame_of(tone(480), "stereo")) for _ in range(4)]  # 10 ms each
    assert [len(payloads) for payloads, _ in out] == [0, 1, 0, 1]
    slow = [encoder.encode(frame_of(tone(320, 16_000), rate=16_000)) for _ in range(6)]
    assert sum(len(payloads) for payloads, _ in slow) >= 4  # 120 ms of audio at 16 kHz
    assert all(opus.packet_samples(p) == 960 for payloads, _ in out + slow for p in payloads)


def test_fec_follows_the_reported_loss() -> None:
    loss = LossTracker()
    assert loss.percent == LOSS_FLOOR  # a little FEC before any report
    for _ in range(6):
        loss.on_report(0.10)
    assert 9 <= loss.percent <= 11
    for _ in range(10):
        loss.on_report(0.0)
    assert loss.percent == LOSS_FLOOR


def test_the_offer_says_fec_and_dtx() -> None:
    async def offer() -> str:
        pc = RTCPeerConnection()
        pc.addTransceiver("audio")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return sdp

    advertise_fec_and_dtx()
    sdp = asyncio.run(offer())
    fmtp = [line for line in sdp.splitlines() if line.startswith("a=fmtp:96")]
    assert fmtp and "useinbandfec=1" in fmtp[0] and "usedtx=1" in fmtp[0]
