"""The whole user interface in French: the real screens switch to French and back at run time,
and the French .ts file is complete, typographically consistent and in step with the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError, Unreachable
from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.core.protocol import ErrorCode, LeaveReason, ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_state import CallState
from visio_desktop.ui.call import CallView
from visio_desktop.ui.controls import ControlBar, ShortcutsDialog
from visio_desktop.ui.home import HomeWidget
from visio_desktop.ui.i18n import install_translator
from visio_desktop.ui.messages import friendly_error
from visio_desktop.ui.prejoin import PreJoinWidget

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "resources" / "translations" / "visio_desktop_fr.ts"
UI_SOURCES = ROOT / "visio_desktop" / "ui"
NBSP = "\u00a0"

# %1..%9 and %n (Qt), {name} (str.format): a translation must keep every one of them.
PLACEHOLDER_RE = re.compile(r"%\d|%n|\{\w*\}")
# One "&" before a letter is a mnemonic; "&&" is a literal ampersand.
MNEMONIC_RE = re.compile(r"(?<!&)&(\w)")


def no_op(*_: object) -> None:
    """Stands for the renderer callbacks the real window passes."""


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def french_resources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A resources folder: the .qm compiled from the committed .ts, and the repository's icons."""
    resources = tmp_path_factory.mktemp("french") / "resources"
    translations = resources / "translations"
    translations.mkdir(parents=True)
    qm = translations / "visio_desktop_fr.qm"
    result = subprocess.run(
        [str(qt_tool("pyside6-lrelease")), str(TS_FILE), "-qm", str(qm)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 unfinished" in result.stdout, result.stdout
    assert qm.is_file()
    shutil.copytree(ROOT / "resources" / "icons", resources / "icons")
    return resources


@pytest.fixture
def french(
    qapp: QApplication, french_resources: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[QApplication]:
    """VISIO_RESOURCES points at the built French; the application is English again afterwards
    (it is shared by every test)."""
    monkeypatch.setenv("VISIO_RESOURCES", str(french_resources))
    yield qapp
    install_translator(qapp, "en")


def qt_tool(name: str) -> Path:
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    assert found is not None, f"{name} is not installed beside {sys.executable} nor on PATH"
    return Path(found)


def button_texts(widget: QWidget) -> set[str]:
    buttons: list[QPushButton | QToolButton] = [*widget.findChildren(QPushButton)]
    buttons += widget.findChildren(QToolButton)
    return {button.text() for button in buttons}


def accessible_names(widget: QWidget) -> set[str]:
    return {child.accessibleName() for child in widget.findChildren(QWidget)}


def tooltips(widget: QWidget) -> set[str]:
    return {child.toolTip() for child in widget.findChildren(QWidget)}


# -- switching at run time ------------------------------------------------------------------------


def test_home_screen_switches_to_french_and_back(qtbot: QtBot, french: QApplication) -> None:
    home = HomeWidget()
    qtbot.addWidget(home)
    assert {"Join", "New meeting", "Settings"} <= button_texts(home)

    assert install_translator(french, "fr") == "fr"
    assert {"Rejoindre", "Nouvelle réunion", "Paramètres", "Copier"} <= button_texts(home)
    assert {"Lien de la réunion", "Logo de Visio"} <= accessible_names(home)
    assert "Collez le lien que vous avez reçu" in tooltips(home)
    assert "Réunions récentes" in accessible_names(home)

    assert install_translator(french, "en") == "en"
    assert {"Join", "New meeting", "Settings", "Copy"} <= button_texts(home)
    assert "Paste the link you received" in tooltips(home)
    assert "Rejoindre" not in button_texts(home)


def test_control_bar_switches_to_french_and_back(qtbot: QtBot, french: QApplication) -> None:
    bar = ControlBar()
    qtbot.addWidget(bar)
    mic = bar.action("mic")
    assert bar.buttons["leave"].text() == "Leave"

    install_translator(french, "fr")
    assert bar.buttons["leave"].text() == "Quitter"
    assert bar.buttons["leave"].accessibleName() == "Quitter la réunion"
    assert mic.text() == "Activer le micro"
    assert mic.toolTip().startswith("Activer le micro (")
    assert bar.action("camera").text() == "Activer la caméra"
    assert bar.action("share").text() == "Partager l’écran"
    assert bar.buttons["hand"].accessibleName() == "Lever la main"
    assert bar.buttons["captions"].accessibleName() == "Sous-titres"
    assert bar.action("transcript").text() == "Transcription"
    assert bar.action("view").text() == "Vue intervenant"
    assert bar.action("fullscreen").text() == "Plein écran"
    assert bar.action("help").text() == "Raccourcis clavier"
    assert bar.accessibleName() == "Commandes de la réunion"

    mic.setChecked(True)  # the texts follow the state, in French
    bar.action("hand").setChecked(True)
    assert mic.text() == "Désactiver le micro"
    assert bar.action("hand").text() == "Baisser la main"
    bar.set_unread(1)
    assert bar.buttons["chat"].accessibleDescription() == "1 message non lu"
    bar.set_unread(3)
    assert bar.buttons["chat"].accessibleDescription() == "3 messages non lus"
    assert bar.action("chat").toolTip().startswith("Discussion (3) (")

    install_translator(french, "en")
    assert bar.buttons["leave"].text() == "Leave"
    assert mic.text() == "Turn off microphone"
    assert bar.action("hand").text() == "Lower hand"
    assert bar.action("chat").text() == "Chat"


def test_call_view_switches_to_french_and_back(qtbot: QtBot, french: QApplication) -> None:
    state = CallState()
    view = CallView(state, no_op, no_op)
    qtbot.addWidget(view)
    state.join_started(1, "abc-defg-hij", "Marie", audio=False, video=False)
    view.start("abc-defg-hij")
    tile = view.grid.tile(SELF_TILE)
    assert tile is not None
    assert view.home_button.text() == "Back to home"

    install_translator(french, "fr")
    assert view.home_button.text() == "Retour à l’accueil"
    assert view.home_button.toolTip() == "Quitter l’écran de la réunion et revenir à l’accueil"
    assert view.side.accessibleName() == "Panneau latéral"
    assert view.controls.buttons["leave"].text() == "Quitter"
    assert tile.accessibleName() == "Vidéo de Marie"
    assert tile.accessibleDescription() == "micro coupé, caméra désactivée"
    assert tile.toolTip() == "Marie — double-cliquez pour épingler, clic droit pour le volume"

    assert view.banner.text() == "Connexion en cours…"
    state.apply(ev.Joined("abc-defg-hij", "p-marie", (ParticipantInfo("p-marie", "Marie"),)))
    assert not view.banner.isVisible()
    anne = ParticipantInfo(id="p-anne", display_name="Anne", audio=True)
    state.apply(ev.ParticipantJoined(anne))
    state.apply(ev.ParticipantUpdated(ParticipantInfo("p-anne", "Anne", hand_raised=True)))
    state.apply(ev.ParticipantLeft("p-anne", "Anne", LeaveReason.LEFT))
    assert view.notifications.history[-3:] == [
        "Anne a rejoint la réunion",
        "Anne a levé la main",
        "Anne a quitté la réunion",
    ]
    state.apply(ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING))
    assert view.banner.text().startswith("Connexion perdue. Reconnexion en cours…")
    state.apply(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED))
    assert view.banner.text() == "La connexion à la réunion a été interrompue."

    install_translator(french, "en")
    assert view.home_button.text() == "Back to home"
    assert tile.accessibleName() == "Video of Marie"
    assert view.banner.text() == "Disconnected from the meeting."  # the banner follows


def test_prejoin_screen_switches_to_french_and_back(qtbot: QtBot, french: QApplication) -> None:
    prejoin = PreJoinWidget(no_op, no_op)
    qtbot.addWidget(prejoin)
    assert prejoin.title.text() == "Ready to join?"

    install_translator(french, "fr")
    assert prejoin.title.text() == f"Prêt à rejoindre{NBSP}?"
    assert prejoin.join.text() == "Rejoindre"
    assert prejoin.back.text() == "Retour"
    assert prejoin.mic_toggle.accessibleName() == "Activer le micro"
    assert prejoin.camera_toggle.toolTip() == "Activer la caméra"
    assert prejoin.name.accessibleName() == "Votre nom"
    prejoin.set_busy(True)
    assert prejoin.join.text() == "Connexion…"

    install_translator(french, "en")
    assert prejoin.title.text() == "Ready to join?"
    assert prejoin.join.text() == "Joining…"
    assert prejoin.mic_toggle.accessibleName() == "Turn on microphone"


def test_screens_created_in_french_start_in_french(qtbot: QtBot, french: QApplication) -> None:
    """At start-up the translator is installed before the window is built."""
    install_translator(french, "fr")
    view = CallView(CallState(), no_op, no_op)
    qtbot.addWidget(view)
    assert {"Envoyer", "Copier"} <= button_texts(view)
    names = accessible_names(view)
    assert {"Messages de la discussion", "Sous-titres en direct", "Transcription"} <= names
    assert {"Vidéos des participants", "Notifications", "Page précédente"} <= names
    view.participants.upsert("me", "Marie", False, True, False, True)
    view.participants.set_self_id("me")
    assert view.participants.header_text() == "Participants (1)"
    assert view.participants.rows()[0].startswith("Marie (vous) — ")
    assert view.participants.rows()[0].endswith("main levée, micro coupé")

    dialog = ShortcutsDialog(view.controls, view)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Raccourcis clavier"
    actions = {action for action, _ in dialog.rows()}
    assert {"Activer ou désactiver le micro", "Lever ou baisser la main", "Quitter la réunion"} <= (
        actions
    )


def test_side_panels_follow_a_switch_at_run_time(qtbot: QtBot, french: QApplication) -> None:
    view = CallView(CallState(), no_op, no_op)
    qtbot.addWidget(view)
    install_translator(french, "fr")
    assert {"Envoyer", "Copier"} <= button_texts(view)
    assert {"Messages de la discussion", "Vidéos des participants"} <= accessible_names(view)


def test_error_messages_are_french(french: QApplication) -> None:
    install_translator(french, "fr")
    error = ServerUnreachableError("refused")
    assert not friendly_error(error, "visio.example.org").startswith("Could not reach")
    busy = ServerRejectedError(ErrorCode.SERVER_BUSY, "the meeting server is busy")
    assert friendly_error(busy, "visio.example.org") == (
        "Le serveur de réunion est occupé. Réessayez dans un instant."
    )


# Each reason a server is out of reach, with words the English and the French sentence must say.
UNREACHABLE_WORDS = {
    Unreachable.UNTRUSTED_CERTIFICATE: ("does not trust", "ne fait pas confiance"),
    Unreachable.WRONG_HOST_NAME: ("another server name", "un autre nom de serveur"),
    Unreachable.EXPIRED_CERTIFICATE: ("has expired", "a expiré"),
    Unreachable.REFUSED: ("refused the connection", "a refusé la connexion"),
    Unreachable.OTHER: ("Could not reach", "Impossible de joindre"),
}


def test_each_reason_a_server_is_out_of_reach_has_its_own_words(qapp: QApplication) -> None:
    texts = {
        reason: friendly_error(ServerUnreachableError("x", reason), "visio.example.org")
        for reason in UNREACHABLE_WORDS
    }
    assert len(set(texts.values())) == len(texts)
    for reason, (english, _) in UNREACHABLE_WORDS.items():
        assert english in texts[reason] and "visio.example.org" in texts[reason]
    # Unknown host and timeout keep the network sentence.
    for reason in (Unreachable.UNKNOWN_HOST, Unreachable.TIMEOUT):
        error = ServerUnreachableError("x", reason)
        assert friendly_error(error, "h").startswith("Could not reach")


def test_each_reason_a_server_is_out_of_reach_is_french(french: QApplication) -> None:
    install_translator(french, "fr")
    for reason, (_, words) in UNREACHABLE_WORDS.items():
        text = friendly_error(ServerUnreachableError("x", reason), "visio.example.org")
        assert words in text and "visio.example.org" in text, text


# -- the .ts file ---------------------------------------------------------------------------------


def ts_messages(path: Path) -> list[tuple[str, ET.Element]]:
    """(context name, message element) for every message of a .ts file."""
    return [
        (context.findtext("name") or "", message)
        for context in ET.parse(path).getroot().iter("context")
        for message in context.iter("message")
    ]


def translations_of(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    assert translation is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in translation.iter("numerusform")]
    return [translation.text or ""]


def test_every_message_is_translated_and_keeps_its_placeholders() -> None:
    messages = ts_messages(TS_FILE)
    assert len(messages) > 150
    for context, message in messages:
        source = message.findtext("source") or ""
        where = f"{context}: {source!r}"
        translation = message.find("translation")
        assert translation is not None, where
        assert translation.get("type") is None, f"unfinished: {where}"
        texts = translations_of(message)
        if message.get("numerus") == "yes":
            assert len(texts) == 2, f"French needs two plural forms: {where}"
        for text in texts:
            assert text.strip(), f"empty translation: {where}"
            wanted = sorted(PLACEHOLDER_RE.findall(source))
            assert sorted(PLACEHOLDER_RE.findall(text)) == wanted, f"{where} -> {text!r}"
            mnemonics = len(MNEMONIC_RE.findall(source))
            assert len(MNEMONIC_RE.findall(text)) == mnemonics, f"{where} -> {text!r}"


def test_mnemonics_do_not_collide_within_a_screen() -> None:
    letters: dict[str, list[str]] = {}
    for context, message in ts_messages(TS_FILE):
        for text in translations_of(message):
            for letter in MNEMONIC_RE.findall(text):
                letters.setdefault(context, []).append(letter.casefold())
    assert letters, "no mnemonic found at all"
    for context, used in letters.items():
        assert len(used) == len(set(used)), f"{context} uses a mnemonic twice: {sorted(used)}"


def test_french_typography_is_consistent() -> None:
    """A no-break space (U+00A0, as in the settings dialog) before : ; ? ! and the typographic
    apostrophe, everywhere."""
    for context, message in ts_messages(TS_FILE):
        for text in translations_of(message):
            where = f"{context}: {text!r}"
            assert not re.search(r"[ \u202f][:;?!]", text), f"use U+00A0 before : ; ? ! in {where}"
            assert not re.search(r"\S[;?!]|\S:(?!//)", text), f"no space before : ; ? ! in {where}"
            assert "'" not in text, f"use the typographic apostrophe ’ in {where}"


def test_the_ts_file_covers_every_string_of_the_user_interface(tmp_path: Path) -> None:
    """lupdate over visio_desktop/ui/*.py finds nothing new: run `python tools/i18n.py update`
    and translate what it adds when this fails."""
    fresh = tmp_path / TS_FILE.name
    shutil.copy(TS_FILE, fresh)
    sources = sorted(str(path) for path in UI_SOURCES.glob("*.py"))
    command = [str(qt_tool("pyside6-lupdate")), *sources, "-ts", str(fresh)]
    command += ["-no-obsolete", "-locations", "none"]
    command += ["-source-language", "en", "-target-language", "fr"]
    subprocess.run(command, check=True, capture_output=True)

    def keys(path: Path) -> set[tuple[str, str]]:
        return {(context, m.findtext("source") or "") for context, m in ts_messages(path)}

    extracted = keys(fresh)
    assert ("ControlBar", "Leave") in extracted  # lupdate really reads our Python
    assert ("SettingsDialog", "Settings") in extracted
    unfinished = [
        f"{context}: {m.findtext('source')!r}"
        for context, m in ts_messages(fresh)
        if (translation := m.find("translation")) is not None and translation.get("type")
    ]
    assert unfinished == [], "new or changed strings, run: python tools/i18n.py update"
    assert keys(TS_FILE) == extracted, "strings no longer used, run: python tools/i18n.py update"
