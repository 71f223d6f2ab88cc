"""French and English: building the .qm, switching at run time, the missing-file fallback, and
the translation sources kept in step with the code."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from visio_desktop.core.settings import Settings
from visio_desktop.ui.i18n import effective_language, install_translator
from visio_desktop.ui.settings_dialog import SettingsDialog

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "resources" / "translations" / "visio_desktop_fr.ts"
TOOL = ROOT / "tools" / "i18n.py"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("visio_i18n_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def english_afterwards(qapp: QApplication) -> Iterator[QApplication]:
    """The application is shared by every test: leave it in English."""
    yield qapp
    install_translator(qapp, "en")


@pytest.fixture
def built_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english_afterwards: QApplication
) -> Path:
    """A resources folder holding the French .qm, built by `tools/i18n.py build`."""
    resources = tmp_path / "resources"
    command = [sys.executable, str(TOOL), "build", "--output-dir", str(resources / "translations")]
    subprocess.run(command, check=True, capture_output=True)
    assert (resources / "translations" / "visio_desktop_fr.qm").is_file()
    monkeypatch.setenv("VISIO_RESOURCES", str(resources))
    return resources


def cancel_text(dialog: SettingsDialog) -> str:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    return box.button(QDialogButtonBox.StandardButton.Cancel).text()


def test_switching_to_french_and_back_retranslates_an_open_dialog(
    qtbot: QtBot, qapp: QApplication, built_resources: Path
) -> None:
    dialog = SettingsDialog(Settings(camera="USB"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_devices(["USB"], [], [])
    microphone = dialog.findChild(QComboBox, "microphone")
    language = dialog.findChild(QComboBox, "language")
    assert microphone is not None and language is not None
    assert dialog.windowTitle() == "Settings"

    assert install_translator(qapp, "fr") == "fr"
    assert dialog.windowTitle() == "Paramètres"
    assert microphone.currentText() == "Aucun microphone détecté"
    assert microphone.accessibleName() == "Microphone"
    assert language.itemText(0) == "Langue du système"
    assert cancel_text(dialog) == "Annuler"  # Qt's own translations are loaded too

    assert install_translator(qapp, "en") == "en"
    assert dialog.windowTitle() == "Settings"
    assert microphone.currentText() == "No microphone found"
    assert cancel_text(dialog) == "Cancel"
    assert qapp.findChildren(QTranslator) == []


def test_installing_twice_replaces_the_previous_translators(
    qapp: QApplication, built_resources: Path
) -> None:
    install_translator(qapp, "fr")
    count = len(qapp.findChildren(QTranslator))
    assert install_translator(qapp, "fr") == "fr"
    assert len(qapp.findChildren(QTranslator)) == count
    assert QApplication.translate("SettingsDialog", "Settings") == "Paramètres"


def test_a_missing_qm_file_stays_in_english(
    qtbot: QtBot,
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    english_afterwards: QApplication,
) -> None:
    monkeypatch.setenv("VISIO_RESOURCES", str(tmp_path))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    with caplog.at_level(logging.WARNING, logger="visio_desktop.ui.i18n"):
        assert install_translator(qapp, "fr") == "en"
    assert "missing" in caplog.text
    assert dialog.windowTitle() == "Settings"
    assert qapp.findChildren(QTranslator) == []


@pytest.mark.parametrize(
    ("setting", "locale", "expected"),
    [
        ("fr", "en_US", "fr"),
        ("en", "fr_FR", "en"),
        ("", "fr_FR", "fr"),
        ("", "fr_CA", "fr"),
        ("", "en_GB", "en"),
        ("", "de_DE", "en"),
        ("fr_BE", "en_US", "fr"),
        ("de", "fr_FR", "en"),
    ],
)
def test_effective_language(setting: str, locale: str, expected: str) -> None:
    assert effective_language(setting, QLocale(locale)) == expected


def test_the_dialog_strings_are_all_in_the_ts_file_and_translated(tmp_path: Path) -> None:
    """lupdate really extracts `self.tr` from our Python, and the .ts is not stale."""
    tool = load_tool()
    fresh = tmp_path / "fresh_fr.ts"
    lupdate = tool.find_tool("pyside6-lupdate")
    source = ROOT / "visio_desktop" / "ui" / "settings_dialog.py"
    subprocess.run([str(lupdate), str(source), "-ts", str(fresh)], check=True, capture_output=True)
    extracted = {m.findtext("source") for m in ET.parse(fresh).iter("message")}
    assert "Settings" in extracted
    assert "No camera found" in extracted

    context = next(
        c for c in ET.parse(TS_FILE).iter("context") if c.findtext("name") == "SettingsDialog"
    )
    committed = {m.findtext("source"): m.find("translation") for m in context.iter("message")}
    assert set(committed) == extracted, "run: python tools/i18n.py update"
    for text, translation in committed.items():
        assert translation is not None and translation.text, text
        assert translation.get("type") is None, f"unfinished: {text}"


def test_update_keeps_existing_translations_and_adds_new_strings(tmp_path: Path) -> None:
    tool = load_tool()
    sources = tmp_path / "ui"
    sources.mkdir()
    shutil.copy(ROOT / "visio_desktop" / "ui" / "settings_dialog.py", sources)
    (sources / "hello.py").write_text(
        "from PySide6.QtWidgets import QLabel\n\n\n"
        "class Hello(QLabel):\n"
        "    def retranslate(self) -> None:\n"
        '        self.setText(self.tr("Hello"))\n',
        encoding="utf-8",
    )
    translations = tmp_path / "translations"
    translations.mkdir()
    shutil.copy(TS_FILE, translations)
    assert tool.update(translations=translations, sources=sources) == 0
    updated = ET.parse(translations / TS_FILE.name)
    messages = {m.findtext("source"): m.find("translation") for m in updated.iter("message")}
    settings_translation = messages["Settings"]
    assert settings_translation is not None and settings_translation.text == "Paramètres"
    hello = messages["Hello"]
    assert hello is not None and hello.get("type") == "unfinished"

    assert tool.build(translations=translations, output_dir=None) == 0
    assert (translations / "visio_desktop_fr.qm").is_file()


def test_build_says_clearly_when_lrelease_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = load_tool()
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert tool.main(["build", "--output-dir", str(tmp_path)]) == 2
    assert "pyside6-lrelease was not found" in capsys.readouterr().err


def test_lock_hint_is_translated(qtbot: QtBot, qapp: QApplication, built_resources: Path) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.set_locked({"server_url"}, "")
    install_translator(qapp, "fr")
    hint = dialog.findChild(QLabel, "lock_hint")
    assert hint is not None
    assert hint.text().startswith("Certains paramètres")
    server = dialog.findChild(QWidget, "server_url")
    assert server is not None
    assert server.toolTip() == "Défini par votre administrateur"
