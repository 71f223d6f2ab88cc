"""`run_selftest`: one line per native piece, exit 0 only when every piece is there, and a
clear sentence naming what to install when one is missing."""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from visio_desktop import selftest
from visio_desktop.selftest import Missing, check_captions, check_portaudio, run_selftest

ROOT = Path(__file__).resolve().parents[2]


def test_every_piece_of_this_environment_is_present() -> None:
    # A subprocess: the Qt check creates a QGuiApplication, which pytest-qt's would clash with.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    code = "import sys; from visio_desktop.selftest import run_selftest; sys.exit(run_selftest())"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, cwd=ROOT
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split(":")[0].split()[-1] for line in lines[:-1]] == [
        name for name, _ in selftest.CHECKS
    ]
    assert all(line.startswith("ok ") for line in lines[:-1])
    assert lines[-1] == f"selftest: all {len(selftest.CHECKS)} pieces present"


def test_a_missing_piece_fails_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> str:
        raise Missing("libfoo is not installed; install it: sudo apt install libfoo1")

    def broken() -> str:
        raise RuntimeError("boom")

    log = tmp_path / "selftest.log"
    monkeypatch.setenv("VISIO_SELFTEST_LOG", str(log))
    out = io.StringIO()
    checks = [("fine", lambda: "all good"), ("foo", missing), ("bar", broken)]
    assert run_selftest(checks, out) == 1
    assert out.getvalue().splitlines() == [
        "ok       fine: all good",
        "MISSING  foo: libfoo is not installed; install it: sudo apt install libfoo1",
        "MISSING  bar: failed with RuntimeError: boom",
        "selftest: 2 of 3 missing",
    ]
    assert log.read_text(encoding="utf-8") == out.getvalue()


def test_all_present_exits_zero() -> None:
    out = io.StringIO()
    assert run_selftest([("fine", lambda: "yes")], out) == 0
    assert out.getvalue().endswith("selftest: all 1 pieces present\n")


def test_portaudio_library_missing_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def without_portaudio(name: str, package: str | None = None) -> ModuleType:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_portaudio)
    with pytest.raises(Missing, match=r"PortAudio library is missing.*libportaudio2"):
        check_portaudio()


def test_sounddevice_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(Missing, match=r"sounddevice is not installed.*pip install sounddevice"):
        check_portaudio()


@pytest.mark.parametrize("module", ["onnxruntime", "ctranslate2", "faster_whisper"])
def test_captions_runtime_missing(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(Missing, match=f"{module} cannot be imported.*captions runtime missing"):
        check_captions()


def test_codecs_and_keyring_checks_pass_here() -> None:
    assert "VP8 and Opus" in selftest.check_codecs()
    assert selftest.check_keyring().startswith("keyring ")
