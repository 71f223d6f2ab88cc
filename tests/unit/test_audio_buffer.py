"""The adaptive audio jitter buffer (`rtc.audio_buffer`) with real Opus packets, a seeded
path (loss, jitter, reordering) and a 20 ms playing clock, all in simulated time."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from visio_desktop.rtc import opus
from visio_desktop.rtc.audio_buffer import FRAME_SAMPLES, AudioJitterBuffer, Origin, shorten

FRAME_S = 0.020


def speech(frames: int) -> list[bytes]:
    """Opus packets of a warbling tone (never quiet), with FEC against 10 % loss."""
    t = np.arange(frames * FRAME_SAMPLES)
    wave = 8000 * np.sin(2 * np.pi * 300 * t / 48_000) * (1.2 + np.sin(t / 2000))
    pcm = wave.astype(np.int16)
    encoder = opus.Encoder()
    encoder.set_fec(True)
    encoder.set_packet_loss(10)
    return [encoder.encode(pcm[i : i + FRAME_SAMPLES]) for i in range(0, len(pcm), FRAME_SAMPLES)]


def silence(frames: int) -> list[bytes]:
    encoder = opus.Encoder()
    return [encoder.encode(np.zeros(FRAME_SAMPLES, np.int16)) for _ in range(frames)]


@dataclass
class Path:
    loss: float = 0.0
    delay_s: float = 0.005
    jitter_s: float = 0.0
    seed: int = 3


@dataclass
class Run:
    buffer: AudioJitterBuffer
    played: list[Origin]
    lost: set[int]  # indices of packets the path dropped


def play(packets: list[bytes], path: Path, *, first_sequence: int = 1000, extra: int = 20) -> Run:
    """Send one packet every 20 ms over `path`, pop every 20 ms, in time order."""
    rng = random.Random(path.seed)
    buffer = AudioJitterBuffer(opus.Decoder())
    events: list[tuple[float, int, int]] = []  # (time, 0 pop / 1 arrival, packet index)
    lost = set()
    for index in range(len(packets)):
        if rng.random() < path.loss:
            lost.add(index)
            continue
        arrival = index * FRAME_S + path.delay_s + rng.uniform(0, path.jitter_s)
        events.append((arrival, 1, index))
    for tick in range(len(packets) + extra):
        events.append((0.0105 + tick * FRAME_S, 0, tick))
    played = []
    for when, kind, index in sorted(events):
        if kind == 1:
            sequence = (first_sequence + index) % 65536
            buffer.push(sequence, index * FRAME_SAMPLES, packets[index], when)
        elif (frame := buffer.pop()) is not None:
            assert len(frame.pcm) == FRAME_SAMPLES
            played.append(frame.origin)
    return Run(buffer, played, lost)


def test_a_lost_packet_is_recovered_from_fec_or_concealed_and_never_drops_its_neighbours() -> None:
    packets = speech(500)
    run = play(packets, Path(loss=0.10, jitter_s=0.004, seed=11))
    figures = run.buffer.figures
    assert len(run.lost) > 30
    # every packet that arrived is played, lost ones stand in once each, nothing else goes
    assert figures.real == len(packets) - len(run.lost)
    assert figures.lost == len(run.lost)
    assert figures.late == figures.dropped_speech == figures.dropped_quiet == 0
    assert figures.fec + figures.concealed >= len(run.lost)
    assert figures.fec >= 0.8 * len(run.lost)  # mostly from the next packet's FEC
    assert (figures.real + figures.fec) / figures.played >= 0.95


def test_reordered_packets_play_in_order_and_as_themselves() -> None:
    packets = speech(300)
    run = play(packets, Path(delay_s=0.010, jitter_s=0.030, seed=5))
    figures = run.buffer.figures
    assert figures.real == len(packets)
    assert figures.lost == figures.late == figures.fec == 0
    assert run.buffer.wanted_frames >= 2  # it learnt to hold enough for that jitter


def test_sequence_numbers_wrap() -> None:
    packets = speech(100)
    run = play(packets, Path(jitter_s=0.002), first_sequence=65_500)
    assert run.buffer.figures.real == len(packets)
    assert run.buffer.figures.restarts == run.buffer.figures.late == 0
    assert run.played[: len(packets)] == [Origin.REAL] * len(packets)


def test_the_target_follows_the_jitter() -> None:
    calm = play(speech(200), Path(jitter_s=0.001)).buffer
    rough = play(speech(200), Path(jitter_s=0.080, seed=9)).buffer
    assert calm.wanted_frames == 1
    assert calm.target_ms <= 25
    assert rough.target_ms > 60
    assert rough.wanted_frames >= 3


def test_a_late_buffer_catches_up_on_silence_not_on_speech() -> None:
    # The path holds 160 ms back, then lets it all through: the buffer holds too much.
    for packets, quiet in ((silence(100), True), (speech(100), False)):
        buffer = AudioJitterBuffer(opus.Decoder())
        sequence = 0
        for index in range(8):  # a burst of eight after a stall
            buffer.push(sequence + index, index * FRAME_SAMPLES, packets[index], 0.16)
        origins, samples = [], 0
        for tick in range(90):
            now = 0.16 + tick * FRAME_S
            index = 8 + tick
            buffer.push(sequence + index, index * FRAME_SAMPLES, packets[index], now)
            frame = buffer.pop()
            if frame is not None:
                origins.append(frame.origin)
                samples += len(frame.pcm)
        figures = buffer.figures
        assert figures.dropped_speech == 0
        assert buffer.level_frames <= buffer.wanted_frames + 2  # caught up
        if quiet:
            assert figures.dropped_quiet >= 5  # by leaving out silence
        else:
            assert figures.dropped_quiet == 0  # speech is never left out: played faster
            assert figures.accelerated >= 3
            assert figures.real == len(origins) + figures.accelerated
            assert samples < figures.real * FRAME_SAMPLES
            assert set(origins) == {Origin.REAL}


def test_speech_played_faster_keeps_its_pitch() -> None:
    t = np.arange(2 * FRAME_SAMPLES)
    pcm = (10000 * np.sin(2 * np.pi * 200 * t / 48_000)).astype(np.int16)
    short = shorten(pcm)
    assert 2 * FRAME_SAMPLES - 720 <= len(short) <= 2 * FRAME_SAMPLES - 120  # 2.5 to 15 ms
    crossings = np.count_nonzero(np.diff(np.signbit(short)))
    assert abs(crossings / (len(short) / 48_000) - 400) < 40  # still 200 Hz
    assert np.abs(np.diff(short.astype(np.int32))).max() < 600  # no click at the seam


def test_a_packet_after_its_turn_or_twice_is_counted_and_left_out() -> None:
    packets = speech(4)
    buffer = AudioJitterBuffer(opus.Decoder())
    buffer.push(10, 0, packets[0], 0.0)
    assert buffer.pop() is not None
    buffer.push(12, 2 * FRAME_SAMPLES, packets[2], 0.045)
    buffer.push(12, 2 * FRAME_SAMPLES, packets[2], 0.046)
    played = buffer.pop()
    assert played is not None
    assert played.origin is Origin.FEC  # 11 is lost: recovered from 12
    buffer.push(11, FRAME_SAMPLES, packets[1], 0.050)
    figures = buffer.figures
    assert (figures.late, figures.duplicates, figures.lost) == (1, 1, 1)
