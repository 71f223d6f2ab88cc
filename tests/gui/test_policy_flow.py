"""The real window under a system policy: links allowed, asked about (host in punycode, camera
and microphone off) or refused; settings locked; captions forced off or to a language; new
meetings on the policy's server; a broken policy told on the home screen; and a server that
tries to send the client to another host, refused before joining."""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
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
    QListWidget,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from visio_desktop.captions import ModelDownloadError
from visio_desktop.core.links import parse_link
from visio_desktop.core.policy import Policy
from visio_desktop.core.settings import RecentMeeting, Settings, save_settings
from visio_desktop.desktop import Desktop, _download_model, build_desktop
from visio_desktop.engine.captions import CaptionsOptions
from visio_desktop.media.devices import DemoDevices
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig
from visio_desktop.ui.link_prompt import LinkPrompt
from visio_desktop.ui.models_dialog import ModelsDialog
from visio_desktop.ui.settings_dialog import SettingsDialog
from visio_desktop.ui.single_instance import SingleInstance

WAIT_MS = 30_000
ROOM = "abc-defg-hij"
STRICT = 'allowed_servers = ["*.gouv.fr"]\nallow_unknown_servers = false\n'
HOMOGLYPH = f"https://visio.g\u043euv.fr/{ROOM}"  # a Cyrillic o (U+043E) in "gouv"
D = TypeVar("D", bound=QDialog)

MakeDesktop = Callable[..., Desktop]


@pytest.fixture
def make_desktop(qtbot: QtBot, tmp_path: Path) -> Iterator[MakeDesktop]:
    built: list[Desktop] = []

    def make(policy: str | bytes | None = None, settings: Settings | None = None) -> Desktop:
        instance = SingleInstance(key=f"test-{uuid.uuid4().hex}")
        assert instance.try_become_primary()
        settings_file = tmp_path / "settings.toml"
        save_settings(settings_file, settings or Settings(captions_on=False))
        policy_file = tmp_path / "policy.toml"
        if isinstance(policy, str):
            policy_file.write_text(policy)
        elif isinstance(policy, bytes):
            policy_file.write_bytes(policy)
        desktop = build_desktop(
            instance,
            settings_file=settings_file,
            devices=DemoDevices("Tester"),
            policy_file=policy_file,
        )
        built.append(desktop)
        return desktop

    yield make
    for desktop in built:
        desktop.window.close()
        desktop.close()


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


def prompt_of(desktop: Desktop) -> LinkPrompt:
    prompt = desktop.window.links.prompt
    assert prompt is not None and prompt.isVisible()
    return prompt


# -- links ------------------------------------------------------------------------------------


