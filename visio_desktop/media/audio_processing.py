"""Microphone processing (echo cancellation, noise suppression, gain) and its far-end link.

Library choice, measured on this machine with espeak-ng speech at 48 kHz, a 40-150 ms echo
path with a 120 ms decaying tail, 10 ms blocks (benchmarks/devices.py; CPU per second of
audio for the full chain, against aiortc's Opus encoder at 10 ms/s measured alongside):

- pywebrtc-audio 0.2 (chosen): WebRTC's APM with AEC3, NS, AGC2 and high-pass filter; ERLE
  35-36 dB over the echo-only part (37-41 dB after 2 s), near-end speech kept (-0.25 dB,
  correlation 0.986 once aligned), 13 ms/s; numpy in and out, so no per-block objects;
  0.4 MB wheels for Linux, macOS and Windows, needs only numpy, typed.
- livekit 1.2 (`rtc.AudioProcessingModule`, the same AEC3): ERLE 41-47 dB but the near-end
  speech comes out less faithful (correlation 0.79 against 0.986), 16.5 ms/s, a protobuf
  request per block, and a 30 MB FFI library plus protobuf and aiofiles. The fallback if
  pywebrtc-audio stops being maintained: `Processor` below is the seam.
- aec-audio-processing 1.0.1: AEC3 too, ERLE 36-42 dB, correlation 0.95, 11 ms/s, but an
  sdist only (minutes of C++ build needing swig and meson, no Windows wheel) from a
  placeholder author identity: not shippable.
- speexdsp 0.1.1 (sdist, needs swig and libspeexdsp-dev): a linear echo canceller only, ERLE
  7-15 dB, 14 ms/s.
- webrtc-noise-gain 1.3: 16 kHz noise suppression and gain only, no echo cancellation.

All WebRTC APMs delay the signal by 15 ms at 48 kHz. The APM is not thread-safe: one
`Processor` belongs to one microphone track and runs where that track's `recv()` runs.

`EchoReference` is the link from playout to the microphone: the playout callback writes every
mixed 10 ms block it plays; the microphone takes one block per 10 ms block it processes (zeros
when nothing plays), and AEC3 estimates the remaining delay itself.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

RATE = 48_000
BLOCK = 480  # 10 ms at 48 kHz: the APM's unit
FRAME = 960  # 20 ms: what the track sends (aiortc's Opus encoder takes 20 ms frames)

Samples = npt.NDArray[np.int16]


class SampleRing:
    """A preallocated ring of int16 samples shared by two threads. Writing more than fits
    drops the oldest samples (counted in `dropped`); nothing is allocated per call."""

    def __init__(self, capacity: int) -> None:
        self._data = np.zeros(capacity, dtype=np.int16)
        self._capacity = capacity
        self._start = 0  # index of the oldest sample
        self._count = 0
        self._lock = threading.Lock()
        self.dropped = 0

    @property
    def available(self) -> int:
        return self._count

    def write(self, samples: Samples) -> None:
        n = len(samples)
        with self._lock:
            if n >= self._capacity:
                self.dropped += self._count + n - self._capacity
                self._data[:] = samples[n - self._capacity :]
                self._start, self._count = 0, self._capacity
                return
            overflow = self._count + n - self._capacity
            if overflow > 0:
                self._skip_locked(overflow)
                self.dropped += overflow
            end = (self._start + self._count) % self._capacity
            first = min(n, self._capacity - end)
            self._data[end : end + first] = samples[:first]
            self._data[: n - first] = samples[first:]
            self._count += n

    def read_into(self, out: Samples) -> bool:
        """Fill `out` with the oldest samples if there are enough (False, untouched, if not)."""
        n = len(out)
        with self._lock:
            if self._count < n:
                return False
            first = min(n, self._capacity - self._start)
            out[:first] = self._data[self._start : self._start + first]
            out[first:] = self._data[: n - first]
            self._skip_locked(n)
            return True

    def skip(self, n: int) -> int:
        """Drop up to `n` oldest samples; returns how many were dropped."""
        with self._lock:
            n = min(n, self._count)
            self._skip_locked(n)
            return n

    def clear(self) -> None:
        with self._lock:
            self._start = self._count = 0

    def _skip_locked(self, n: int) -> None:
        self._start = (self._start + n) % self._capacity
        self._count -= n


class EchoReference:
    """What the speakers played, for the echo canceller: written by the playout callback,
    read one 10 ms block at a time by the microphone processing. It holds at most
    `max_delay_ms` of audio: older blocks are dropped (a stalled microphone, or clock drift)."""

    def __init__(self, max_delay_ms: int = 250) -> None:
        self._ring = SampleRing(RATE * max_delay_ms // 1000)
        self.underruns = 0  # blocks the microphone wanted while nothing had been played

    @property
    def dropped(self) -> int:
        return self._ring.dropped

    def write(self, block: Samples) -> None:
        """Called with each block sent to the speakers (any length)."""
        self._ring.write(block)

    def take_block(self, out: Samples) -> None:
        """The next far-end block into `out` (zeros if the speakers played nothing)."""
        if not self._ring.read_into(out):
            out[:] = 0
            self.underruns += 1

    def reset(self) -> None:
        self._ring.clear()


class Processor(Protocol):
    """Processes one 10 ms near-end block with the far-end block played at the same time."""

    name: str

    def process(self, near: Samples, far: Samples) -> Samples: ...


@dataclass(frozen=True)
class ProcessingOptions:
    echo_cancellation: bool = True
    noise_suppression: bool = True
    auto_gain: bool = True
    noise_level: int = 1  # 0-3: 6, 12, 18, 21 dB of suppression
    stream_delay_ms: int = 0  # a hint; AEC3 finds the delay itself


DEFAULT_PROCESSING = ProcessingOptions()


class WebRtcProcessor:
    """WebRTC's audio processing module (AEC3, NS, AGC2, high-pass) via pywebrtc-audio."""

    name = "pywebrtc-audio"

    def __init__(self, options: ProcessingOptions = DEFAULT_PROCESSING) -> None:
        import pywebrtc_audio  # noqa: PLC0415 - optional at import time, see make_processor

        self.options = options
        self._apm = pywebrtc_audio.AudioProcessor(
            sample_rate=RATE,
            num_channels=1,
            echo_cancellation=options.echo_cancellation,
            noise_suppression=options.noise_suppression,
            high_pass_filter=True,
            auto_gain_control=options.auto_gain,
            ns_level=options.noise_level,
            stream_delay_ms=options.stream_delay_ms,
        )

    def process(self, near: Samples, far: Samples) -> Samples:
        far_end = far if self.options.echo_cancellation else None
        result: Samples = self._apm.process(near, far_end)
        return result

    @property
    def speech_probability(self) -> float:
        return float(self._apm.speech_probability)


class NoProcessing:
    """Passes the microphone through untouched (no library, or processing turned off)."""

    name = "none"

    def process(self, near: Samples, far: Samples) -> Samples:
        return near


def make_processor(options: ProcessingOptions = DEFAULT_PROCESSING) -> Processor:
    """The WebRTC processor, or pass-through (logged) if the library cannot be loaded."""
    if not (options.echo_cancellation or options.noise_suppression or options.auto_gain):
        return NoProcessing()
    try:
        return WebRtcProcessor(options)
    except ImportError as exc:
        logger.error("no echo cancellation: pywebrtc-audio cannot be loaded (%s)", exc)
        return NoProcessing()
