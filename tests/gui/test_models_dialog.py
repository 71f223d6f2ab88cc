"""The speech models dialog: lists the catalogue, downloads only on request, shows progress,
and a cancelled download leaves the dialog ready again."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from visio_desktop.captions import DownloadCancelledError, DownloadProgress
from visio_desktop.ui.models_dialog import ModelsDialog


@pytest.fixture(autouse=True)
def no_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """A computer with no speech model (the test environment's packages carry one)."""
    monkeypatch.setattr("visio_desktop.ui.models_dialog.available_models", list)


class Fetcher:
    """Stands in for download_model: reports progress, then waits until it is cancelled."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def __call__(
        self, name: str, *, mirror: str | None, progress: Any, cancel: threading.Event
    ) -> Path:
        self.calls.append((name, mirror))
        progress(DownloadProgress("model.bin", 50, 100))
        if cancel.wait(timeout=30):
            raise DownloadCancelledError("cancelled")
        return Path("/nowhere")


def test_nothing_is_fetched_until_asked_and_progress_shows(qtbot: QtBot) -> None:
    fetcher = Fetcher()
    dialog = ModelsDialog(mirror="https://mirror.example.gouv.fr", download=fetcher)
    qtbot.addWidget(dialog)
    assert fetcher.calls == []
    assert dialog.models.count() >= 2  # the catalogue, with sizes and licences
    assert "MIT" in dialog.models.item(0).text()
    dialog.show()
    QTest.mouseClick(dialog.fetch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() == 500)
    assert fetcher.calls == [("whisper-base", "https://mirror.example.gouv.fr")]
    assert not dialog.fetch.isEnabled() and dialog.cancel.isVisible()
    QTest.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "was not installed" in dialog.status.text())
    assert dialog.fetch.isEnabled() and not dialog.cancel.isVisible()


def test_a_model_without_known_checksums_cannot_be_fetched(qtbot: QtBot) -> None:
    dialog = ModelsDialog(download=Fetcher())
    qtbot.addWidget(dialog)
    rows = [dialog.models.item(i) for i in range(dialog.models.count())]
    unverified = [i for i, item in enumerate(rows) if item.toolTip()]
    assert unverified, "the catalogue lists a model whose checksums are not known"
    dialog.models.setCurrentRow(unverified[0])
    assert not dialog.fetch.isEnabled()


def test_closing_during_a_download_stops_it_without_waiting_on_the_network(
    qtbot: QtBot,
) -> None:
    fetcher = Fetcher()
    dialog = ModelsDialog(download=fetcher)
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.mouseClick(dialog.fetch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() == 500)
    with qtbot.waitSignal(dialog.rejected):
        dialog.reject()  # returns at once; the dialog closes when the download has stopped
    assert not dialog.isVisible()