def test_an_unapproved_lookalike_host_is_asked_about_in_punycode(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    desktop = make_desktop('allowed_servers = ["*.agriculture.gouv.fr"]\n')
    window = desktop.window
    window.open_link_text(HOMOGLYPH)

    prompt = prompt_of(desktop)
    assert "visio.xn--guv-sed.fr" in prompt.text()
    assert "\u043e" not in prompt.text()  # never the lookalike letters
    assert "not approved" in prompt.text()
    assert prompt.defaultButton() is prompt.button(QMessageBox.StandardButton.No)
    assert prompt.escapeButton() is prompt.button(QMessageBox.StandardButton.No)
    assert window.stack.currentWidget() is window.home  # nothing opened yet
    for button in prompt.buttons():
        assert button.accessibleName() and button.toolTip()

    QTest.mouseClick(prompt.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    assert window.links.prompt is None
    assert window.prejoin.link == parse_link(HOMOGLYPH)
    assert window.prejoin.camera.isEnabled() and window.prejoin.microphone.isEnabled()
    assert not window.prejoin.camera_toggle.isChecked()
    assert not window.prejoin.mic_toggle.isChecked()
    assert "xn--guv-sed" in window.prejoin.where.text()


def test_saying_no_stays_home(qtbot: QtBot, make_desktop: MakeDesktop) -> None:
    desktop = make_desktop()  # no policy: a server never used is asked about too
    window = desktop.window
    link_field = window.home.findChildren(QLineEdit)[0]
    QTest.keyClicks(link_field, f"https://visio.example.fr/{ROOM}")
    QTest.keyClick(link_field, Qt.Key.Key_Return)

    prompt = prompt_of(desktop)
    assert "visio.example.fr" in prompt.text() and "never used" in prompt.text()
    QTest.keyClick(prompt, Qt.Key.Key_Escape)  # Escape is No
    qtbot.waitUntil(lambda: window.links.prompt is None, timeout=WAIT_MS)
    assert window.stack.currentWidget() is window.home
    assert window.prejoin.link is None


def test_a_newer_link_replaces_a_question_still_open(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    desktop = make_desktop()
    window = desktop.window
    window.open_link_text(f"https://first.example.fr/{ROOM}")
    first = prompt_of(desktop)
    desktop.instance.link_received.emit(f"https://second.example.fr/{ROOM}")
    second = prompt_of(desktop)
    assert second is not first and "second.example.fr" in second.text()
    assert not first.isVisible()
    QTest.mouseClick(second.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    assert window.prejoin.link is not None and window.prejoin.link.host == "second.example.fr"


def test_a_refused_link_never_reaches_the_pre_join_screen(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    known = Settings(captions_on=False, known_hosts=("evil.example.fr",))
    desktop = make_desktop(STRICT, known)  # the user's "known" hosts do not override IT
    window = desktop.window
    desktop.instance.link_received.emit(f"visio://evil.example.fr/{ROOM}")  # a second launch

    assert window.links.prompt is None
    assert window.stack.currentWidget() is window.home
    assert window.prejoin.link is None
    banner = window.home.findChild(QLabel, "bannerText")
    assert banner is not None and banner.isVisible()
    assert "evil.example.fr" in banner.text() and "*.gouv.fr" in banner.text()
    assert "IT department" in banner.text()


def test_a_recent_meeting_on_a_server_no_longer_allowed_is_refused(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    recent = RecentMeeting(f"https://old.example.fr/{ROOM}", ROOM, "old.example.fr", 1.0)
    desktop = make_desktop(STRICT, Settings(captions_on=False, recent=(recent,)))
    window = desktop.window
    recent_list = window.home.findChild(QListWidget)
    assert recent_list is not None and recent_list.count() == 1
    recent_list.setCurrentRow(0)
    join = next(
        w for w in window.home.findChildren(QWidget) if w.toolTip() == "Join the selected meeting"
    )
    QTest.mouseClick(join, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    banner = window.home.findChild(QLabel, "bannerText")
    assert banner is not None and "old.example.fr" in banner.text()


def test_a_host_under_an_allowed_pattern_opens_directly(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    desktop = make_desktop(STRICT)
    window = desktop.window
    link_field = window.home.findChildren(QLineEdit)[0]
    QTest.keyClicks(link_field, f"visio://visio.agriculture.gouv.fr/{ROOM}")
    QTest.keyClick(link_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    assert window.links.prompt is None
    assert window.prejoin.link is not None
    assert window.prejoin.link.host == "visio.agriculture.gouv.fr"
    assert not window.prejoin.camera_toggle.isChecked()  # never joined: off, as always


def test_a_broken_policy_is_told_and_refuses_unknown_links(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    desktop = make_desktop(b"allowed_servers = [\xff")  # neither UTF-8 nor TOML
    window = desktop.window
    assert window.services.policy.unreadable
    banner = window.home.findChild(QLabel, "bannerText")
    assert banner is not None and banner.isVisible()
    assert "could not be read" in banner.text() and "captions are off" in banner.text()

    window.open_link(parse_link(f"https://visio.example.fr/{ROOM}"))
    assert window.links.prompt is None
    assert window.stack.currentWidget() is window.home
    assert "visio.example.fr" in banner.text() and "could not be read" in banner.text()
    assert not window.settings.captions_on


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
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.call, timeout=WAIT_MS)
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


def test_new_meetings_go_to_the_policy_server(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop('default_server = "https://visio.agriculture.gouv.fr"\n')
    window = desktop.window
    server_line = next(
        w for w in window.home.findChildren(QLabel) if w.accessibleName() == "Server"
    )
    assert "visio.agriculture.gouv.fr" in server_line.text()
    assert "administrator" in server_line.text()
    new = next(w for w in window.home.findChildren(QWidget) if w.accessibleName() == "New meeting")
    QTest.mouseClick(new, Qt.MouseButton.LeftButton)
    created = [f.text() for f in window.home.findChildren(QLineEdit) if f.isReadOnly()]
    assert created[0].startswith("https://visio.agriculture.gouv.fr/")
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


# -- server-supplied addresses ------------------------------------------------------------------


def test_a_server_sending_the_client_elsewhere_is_refused(
    qtbot: QtBot, make_desktop: MakeDesktop
) -> None:
    server = EmbeddedServer(
        ServerConfig(host="127.0.0.1", port=0, public_url="https://visio.evil.example")
    )
    server.start()
    try:
        desktop = make_desktop()
        window = desktop.window
        window.open_link(parse_link(f"{server.base_url}/{ROOM}"))  # this computer: no question
        assert window.stack.currentWidget() is window.prejoin
        window.prejoin.name.setText("Tester")
        QTest.mouseClick(window.prejoin.join, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.prejoin.error.isVisible, timeout=WAIT_MS)
        assert "tried to send you to another server" in window.prejoin.error.text()
        assert window.stack.currentWidget() is window.prejoin
    finally:
        server.stop()


def test_the_backend_gets_the_policy(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop(STRICT)
    backend = desktop.session._backend_factory(parse_link(f"https://visio.gouv.fr/{ROOM}"))
    assert getattr(backend, "policy", None) == desktop.window.services.policy
    assert desktop.window.services.policy != Policy()
