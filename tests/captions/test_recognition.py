"""The real pipeline (Silero VAD, segmenter, Whisper base) on espeak-ng speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from visio_desktop.captions.audio import Audio
from visio_desktop.captions.errors import RecognizerError
from visio_desktop.captions.pipeline import CaptionPipeline
from visio_desktop.captions.recognizer import WhisperRecognizer, collapse_repeats
from visio_desktop.captions.transcript import word_error_rate
from visio_desktop.captions.vad import CHUNK_SAMPLES, SileroVad

from .speech import ENGLISH, FRENCH, FRENCH_VOICE, silence, utterances


def test_silero_vad_hears_speech_and_not_silence_or_hum(english_speech: Audio) -> None:
    vad = SileroVad()
    speech = vad.probabilities(english_speech)
    assert (speech > 0.5).mean() > 0.5
    vad.reset()
    t = np.arange(16_000 * 3) / 16_000
    hum = (0.05 * np.sin(2 * np.pi * 100 * t)).astype(np.float32)
    quiet = np.concatenate([silence(2.0), hum])
    assert (vad.probabilities(quiet) < 0.5).all()


def test_silero_vad_streams_chunk_by_chunk_like_one_batch(english_speech: Audio) -> None:
    audio = english_speech[: 16_000 * 3]
    batch = SileroVad().probabilities(audio)
    vad = SileroVad()
    stream = [
        vad.probability(audio[i : i + CHUNK_SAMPLES])
        for i in range(0, len(batch) * CHUNK_SAMPLES, CHUNK_SAMPLES)
    ]
    assert np.allclose(batch, stream)
    with pytest.raises(ValueError):
        vad.probability(audio[:100])


def test_english_word_error_rate_is_at_most_fifteen_percent(
    recognizer: WhisperRecognizer, english_speech: Audio
) -> None:
    segments = CaptionPipeline(SileroVad(), recognizer, language="en").transcribe(english_speech)
    hypothesis = " ".join(s.text for s in segments)
    wer = word_error_rate(" ".join(ENGLISH), hypothesis)
    assert wer <= 0.15, hypothesis
    assert len(segments) == len(ENGLISH)  # one segment per sentence: the gaps end segments
    assert all(s.language == "en" for s in segments)


def test_english_is_detected_in_automatic_mode(
    recognizer: WhisperRecognizer, english_speech: Audio
) -> None:
    segments = CaptionPipeline(SileroVad(), recognizer, language=None).transcribe(english_speech)
    assert [s.language for s in segments] == ["en"] * len(ENGLISH)
    assert word_error_rate(" ".join(ENGLISH), " ".join(s.text for s in segments)) <= 0.15


def test_french_is_detected_and_key_words_come_through(
    recognizer: WhisperRecognizer, tmp_path: Path
) -> None:
    """espeak-ng French is poor input for Whisper base (FINDINGS: WER 0.66-0.78 on ordinary
    sentences; here 0.3-0.7 on these). The test holds the pipeline to what it does on them:
    French detected for all segments but one, and at least half of the key words heard."""
    voice, rate = FRENCH_VOICE
    audio = utterances([sentence for sentence, _ in FRENCH], tmp_path, voice, rate)
    segments = CaptionPipeline(SileroVad(), recognizer, language=None).transcribe(audio)
    assert len(segments) == len(FRENCH)
    languages = [s.language for s in segments]
    assert languages.count("fr") >= len(FRENCH) - 1, languages
    heard = [s.text.lower() for s in segments]
    keys = [(index, key) for index, (_, keys) in enumerate(FRENCH) for key in keys]
    found = [key for index, key in keys if key in heard[index]]
    assert len(found) >= 0.5 * len(keys), heard


def test_silence_gives_no_caption(recognizer: WhisperRecognizer) -> None:
    assert CaptionPipeline(SileroVad(), recognizer).transcribe(silence(3.0)) == []
    assert recognizer.transcribe(silence(1.0), "en").text == ""


def test_a_folder_that_is_not_a_model_is_a_recognizer_error(tmp_path: Path) -> None:
    with pytest.raises(RecognizerError, match="not a Whisper model folder"):
        WhisperRecognizer(tmp_path)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(RecognizerError, match="cannot load"):
        WhisperRecognizer(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can you hear me? Can you hear me? Can you", "Can you hear me?"),
        ("one two one two one two", "one two"),
        ("It is very very good.", "It is very very good."),
        ("Hello there, hello there.", "Hello there,"),
        ("A plain sentence.", "A plain sentence."),
        ("", ""),
    ],
)
def test_collapse_repeats(text: str, expected: str) -> None:
    assert collapse_repeats(text) == expected
