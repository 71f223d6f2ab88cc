"""The real window under a system policy: settings locked, captions forced off or to a language,
the models dialog following the policy's mirror, new meetings on the policy's server, and a
policy value that is not valid told once. Links under policy are in test_safe_links.py."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.gui.conftest import STRICT, MakeDesktop
from visio_desktop.captions import ModelDownloadError
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.policy import Policy
from visio_desktop.core.roles import Access
from visio_desktop.core.settings import Settings
from visio_desktop.desktop import Desktop, _download_model
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.captions import CaptionsOptions
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.models_dialog import ModelsDialog
from visio_desktop.ui.settings_dialog import SettingsDialog

WAIT_MS = 30_000
ROOM = "abc-defg-hij"
D = TypeVar("D", bound=QDialog)


def run_modal(
    start: Callable[[], object], kind: type[D], parent: QWidget, act: Callable[[D], None]
) -> None:
    """Run `start` (which opens a modal `kind` dialog and waits in its loop); `act` gets the
    dialog once it is on screen and must close it."""

    def inspect() -> None:
        dialogs = [d for d in parent.findChildren(kind) if d.isVisible()]
        assert len(dialogs) == 1
        try:
            act(dialogs[0])
        finally:
            if dialogs[0].isVisible():
                dialogs[0].reject()

    QTimer.singleShot(0, inspect)
    start()


def test_a_policy_with_a_bad_value_is_told_once(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop('allow_unknown_servers = "maybe"\n')
    banner = desktop.window.home.findChild(QLabel, "bannerText")
    assert banner is not None and banner.isVisible()
    assert "not valid" in banner.text() and "safest" in banner.text()


# -- settings, captions, models, new meetings ---------------------------------------------------


def test_settings_set_by_policy_are_locked_and_stay(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop('default_server = "https://visio.gouv.fr"\ncaptions = "fr"\n')
    window = desktop.window
    assert window.settings.server_url == "https://visio.gouv.fr"
    seen: dict[str, object] = {}

    def act(dialog: SettingsDialog) -> None:
        server = dialog.findChild(QLineEdit, "server_url")
        captions = dialog.findChild(QCheckBox, "captions_on")
        speech = dialog.findChild(QComboBox, "caption_language")
        name = dialog.findChild(QLineEdit, "display_name")
        assert server is not None and captions is not None and speech is not None
        assert name is not None
        seen["locked"] = [w.isEnabled() for w in (server, captions, speech)]
        seen["tip"] = server.toolTip()
        seen["name"] = name.isEnabled()
        server.setText("https://elsewhere.example.fr")  # as a script could, past the lock
        captions.setChecked(False)
        name.setText("Camille")
        dialog.accept()

    run_modal(window.edit_settings, SettingsDialog, window, act)
    assert seen == {
        "locked": [False, False, False],
        "tip": "Set by your administrator",
        "name": True,
    }
    assert window.settings.server_url == "https://visio.gouv.fr"
    assert window.settings.captions_on and window.settings.caption_language == "fr"
    assert window.settings.display_name == "Camille"


class CaptionsRecorder:
    """Stands for Session.set_captions: what the window asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, CaptionsOptions | None]] = []

    def __call__(
        self, on: bool, options: CaptionsOptions | None = None
    ) -> concurrent.futures.Future[None]:
        self.calls.append((on, options))
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        done.set_result(None)
        return done


def join_a_meeting(qtbot: QtBot, desktop: Desktop) -> None:
    server = EmbeddedServer()
    server.start()
    try:
        window = desktop.window
        window.join_now(parse_link(f"{server.base_url}/{ROOM}"), "Tester", False, False)
        qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
        window.leave()
    finally:
        server.stop()


