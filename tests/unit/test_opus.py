"""The libopus binding: FEC recovers a lost frame from the packet after it, concealment fills
a gap, DTX makes silence tiny, and a missing library is our own error, with what to install."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from visio_desktop.rtc import opus

FRAMES = 50


def tone(frames: int) -> opus.Pcm:
    t = np.arange(frames * opus.FRAME_SAMPLES)
    wave = 8000 * np.sin(2 * np.pi * 440 * t / opus.RATE) * (1 + 0.5 * np.sin(t / 900))
    return wave.astype(np.int16)


def frames_of(pcm: opus.Pcm) -> list[opus.Pcm]:
    return [pcm[i : i + opus.FRAME_SAMPLES] for i in range(0, len(pcm), opus.FRAME_SAMPLES)]


def rms(pcm: opus.Pcm) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))


def test_a_lost_frame_comes_back_from_the_fec_of_the_next_packet() -> None:
    encoder = opus.Encoder()
    encoder.set_fec(True)
    encoder.set_packet_loss(20)
    packets = [encoder.encode(frame) for frame in frames_of(tone(FRAMES))]
    clean, repaired = opus.Decoder(), opus.Decoder()
    reference = [clean.decode(p) for p in packets]
    lost = 30
    for index, packet in enumerate(packets):
        if index == lost:
            continue
        if index == lost + 1:
            recovered = repaired.decode(packet, fec=True)
        repaired.decode(packet)
    assert len(recovered) == opus.FRAME_SAMPLES
    error = rms(recovered - reference[lost])
    assert error < 0.5 * rms(reference[lost])  # close to what was said, not silence


def test_concealment_fills_a_gap_and_dtx_makes_silence_tiny() -> None:
    encoder = opus.Encoder()
    encoder.set_dtx(True)
    decoder = opus.Decoder()
    for packet in [encoder.encode(frame) for frame in frames_of(tone(10))]:
        decoder.decode(packet)
    assert len(decoder.decode(None)) == opus.FRAME_SAMPLES
    silence = [encoder.encode(np.zeros(opus.FRAME_SAMPLES, np.int16)) for _ in range(40)]
    assert sum(len(p) <= 2 for p in silence) > 20
    assert opus.packet_samples(silence[-1]) == opus.FRAME_SAMPLES


def test_no_libopus_is_our_error_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str, *args: object, **kwargs: object) -> ctypes.CDLL:
        raise OSError(f"{name}: cannot open shared object file")

    opus.library.cache_clear()
    monkeypatch.setattr(ctypes, "CDLL", missing)
    try:
        with pytest.raises(opus.OpusUnavailable, match="libopus0"):
            opus.Encoder()
    finally:
        monkeypatch.undo()
        opus.library.cache_clear()
    assert opus.version().startswith("libopus")
