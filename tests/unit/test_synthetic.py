"""Synthetic tracks: frames, stamps through VP8, pacing, tones, WAV files and the audio tap."""

from __future__ import annotations

import asyncio
import itertools
import wave
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from aiortc.codecs import get_decoder, get_encoder
from aiortc.codecs.vpx import MIN_BITRATE, vp8_depayload
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from hypothesis import given, settings
from hypothesis import strategies as st

from visio_desktop.core.errors import MediaError
from visio_desktop.media import glyphs
from visio_desktop.media.synthetic import (
    SyntheticAudioTrack,
    SyntheticVideoTrack,
    VideoStamp,
    read_stamp,
)

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000)
START = 1_700_000_000.0


class FakeClock:
    """A clock the test moves; its sleep records the wait and advances the clock, instantly."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def luma(frame: av.VideoFrame) -> np.ndarray:
    return frame.to_ndarray(format="gray")


async def video_frames(track: SyntheticVideoTrack, count: int) -> list[av.VideoFrame]:
    return [await track.recv() for _ in range(count)]


async def stamped_frames(
    track: SyntheticVideoTrack, clock: FakeClock, count: int
) -> tuple[list[av.VideoFrame], list[VideoStamp]]:
    """`count` frames and the stamp each should carry (capture time read off the fake clock)."""
    frames, stamps = [], []
    for index in range(count):
        frames.append(await track.recv())
        stamps.append(VideoStamp(index, int(clock.now * 1000) % 2**40))
    return frames, stamps


def vp8_round_trip(frames: list[av.VideoFrame], bitrate: int | None) -> Iterator[av.VideoFrame]:
    encoder, decoder = get_encoder(VP8), get_decoder(VP8)
    if bitrate is not None:
        encoder.target_bitrate = bitrate  # type: ignore[attr-defined]  # Vp8Encoder has it
    for frame in frames:
        payloads, timestamp = encoder.encode(frame)
        data = b"".join(vp8_depayload(payload) for payload in payloads)
        for decoded in decoder.decode(JitterFrame(data=data, timestamp=timestamp)):
            assert isinstance(decoded, av.VideoFrame)
            yield decoded


def grey_frame(width: int, height: int, level: int) -> av.VideoFrame:
    planes = np.full((height * 3 // 2, width), 128, dtype=np.uint8)
    planes[:height] = level
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


# Video frames


@pytest.mark.parametrize(("width", "height"), [(640, 360), (320, 180), (1280, 720), (160, 90)])
async def test_frames_have_the_size_format_and_pts_asked_for(width: int, height: int) -> None:
    clock = FakeClock()
    track = SyntheticVideoTrack("Alice", width, height, fps=30, clock=clock, sleep=clock.sleep)
    frames = await video_frames(track, 5)
    assert [(f.width, f.height, f.format.name) for f in frames] == [(width, height, "yuv420p")] * 5
    assert [f.pts for f in frames] == [0, 3000, 6000, 9000, 12000]
    assert all(f.time_base == Fraction(1, 90000) for f in frames)
    assert track.kind == "video"


async def test_pts_follow_the_frame_rate() -> None:
    clock = FakeClock()
    track = SyntheticVideoTrack("Alice", fps=7, clock=clock, sleep=clock.sleep)
    frames = await video_frames(track, 8)
    assert [f.pts for f in frames] == [i * 90000 // 7 for i in range(8)]


async def test_consecutive_frames_differ_in_pixels() -> None:
    clock = FakeClock()
    frames = await video_frames(SyntheticVideoTrack("Alice", clock=clock, sleep=clock.sleep), 10)
    for before, after in itertools.pairwise(frames):
        changed = np.count_nonzero(luma(before) != luma(after))
        assert changed > 0.05 * 640 * 360


async def test_the_label_is_drawn() -> None:
    clocks = FakeClock(), FakeClock()
    alice = await SyntheticVideoTrack("Alice", clock=clocks[0], sleep=clocks[0].sleep).recv()
    bob = await SyntheticVideoTrack("Bob", clock=clocks[1], sleep=clocks[1].sleep).recv()
    assert np.count_nonzero(luma(alice) != luma(bob)) > 500


async def test_frames_are_paced_by_sleeping_until_they_are_due() -> None:
    clock = FakeClock()
    track = SyntheticVideoTrack("Alice", fps=25, clock=clock, sleep=clock.sleep)
    await video_frames(track, 3)
    assert clock.sleeps == pytest.approx([0.04, 0.04])
    clock.now += 1.0  # the consumer fell a second behind: no sleeping until it catches up
    frames = await video_frames(track, 3)
    assert clock.sleeps == pytest.approx([0.04, 0.04])
    assert [f.pts for f in frames] == [3 * 3600, 4 * 3600, 5 * 3600]


async def test_a_stopped_track_ends() -> None:
    clock = FakeClock()
    track = SyntheticVideoTrack("Alice", clock=clock, sleep=clock.sleep)
    await track.recv()
    track.stop()
    assert track.readyState == "ended"
    with pytest.raises(MediaStreamError):
        await track.recv()


def test_odd_or_tiny_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        SyntheticVideoTrack("Alice", 641, 360)
    with pytest.raises(ValueError, match="even"):
        SyntheticVideoTrack("Alice", 64, 36)


# The stamp


@pytest.mark.parametrize(("width", "height"), [(640, 360), (320, 180), (336, 190), (1280, 720)])
async def test_the_stamp_round_trips_on_raw_frames(width: int, height: int) -> None:
    clock = FakeClock()
    track = SyntheticVideoTrack("Alice", width, height, clock=clock, sleep=clock.sleep)
    frames, stamps = await stamped_frames(track, clock, 40)
    assert [read_stamp(f) for f in frames] == stamps


async def test_the_stamp_is_read_from_rgb_frames_too() -> None:
    clock = FakeClock()
    frame = await SyntheticVideoTrack("Alice", clock=clock, sleep=clock.sleep).recv()
    assert read_stamp(frame.reformat(format="rgb24")) == VideoStamp(0, int(START * 1000) % 2**40)


@settings(max_examples=40, deadline=None)
@given(capture_ms=st.integers(min_value=0, max_value=2**42))
def test_the_capture_time_is_carried_modulo_2_40(capture_ms: int) -> None:
    seconds = capture_ms / 1000
    track = SyntheticVideoTrack("Alice", 320, 180, clock=lambda: seconds)
    frame = asyncio.run(track.recv())
    assert read_stamp(frame) == VideoStamp(0, int(seconds * 1000) % 2**40)


@pytest.mark.parametrize(("width", "height"), [(640, 360), (320, 180)])
@pytest.mark.parametrize("bitrate", [None, MIN_BITRATE], ids=["default-bitrate", "min-bitrate"])
async def test_the_stamp_survives_vp8(width: int, height: int, bitrate: int | None) -> None:
    clock = FakeClock()
    track = SyntheticVideoTrack("Alice", width, height, clock=clock, sleep=clock.sleep)
    frames, sent = await stamped_frames(track, clock, 90)
    decoded = list(vp8_round_trip(frames, bitrate))
    assert len(decoded) == len(frames)
    read = [read_stamp(f) for f in decoded]
    assert [(i, s) for i, s in enumerate(read) if s not in (None, sent[i])] == []  # no garbage
    assert sum(s is not None for s in read) >= 0.98 * len(frames)


@pytest.mark.parametrize("level", [0, 16, 128, 235, 255])
def test_a_flat_frame_has_no_stamp(level: int) -> None:
    assert read_stamp(grey_frame(640, 360, level)) is None


def test_noise_and_tiny_frames_have_no_stamp() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        noise = rng.choice(np.array([16, 235], dtype=np.uint8), size=(540, 640))
        assert read_stamp(av.VideoFrame.from_ndarray(noise, format="yuv420p")) is None
    assert read_stamp(grey_frame(160, 90, 16)) is None


async def test_a_stamp_with_any_one_cell_flipped_is_rejected() -> None:
    clock = FakeClock()
    frame = await SyntheticVideoTrack("Alice", 320, 180, clock=clock, sleep=clock.sleep).recv()
    planes = frame.to_ndarray()  # yuv420p: the Y plane then U and V
    for row in range(4):
        for column in range(20):
            damaged = planes.copy()
            cell = damaged[row * 16 : row * 16 + 16, column * 16 : column * 16 + 16]
            cell[:] = 251 - cell  # 16 <-> 235
            assert read_stamp(av.VideoFrame.from_ndarray(damaged, format="yuv420p")) is None


# Audio


async def audio_frames(track: SyntheticAudioTrack, count: int) -> list[av.AudioFrame]:
    return [await track.recv() for _ in range(count)]


def samples(frames: list[av.AudioFrame]) -> np.ndarray:
    return np.concatenate([f.to_ndarray().ravel() for f in frames])


async def test_tone_frames_are_20ms_of_48khz_mono_s16() -> None:
    clock = FakeClock()
    track = SyntheticAudioTrack.tone(440.0, clock=clock, sleep=clock.sleep)
    frames = await audio_frames(track, 5)
    for index, frame in enumerate(frames):
        assert (frame.samples, frame.format.name, frame.layout.name) == (960, "s16", "mono")
        assert (frame.sample_rate, frame.time_base) == (48000, Fraction(1, 48000))
        assert frame.pts == index * 960
    assert track.kind == "audio"
    assert clock.sleeps == pytest.approx([0.02] * 4)


async def test_tone_plays_then_is_silent_and_repeats() -> None:
    clock = FakeClock()
    frames = await audio_frames(SyntheticAudioTrack.tone(clock=clock, sleep=clock.sleep), 75)
    energy = [float(np.abs(f.to_ndarray().astype(np.int64)).sum()) for f in frames]
    assert all(e > 0 for e in energy[:20])  # 0.4 s of tone
    assert all(e == 0 for e in energy[20:50])  # 0.6 s of silence
    assert all(e > 0 for e in energy[50:70])  # and again


@pytest.mark.parametrize("frequency", [440.0, 660.0])
async def test_each_tone_has_its_own_pitch(frequency: float) -> None:
    clock = FakeClock()
    track = SyntheticAudioTrack.tone(frequency, clock=clock, sleep=clock.sleep)
    tone = samples(await audio_frames(track, 20)).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(tone))
    peak = np.argmax(spectrum) * 48000 / len(tone)
    assert peak == pytest.approx(frequency, abs=5)


def write_wav(path: Path, rate: int, channels: int, seconds: float, width: int = 2) -> None:
    count = int(rate * seconds)
    tone = 8000 * np.sin(2 * np.pi * 300 * np.arange(count) / rate)
    data = np.repeat(tone.astype("<i2")[:, np.newaxis], channels, axis=1)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(
            data.tobytes() if width == 2 else (data // 256 + 128).astype(np.uint8).tobytes()
        )


@pytest.mark.parametrize(("rate", "channels"), [(16000, 1), (44100, 2), (48000, 1)])
async def test_a_wav_file_plays_at_48khz_for_its_duration(
    tmp_path: Path, rate: int, channels: int
) -> None:
    path = tmp_path / "speech.wav"
    write_wav(path, rate, channels, 0.5)
    clock = FakeClock()
    track = SyntheticAudioTrack.from_wav(path, loop=False, clock=clock, sleep=clock.sleep)
    frames = await audio_frames(track, 40)
    assert all(f.sample_rate == 48000 and f.samples == 960 for f in frames)
    played = np.flatnonzero(samples(frames))
    assert played[-1] + 1 == pytest.approx(24000, abs=48)  # 0.5 s, within 1 ms
    assert not samples(frames[27:]).any()  # then silence


async def test_a_looping_wav_file_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "speech.wav"
    write_wav(path, 16000, 1, 0.5)
    clock = FakeClock()
    track = SyntheticAudioTrack.from_wav(path, clock=clock, sleep=clock.sleep)
    frames = await audio_frames(track, 60)
    assert samples(frames[26:30]).any() and samples(frames[51:55]).any()


def test_a_missing_file_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        SyntheticAudioTrack.from_wav(tmp_path / "absent.wav")


@pytest.mark.parametrize("content", [b"", b"not a wav file at all", b"RIFF\x00\x00"])
def test_a_file_that_is_not_wav_is_a_media_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.wav"
    path.write_bytes(content)
    with pytest.raises(MediaError, match="not a readable WAV file"):
        SyntheticAudioTrack.from_wav(path)


def test_an_8_bit_or_empty_wav_is_a_media_error(tmp_path: Path) -> None:
    write_wav(tmp_path / "8bit.wav", 8000, 1, 0.1, width=1)
    with pytest.raises(MediaError, match="16-bit"):
        SyntheticAudioTrack.from_wav(tmp_path / "8bit.wav")
    write_wav(tmp_path / "empty.wav", 8000, 1, 0.0)
    with pytest.raises(MediaError, match="no audio"):
        SyntheticAudioTrack.from_wav(tmp_path / "empty.wav")


async def test_the_tap_sees_every_frame_and_cannot_break_the_track(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    track = SyntheticAudioTrack.tone(clock=clock, sleep=clock.sleep)
    tapped: list[av.AudioFrame] = []
    track.tap = tapped.append
    frames = await audio_frames(track, 3)
    assert tapped == frames

    def broken(frame: av.AudioFrame) -> None:
        raise RuntimeError("caption engine crashed")

    track.tap = broken
    assert (await track.recv()).pts == 3 * 960
    assert "audio tap failed" in caplog.text
    track.tap = None
    await track.recv()
    assert len(tapped) == 3


async def test_a_stopped_audio_track_ends() -> None:
    track = SyntheticAudioTrack.tone()
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()


# Glyphs


def test_every_glyph_is_5_by_7() -> None:
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -:.()',/") == glyphs.SUPPORTED_CHARACTERS
    for char in glyphs.SUPPORTED_CHARACTERS:
        assert glyphs.glyph(char).shape == (7, 5)
    assert np.array_equal(glyphs.glyph("a"), glyphs.glyph("A"))
    assert np.array_equal(glyphs.glyph("é"), glyphs.glyph("E"))  # accents dropped
    assert glyphs.glyph("€").sum() == glyphs.glyph("#").sum() > 0  # a visible box


def test_text_is_drawn_at_scale_and_clipped() -> None:
    assert glyphs.text_size("AB", 3) == (33, 21)
    assert glyphs.render_text("AB", 3).shape == (21, 33)
    plane = np.zeros((20, 20), dtype=np.uint8)
    glyphs.draw_text(plane, "HI", -4, 15, scale=2, value=200)
    assert set(np.unique(plane)) == {0, 200}
    glyphs.draw_text(plane, "X", 50, 50, scale=1)  # wholly outside: nothing happens
