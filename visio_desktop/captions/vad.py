"""Voice activity detection: Silero VAD (ONNX, run by onnxruntime) and a scripted fake.

The model file is the one faster-whisper ships (`faster_whisper/assets/silero_vad_v6.onnx`),
so the recognizer's wheel brings it and no torch is needed. That export takes rows of 64
samples of context followed by a 512-sample chunk at 16 kHz, and an LSTM state (h, c) that we
carry from one chunk to the next: feeding a stream chunk by chunk gives the same probabilities
as one batched call. Cost: about 3-5 ms of CPU per second of audio.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from visio_desktop.captions.audio import Audio
from visio_desktop.captions.errors import CaptionsError
from visio_desktop.captions.onnx import inference_session

__all__ = [
    "CHUNK_SAMPLES",
    "ScriptedVad",
    "SileroVad",
    "VoiceActivityDetector",
    "silero_model_path",
]

CHUNK_SAMPLES = 512  # 32 ms at 16 kHz: what Silero takes
_CONTEXT = 64
_STATE_SHAPE = (1, 1, 128)


class VoiceActivityDetector(Protocol):
    """Speech probability of consecutive 512-sample chunks of one 16 kHz stream."""

    def probability(self, chunk: Audio) -> float: ...

    def reset(self) -> None:
        """Forget the stream so far (a new stream starts)."""


def silero_model_path() -> Path | None:
    """The Silero VAD ONNX file carried by the installed faster-whisper wheel, if any."""
    try:
        path = importlib.resources.files("faster_whisper.assets") / "silero_vad_v6.onnx"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


class SileroVad:
    """Silero VAD v6 run with onnxruntime on one thread, state kept between chunks."""

    def __init__(self, model_path: Path | None = None) -> None:
        path = model_path or silero_model_path()
        if path is None:
            raise CaptionsError(
                "voice detection model not found: install faster-whisper, which carries it"
            )
        try:  # telemetry off, see captions/onnx.py
            self._session: Any = inference_session(path)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise CaptionsError(f"cannot load the voice detection model {path}: {exc}") from None
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def probability(self, chunk: Audio) -> float:
        if chunk.shape != (CHUNK_SAMPLES,):
            raise ValueError(f"expected {CHUNK_SAMPLES} samples, got {chunk.shape}")
        row = np.concatenate([self._context, chunk]).astype(np.float32)[np.newaxis, :]
        inputs = {"input": row, "h": self._h, "c": self._c}
        probs, self._h, self._c = self._session.run(None, inputs)
        self._context = chunk[-_CONTEXT:].astype(np.float32)
        return float(np.asarray(probs).reshape(-1)[0])

    def probabilities(self, audio: Audio) -> npt.NDArray[np.float32]:
        """Probabilities of every whole chunk of `audio`, continuing the stream's state."""
        count = len(audio) // CHUNK_SAMPLES
        chunks = audio[: count * CHUNK_SAMPLES].reshape(count, CHUNK_SAMPLES)
        return np.array([self.probability(chunk) for chunk in chunks], dtype=np.float32)


class ScriptedVad:
    """Test fake: answers the probabilities it was given, in order, then `after` forever."""

    def __init__(self, probabilities: Iterable[float], after: float = 0.0) -> None:
        self._script = list(probabilities)
        self._after = after
        self._index = 0

    def probability(self, chunk: Audio) -> float:
        del chunk
        value = self._script[self._index] if self._index < len(self._script) else self._after
        self._index += 1
        return value

    def reset(self) -> None:
        self._index = 0
