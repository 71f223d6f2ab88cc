"""Speech recognition behind a small interface: Whisper through faster-whisper, and a fake.

`WhisperRecognizer` loads a CTranslate2 Whisper model with faster-whisper (int8 on the CPU,
`cpu_threads` configurable) and decodes greedily (temperature 0, beam size 1 by default), with
no conditioning on previous text and no VAD of its own (ours runs before it).

It decodes with faster-whisper's feature extractor and tokenizer but calls the CTranslate2 model
itself, because `WhisperModel.transcribe` always pads the encoder input to 30 s: about 1.5 s of
CPU per decode for the base model on one core, whatever the utterance length, which makes
partials every second impossible on two cores. The encoder here sees the audio plus 1 s, and
at least `min_window_s` (10 s by default; 30 gives Whisper's standard window). Measured on
espeak-ng English: WER 0.073-0.084 at about 0.4 s of CPU per decode, against 0.07 at 1.5 s
with the 30 s window; an 8 s window was cheaper still but lost words (WER 0.13 on our test).
A shorter window makes Whisper more prone to repeat itself, so the output length is bounded by
the audio length and a phrase repeated back to back is kept once.

With `language=None` the language is detected on the same encoder output, among
`auto_languages` (French and English by default): Whisper's guess among 99 languages is often
wrong for short utterances, while its choice between the two we support is reliable.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from visio_desktop.captions.audio import SAMPLE_RATE, Audio
from visio_desktop.captions.errors import RecognizerError

__all__ = [
    "MODEL_FILES",
    "Recognizer",
    "ScriptedRecognizer",
    "Transcript",
    "WhisperRecognizer",
    "collapse_repeats",
]

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
_FRAMES_PER_SECOND = 100
_MAX_FRAMES = 3000  # Whisper's 30 s window
_TOKENS_PER_SECOND = 12  # generous bound on speech: ~3 words/s of 1.5-3 tokens
_NO_SPEECH = 0.6  # Whisper's rule: no_speech_prob above this and a poor log-probability
_LOGPROB_FLOOR = -1.0


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float = 1.0
    no_speech_probability: float = 0.0


class Recognizer(Protocol):
    """Transcribe one stretch of 16 kHz mono speech (at most 30 s)."""

    def transcribe(self, audio: Audio, language: str | None) -> Transcript: ...


_WORD = re.compile(r"\w+")


def _norm(word: str) -> str:
    return "".join(_WORD.findall(word.lower()))


def collapse_repeats(text: str, min_period: int = 2) -> str:
    """Keep once a run of words that repeats back to back until the end of the text.

    "Can you hear me? Can you hear me? Can you" becomes "Can you hear me?". Single repeated
    words ("very very") are left alone.
    """
    words = text.split()
    keys = [_norm(w) for w in words]
    n = len(words)
    for start in range(n):
        for period in range(min_period, (n - start) // 2 + 1):
            block = keys[start : start + period]
            rest = keys[start + period :]
            if all(rest[i] == block[i % period] for i in range(len(rest))):
                return " ".join(words[: start + period])
    return text


class WhisperRecognizer:
    """faster-whisper / CTranslate2 Whisper, int8 on the CPU."""

    def __init__(
        self,
        model_dir: Path,
        *,
        cpu_threads: int = 2,
        beam_size: int = 1,
        min_window_s: float = 10.0,
        pad_s: float = 1.0,
        auto_languages: Sequence[str] = ("fr", "en"),
    ) -> None:
        missing = [name for name in MODEL_FILES if not (model_dir / name).is_file()]
        if missing:
            raise RecognizerError(f"{model_dir} is not a Whisper model folder: no {missing[0]}")
        try:
            # Imported here: heavy, and needed only in the captions worker. No type hints ship.
            faster_whisper: Any = importlib.import_module("faster_whisper")
            tokenizer_module: Any = importlib.import_module("faster_whisper.tokenizer")
            transcribe_module: Any = importlib.import_module("faster_whisper.transcribe")
            self._ct2: Any = importlib.import_module("ctranslate2")
            model = faster_whisper.WhisperModel(
                str(model_dir),
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                num_workers=1,
                local_files_only=True,
            )
        except ImportError as exc:
            raise RecognizerError(f"speech recognition is not installed: {exc}") from None
        except (RuntimeError, ValueError, OSError) as exc:
            raise RecognizerError(f"cannot load the speech model in {model_dir}: {exc}") from None
        self._model: Any = model
        self._make_tokenizer: Callable[[str], Any] = lambda language: tokenizer_module.Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
        )
        self._suppress = list(
            transcribe_module.get_suppressed_tokens(self._make_tokenizer("en"), [-1])
        )
        self._beam_size = beam_size
        self._min_frames = min(_MAX_FRAMES, round(min_window_s * _FRAMES_PER_SECOND))
        self._pad_frames = round(pad_s * _FRAMES_PER_SECOND)
        self._auto = tuple(auto_languages) if model.model.is_multilingual else ("en",)
        self.model_dir = model_dir

    def transcribe(self, audio: Audio, language: str | None) -> Transcript:
        limit = SAMPLE_RATE * _MAX_FRAMES // _FRAMES_PER_SECOND
        if len(audio) > limit:  # never from the segmenter (15 s cap); files in 30 s pieces
            parts = [
                self.transcribe(audio[i : i + limit], language) for i in range(0, len(audio), limit)
            ]
            text = " ".join(p.text for p in parts if p.text)
            return Transcript(text, parts[0].language, parts[0].language_probability)
        try:
            return self._decode(audio, language)
        except (RuntimeError, ValueError) as exc:
            raise RecognizerError(f"speech recognition failed: {exc}") from None

    def _decode(self, audio: Audio, language: str | None) -> Transcript:
        features = self._model.feature_extractor(audio)
        frames = features.shape[-1]
        window = min(_MAX_FRAMES, max(frames + self._pad_frames, self._min_frames))
        features = np.pad(features[:, :window], ((0, 0), (0, max(0, window - frames))))
        batch = np.ascontiguousarray(features[np.newaxis], dtype=np.float32)
        encoded = self._model.model.encode(self._ct2.StorageView.from_array(batch))
        probability = 1.0
        if language is None:
            scores = {token[2:-2]: p for token, p in self._model.model.detect_language(encoded)[0]}
            candidates = self._auto or tuple(scores)
            language = max(candidates, key=lambda code: scores.get(code, 0.0))
            probability = scores.get(language, 0.0)
        tokenizer = self._make_tokenizer(language)
        prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        budget = 10 + round(len(audio) / SAMPLE_RATE * _TOKENS_PER_SECOND)
        result = self._model.model.generate(
            encoded,
            [prompt],
            beam_size=self._beam_size,
            max_length=min(self._model.max_length // 2, len(prompt) + budget),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else -10.0
        text = collapse_repeats(tokenizer.decode(tokens).strip())
        if result.no_speech_prob > _NO_SPEECH and avg_logprob < _LOGPROB_FLOOR:
            text = ""
        return Transcript(text, language, probability, float(result.no_speech_prob))


@dataclass
class ScriptedRecognizer:
    """Test fake: answers the scripted texts in order (then the last one), records each call."""

    texts: Iterable[str]
    language: str = "en"
    calls: list[tuple[int, str | None]] = field(default_factory=list)  # (samples, language)

    def __post_init__(self) -> None:
        self._texts = list(self.texts)

    def transcribe(self, audio: Audio, language: str | None) -> Transcript:
        self.calls.append((len(audio), language))
        index = min(len(self.calls), len(self._texts)) - 1
        text = self._texts[index] if self._texts else ""
        return Transcript(text, language or self.language)
