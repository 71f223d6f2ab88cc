"""Speech from espeak-ng at 48 kHz and a synthetic echo scene, for echo cancellation tests and
the devices benchmark. The echo path is a delay plus a 120 ms decaying tail (seeded)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from av import AudioFrame, AudioResampler

from visio_desktop.media.audio_processing import BLOCK, RATE, Processor

Floats = npt.NDArray[np.float64]
Samples = npt.NDArray[np.int16]

FAR_TEXT = (
    "Good morning everyone, thank you for joining this meeting. Today we will review the "
    "budget for the next quarter and decide who presents the results."
)
NEAR_TEXT = "Bonjour à tous, je voudrais ajouter un point à l'ordre du jour sur la formation."


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


@cache
def speak(text: str, voice: str = "en") -> Floats:
    """`text` spoken by espeak-ng, 48 kHz mono, floats in -1..1."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    frame = AudioFrame.from_ndarray(data.reshape(1, -1).copy(), format="s16", layout="mono")
    frame.sample_rate = rate
    resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
    parts = resampler.resample(frame) + resampler.resample(None)
    return np.concatenate([p.to_ndarray().ravel() for p in parts]).astype(np.float64) / 32768


def to_int16(x: Floats) -> Samples:
    return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)


@dataclass(frozen=True)
class EchoScene:
    """Far-end speech, and a microphone hearing its echo, then near-end speech alone, then
    both at once (double talk). Spans are (start s, end s)."""

    far: Samples
    mic: Samples
    near: Samples  # the near-end speech alone, as it reaches the microphone
    echo_only: tuple[float, float]
    near_only: tuple[float, float]
    double_talk: tuple[float, float]


def echo_scene(delay_ms: int = 60, echo_gain: float = 0.4, seed: int = 7) -> EchoScene:
    far_speech, near_speech = speak(FAR_TEXT, "en") * 0.7, speak(NEAR_TEXT, "fr") * 0.5
    far_s, near_s = len(far_speech) / RATE, len(near_speech) / RATE
    near_at, far2_at = far_s + 1.0, far_s + near_s + 2.0
    near2_at = far2_at + 1.5
    total = int((far2_at + far_s + 0.5) * RATE)
    far, near = np.zeros(total), np.zeros(total)
    for at, source, target in (
        (0.0, far_speech, far),
        (far2_at, far_speech, far),
        (near_at, near_speech, near),
        (near2_at, near_speech, near),
    ):
        start = int(at * RATE)
        target[start : start + len(source)] = source
    rng = np.random.default_rng(seed)
    tail = int(0.12 * RATE)
    path = rng.standard_normal(tail) * np.exp(-np.arange(tail) / (0.03 * RATE)) * 0.02
    path[0] = echo_gain
    path = np.concatenate([np.zeros(delay_ms * RATE // 1000), path])
    echo = np.convolve(far, path)[:total]
    noise = rng.standard_normal(total) * 10 ** (-65 / 20)
    return EchoScene(
        far=to_int16(far),
        mic=to_int16(echo + near + noise),
        near=to_int16(near),
        echo_only=(0.0, far_s + delay_ms / 1000 + 0.12),
        near_only=(near_at, near_at + near_s),
        double_talk=(near2_at, near2_at + near_s),
    )


def run_blocks(processor: Processor, mic: Samples, far: Samples) -> Samples:
    """Process a whole recording in 10 ms blocks, far block first, as the track does."""
    out = np.zeros(len(mic) // BLOCK * BLOCK, dtype=np.int16)
    for start in range(0, len(out), BLOCK):
        block = slice(start, start + BLOCK)
        out[block] = processor.process(mic[block], far[block])
    return out


def energy(x: Samples, span: tuple[float, float], shift: int = 0) -> float:
    a, b = int(span[0] * RATE) + shift, int(span[1] * RATE) + shift
    seg = x[max(0, a) : b].astype(np.float64)
    return float(np.sum(seg * seg)) + 1e-9


def erle_db(mic: Samples, out: Samples, span: tuple[float, float]) -> float:
    """Echo return loss enhancement over an echo-only span, in dB."""
    return 10 * float(np.log10(energy(mic, span) / energy(out, span)))


def processing_delay(out: Samples, near: Samples, span: tuple[float, float]) -> int:
    """The lag (samples, 0..1000) at which `out` best matches `near` over `span`."""
    a, b = int(span[0] * RATE), int(span[1] * RATE)
    ref = near[a:b].astype(np.float64)
    scores = [
        float(np.dot(out[a + lag : b + lag].astype(np.float64), ref)) for lag in range(0, 1000, 4)
    ]
    coarse = 4 * int(np.argmax(scores))
    fine = range(max(0, coarse - 4), coarse + 5)
    return max(fine, key=lambda lag: float(np.dot(out[a + lag : b + lag].astype(float), ref)))


def near_end_kept(
    out: Samples, near: Samples, span: tuple[float, float], lag: int
) -> tuple[float, float]:
    """(energy ratio in dB, correlation) of the output against the near-end speech alone."""
    a, b = int(span[0] * RATE), int(span[1] * RATE)
    ratio = 10 * float(np.log10(energy(out, span, lag) / energy(near, span)))
    corr = float(np.corrcoef(out[a + lag : b + lag].astype(float), near[a:b].astype(float))[0, 1])
    return ratio, corr
