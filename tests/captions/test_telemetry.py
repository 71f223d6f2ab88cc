"""onnxruntime's telemetry is off wherever a session is made: the VAD, the captions worker and
the self-test. onnxruntime exposes no getter for its telemetry flag, so a spy records the calls
into the module, in order: the switch must come before any InferenceSession."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest

from visio_desktop import selftest
from visio_desktop.captions.events import CaptionEvent, WorkerError
from visio_desktop.captions.onnx import TELEMETRY_ENV
from visio_desktop.captions.vad import SileroVad
from visio_desktop.captions.worker import WorkerConfig, _run

onnxruntime: Any = importlib.import_module("onnxruntime")  # no type hints ship


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record `disable_telemetry_events` and `InferenceSession` calls; start with the
    environment switch unset, as on a user's machine."""
    monkeypatch.delenv(TELEMETRY_ENV, raising=False)
    recorded: list[str] = []
    real_session = onnxruntime.InferenceSession

    def disable() -> None:
        recorded.append("disable")

    def session(*args: Any, **kwargs: Any) -> Any:
        recorded.append(f"session env={os.environ.get(TELEMETRY_ENV)}")
        return real_session(*args, **kwargs)

    monkeypatch.setattr(onnxruntime, "disable_telemetry_events", disable)
    monkeypatch.setattr(onnxruntime, "InferenceSession", session)
    return recorded


def test_the_vad_session_is_made_with_telemetry_off(calls: list[str]) -> None:
    SileroVad()
    assert calls == ["disable", "session env=1"]


class _Events:
    def __init__(self) -> None:
        self.sent: list[CaptionEvent] = []

    def send(self, event: CaptionEvent) -> None:
        self.sent.append(event)

    def close(self) -> None:
        pass


def test_the_worker_process_turns_telemetry_off_before_loading_models(
    calls: list[str], tmp_path: Path
) -> None:
    """The worker's entry point, run in this process with a model that is not there: it has
    switched telemetry off before it even looks for the model."""
    events = _Events()
    _run(WorkerConfig(model=str(tmp_path / "no-such-model")), None, events, "t-")
    assert isinstance(events.sent[0], WorkerError)
    assert calls == ["disable"]
    assert os.environ[TELEMETRY_ENV] == "1"


def test_the_self_test_loads_the_vad_with_telemetry_off(calls: list[str]) -> None:
    selftest.check_captions()
    assert calls == ["disable", "session env=1"]