def test_captions_forced_off_cannot_be_turned_on(
    qtbot: QtBot, make_desktop: MakeDesktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = make_desktop('captions = "off"\n', Settings(captions_on=True))
    recorder = CaptionsRecorder()
    monkeypatch.setattr(desktop.session, "set_captions", recorder)
    window = desktop.window
    button = window.call.controls.action("captions")
    assert not window.settings.captions_on
    assert not button.isEnabled() and not button.isChecked()
    button.trigger()  # the shortcut or a click: nothing happens
    assert not button.isChecked()
    join_a_meeting(qtbot, desktop)
    assert all(not on for on, _ in recorder.calls)


def test_a_forced_language_wins_over_the_users_choice(
    qtbot: QtBot, make_desktop: MakeDesktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = make_desktop('captions = "en"\n', Settings(captions_on=False, caption_language="fr"))
    recorder = CaptionsRecorder()
    monkeypatch.setattr(desktop.session, "set_captions", recorder)
    join_a_meeting(qtbot, desktop)
    assert recorder.calls and recorder.calls[0][0] is True
    options = recorder.calls[0][1]
    assert options is not None and options.language == "en"


def test_the_models_dialog_uses_the_mirror_and_says_when_downloads_are_blocked(
    make_desktop: MakeDesktop,
) -> None:
    desktop = make_desktop('model_mirror = "ftp://mirror.gouv.fr/models"\n')  # not https
    window = desktop.window
    seen: dict[str, object] = {}

    def act(dialog: ModelsDialog) -> None:
        seen["fetch"] = dialog.fetch.isVisible()
        seen["status"] = dialog.status.text()
        dialog.reject()

    run_modal(window.choose_model, ModelsDialog, window, act)
    assert seen["fetch"] is False
    assert "blocked speech model downloads" in str(seen["status"])
    blocked = desktop.window.services.policy
    with pytest.raises(ModelDownloadError, match="blocked"):
        _download_model(blocked, "whisper-base")


def test_the_models_dialog_gets_the_policy_mirror(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop('model_mirror = "https://mirror.gouv.fr/models"\n')
    window = desktop.window
    seen: dict[str, object] = {}

    def act(dialog: ModelsDialog) -> None:
        seen["mirror"] = dialog._mirror
        seen["fetch"] = dialog.fetch.isVisible()
        dialog.reject()

    run_modal(window.choose_model, ModelsDialog, window, act)
    assert seen == {"mirror": "https://mirror.gouv.fr/models", "fetch": True}


def test_new_meetings_go_to_the_policy_server(
    qtbot: QtBot, make_desktop: MakeDesktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = make_desktop(
        'default_server = "https://visio.agriculture.gouv.fr"\ndefault_access = "lobby"\n'
    )
    window = desktop.window
    # The server is not reachable from a test: the engine call that would create the room
    # there is answered here, with what the server would say.
    asked: list[tuple[str, Access | None]] = []

    def create(
        server: str, access: Access | None = None, *, policy: Policy | None = None
    ) -> concurrent.futures.Future[MeetingLink]:
        asked.append((server, access))
        made: concurrent.futures.Future[MeetingLink] = concurrent.futures.Future()
        made.set_result(parse_link(f"{server}/abc-defg-hij"))
        return made

    monkeypatch.setattr(window.services.session, "create_meeting", create)
    server_line = next(
        w for w in window.home.findChildren(QLabel) if w.accessibleName() == "Server"
    )
    assert "visio.agriculture.gouv.fr" in server_line.text()
    assert "administrator" in server_line.text()
    new = next(w for w in window.home.findChildren(QWidget) if w.accessibleName() == "New meeting")
    QTest.mouseClick(new, Qt.MouseButton.LeftButton)
    field = next(
        f for f in window.home.findChildren(QLineEdit) if f.accessibleName() == "New meeting link"
    )
    qtbot.waitUntil(lambda: bool(field.text()), timeout=10_000)
    assert field.text() == "https://visio.agriculture.gouv.fr/abc-defg-hij"
    assert asked == [("https://visio.agriculture.gouv.fr", Access.LOBBY)]  # the policy's level
    assert desktop.embedded.server is None  # the built-in server was not started


def test_no_new_meeting_on_this_computer_when_only_approved_servers_are_allowed(
    make_desktop: MakeDesktop,
) -> None:
    desktop = make_desktop(STRICT)
    window = desktop.window
    window.home.new_meeting_requested.emit()
    banner = window.home.findChild(QLabel, "bannerText")
    assert banner is not None and "approved servers" in banner.text()
    assert desktop.embedded.server is None


def test_the_backend_gets_the_policy(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop(STRICT)
    backend = desktop.session._backend_factory(parse_link(f"https://visio.gouv.fr/{ROOM}"))
    assert getattr(backend, "policy", None) == desktop.window.services.policy
    assert desktop.window.services.policy != Policy()
