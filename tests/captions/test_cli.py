"""`visio-desktop captions ...` through add_arguments/run, as the main CLI will call them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from visio_desktop.captions import cli
from visio_desktop.captions.transcript import word_error_rate

from .speech import ENGLISH


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="visio-desktop captions")
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(argv))


@pytest.fixture
def models_env(models_folder: Path, base_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VISIO_MODELS_DIR", str(models_folder))
    return base_model


REFERENCE = " ".join(ENGLISH[:2])


def test_txt(english_wav: Path, base_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("transcribe", str(english_wav), "--lang", "en", "--model", str(base_model)) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 2  # one line per segment
    assert word_error_rate(REFERENCE, out) <= 0.15, out


def test_srt_and_vtt(
    english_wav: Path, base_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("transcribe", str(english_wav), "--model", str(base_model), "--format", "srt") == 0
    srt = capsys.readouterr().out
    assert srt.startswith("1\n00:00:00,")
    assert "\n\n2\n00:00:0" in srt and " --> " in srt
    assert run("transcribe", str(english_wav), "--model", str(base_model), "--format", "vtt") == 0
    vtt = capsys.readouterr().out
    assert vtt.startswith("WEBVTT\n\n00:00:00.")
    assert vtt.count(" --> ") == 2


def test_json_with_the_default_model_name(
    english_wav: Path, models_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("transcribe", str(english_wav), "--format", "json", "--lang", "auto") == 0
    segments = json.loads(capsys.readouterr().out)
    assert [sorted(s) for s in segments] == [["end", "language", "start", "text"]] * 2
    assert all(s["language"] == "en" for s in segments)
    assert (
        0 < segments[0]["start"] < segments[0]["end"] <= segments[1]["start"] < segments[1]["end"]
    )
    assert word_error_rate(REFERENCE, " ".join(s["text"] for s in segments)) <= 0.15


def test_a_missing_model_is_exit_1_with_a_clear_message(
    english_wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("transcribe", str(english_wav), "--model", str(tmp_path / "nothing")) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("visio-desktop: captions unavailable: no speech model")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("content", [None, b"hello, I am not audio", b""])
def test_an_unreadable_file_is_exit_2(
    tmp_path: Path, base_model: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "speech.wav"
    if content is not None:
        path.write_bytes(content)
    assert run("transcribe", str(path), "--model", str(base_model)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "speech.wav" in captured.err and len(captured.err.splitlines()) == 1


def test_models_and_a_refused_download(
    models_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("models") == 0
    listing = capsys.readouterr().out
    assert f"whisper-base\tavailable\t{models_env}" in listing
    assert "whisper-small\tno known checksum" in listing
    assert run("download", "whisper-small") == 3  # refused before any network access
    assert "no known checksum" in capsys.readouterr().err


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(SystemExit) as exit_info:
        run("transcribe", "x.wav", "--lang", "de")
    assert exit_info.value.code == 2
