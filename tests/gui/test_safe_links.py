"""The real window deciding about links under a system policy: allowed, asked about (host in
punycode, camera and microphone off) or refused; a broken policy refusing unknown links; and a
server that tries to send the client to another host, refused before joining."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.gui.conftest import STRICT, MakeDesktop
from visio_desktop.core.links import parse_link
from visio_desktop.core.settings import RecentMeeting, Settings
from visio_desktop.desktop import Desktop
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig
from visio_desktop.ui.link_prompt import LinkPrompt

WAIT_MS = 30_000
ROOM = "abc-defg-hij"
HOMOGLYPH = f"https://visio.g\u043euv.fr/{ROOM}"  # a Cyrillic o (U+043E) in "gouv"


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
