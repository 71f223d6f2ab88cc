"""The audio contract of captions: 16 kHz mono float32 in [-1, 1].

Microphone and synthetic tracks produce 48 kHz int16 mono blocks of 20 ms (960 samples).
`Decimator` turns such a stream into 16 kHz with a windowed-sinc low-pass and keeps every third
sample, carrying its filter history across blocks: numpy only, no allocation of av frames per
block, the same result whatever the block sizes. Files are decoded and resampled by FFmpeg
(`read_wav`), which handles any WAV sample rate and format.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt

from visio_desktop.captions.errors import AudioInputError

__all__ = ["SAMPLE_RATE", "Audio", "Decimator", "read_wav", "to_float32"]

SAMPLE_RATE = 16_000  # what the VAD and the recognizer take
Audio = npt.NDArray[np.float32]


def to_float32(block: npt.ArrayLike) -> Audio:
    """A mono block as float32 in [-1, 1]: int16 is scaled, floats are taken as they are."""
    array = np.asarray(block).reshape(-1)
    if array.dtype == np.int16:
        return (array.astype(np.float32) / 32768.0).astype(np.float32)
    return array.astype(np.float32, copy=False)


def _low_pass(taps: int, cutoff: float) -> npt.NDArray[np.float64]:
    """Blackman-windowed sinc with `cutoff` as a fraction of the input sample rate, unit gain."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff * n) * np.blackman(taps)
    return np.asarray(kernel / kernel.sum(), dtype=np.float64)


class Decimator:
    """Stateful integer-factor downsampler (48 kHz -> 16 kHz by default).

    Flat to 6 kHz, -3.6 dB at 7 kHz, -28 dB at 8 kHz and below -74 dB from 8.6 kHz, so little
    above the 8 kHz Nyquist frequency folds back into the speech band. Cost: about 20 us per
    20 ms block.
    """

    def __init__(self, factor: int = 3, taps: int = 96) -> None:
        if factor < 1:
            raise ValueError("factor must be at least 1")
        self.factor = factor
        self._kernel = _low_pass(taps, 0.45 / factor) if factor > 1 else np.ones(1)
        self._history = np.zeros(len(self._kernel) - 1)
        self._phase = 0  # input samples to skip before the next kept output sample

    def process(self, block: npt.ArrayLike) -> Audio:
        samples = to_float32(block).astype(np.float64)
        if self.factor == 1:
            return samples.astype(np.float32)
        extended = np.concatenate([self._history, samples])
        filtered = np.convolve(extended, self._kernel, mode="valid")  # one per input sample
        self._history = extended[len(extended) - len(self._history) :]
        kept = filtered[self._phase :: self.factor]
        self._phase = (self._phase - len(samples)) % self.factor
        return kept.astype(np.float32)

    @classmethod
    def for_rate(cls, input_rate: int) -> Decimator:
        if input_rate % SAMPLE_RATE:
            raise ValueError(f"input rate {input_rate} is not a multiple of {SAMPLE_RATE}")
        return cls(input_rate // SAMPLE_RATE)


def read_wav(path: Path) -> Audio:
    """The whole WAV file as 16 kHz mono float32; AudioInputError if unreadable or not WAV."""
    import av  # noqa: PLC0415 - FFmpeg is only needed for files, not for the live path

    try:
        with av.open(str(path)) as container:
            if "wav" not in container.format.name.split(","):
                raise AudioInputError(f"{path} is not a WAV file ({container.format.name})")
            if not container.streams.audio:
                raise AudioInputError(f"{path} has no audio")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            parts: list[Audio] = []
            for frame in itertools.chain(container.decode(audio=0), [None]):
                parts += [to_float32(out.to_ndarray()) for out in resampler.resample(frame)]
    except AudioInputError:
        raise
    except (OSError, av.FFmpegError, ValueError) as exc:
        raise AudioInputError(f"cannot read {path} as a WAV file: {exc}") from None
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)
