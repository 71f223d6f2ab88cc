"""The window as a user drives it, on the real embedded server with real aiortc peers: home,
pre-join, a call with three synthetic participants, chat both ways, captions, shortcuts, and
leaving back to home."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.meeting import Bot, start_bots, wait_until_tiles_move
from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.core.links import parse_link
from visio_desktop.core.secrets import host_secret_key
from visio_desktop.desktop import Desktop
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.thread import EngineThread
from visio_desktop.server.runner import EmbeddedServer

WAIT_MS = 30_000


def by_name(root: QWidget, kind: type[QWidget], name: str) -> QWidget:
    for widget in root.findChildren(kind):
        if widget.accessibleName() == name and widget.isVisible():
            return widget
    raise LookupError(f"no visible {kind.__name__} named {name!r}")


def test_from_home_through_a_call_and_back(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, bot_engine: EngineThread
) -> None:
    window = desktop.window
    link_text = f"{server.base_url}/abc-defg-hij"
    assert window.stack.currentWidget() is window.home

    # Home: paste the link and press Enter.
    link_field = window.home.findChildren(QLineEdit)[0]
    QTest.keyClicks(link_field, link_text)
    QTest.keyClick(link_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)

    # Pre-join: a host never joined before starts with camera and microphone off.
    prejoin = window.prejoin
    assert not prejoin.camera_toggle.isChecked() and not prejoin.mic_toggle.isChecked()
    prejoin.name.clear()
    QTest.keyClicks(prejoin.name, "Tester")
    QTest.mouseClick(prejoin.camera_toggle, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prejoin.preview.frames_shown > 0, timeout=WAIT_MS)
    QTest.mouseClick(prejoin.join, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)

    # Three synthetic participants join: four tiles, and the remote ones move.
    call = window.call
    bots = start_bots(bot_engine, parse_link(link_text), 3)
    qtbot.waitUntil(lambda: len(call.grid.tiles()) == 4, timeout=WAIT_MS)
    remote = [tile for tile in call.grid.tiles() if tile.key != SELF_TILE]
    assert sorted(tile.name for tile in remote) == ["Bot 1", "Bot 2", "Bot 3"]
    wait_until_tiles_move(qtbot, remote, WAIT_MS)
    assert "Bot 1 joined the meeting" in call.notifications.history
    self_tile = call.grid.tile(SELF_TILE)
    assert self_tile is not None
    qtbot.waitUntil(lambda: self_tile.frames_shown > 0, timeout=WAIT_MS)  # the self-view

    # Chat: a message typed here reaches a bot, and a bot's reaches the panel.
    call.controls.action("chat").trigger()
    chat_input = call.chat.findChildren(QPlainTextEdit)[0]
    QTest.keyClicks(chat_input, "Bonjour <b>tout le monde</b>")
    QTest.keyClick(chat_input, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: any(
            isinstance(e, ev.ChatReceived) and e.text == "Bonjour <b>tout le monde</b>"
            for e in bots[0].seen()
        ),
        timeout=WAIT_MS,
    )
    bots[1].session.send_chat("Reçu, merci").result(timeout=10)
    qtbot.waitUntil(lambda: "Reçu, merci" in call.chat.history_text(), timeout=WAIT_MS)
    assert "<b>tout le monde</b>" in call.chat.history_text()  # shown as typed, not as HTML

    # Captions: a partial then its final replace each other under the grid.
    segment = bots[2].session.send_caption("Bonjour à", final=False).result(timeout=10)
    qtbot.waitUntil(lambda: "Bot 3: Bonjour à" in call.captions.text(), timeout=WAIT_MS)
    bots[2].session.send_caption("Bonjour à tous", final=True, segment_id=segment).result(10)
    qtbot.waitUntil(lambda: "Bot 3: Bonjour à tous" in call.captions.text(), timeout=WAIT_MS)
    assert call.captions.text().count("Bot 3:") == 1

    # Shortcuts: Ctrl+Alt+H raises the hand and Ctrl+D turns the microphone on; the bots see it.
    QTest.keyClick(
        window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    QTest.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert call.controls.action("hand").isChecked()
    assert call.controls.action("mic").isChecked()

    def tester_state(bot: Bot) -> tuple[bool, bool]:
        updates = [
            e.participant
            for e in bot.seen()
            if isinstance(e, ev.ParticipantUpdated) and e.participant.display_name == "Tester"
        ]
        return (updates[-1].hand_raised, updates[-1].audio) if updates else (False, False)

    qtbot.waitUntil(lambda: tester_state(bots[0]) == (True, True), timeout=WAIT_MS)

    # Leaving returns home, the bots see us go, and the meeting is now a recent one.
    QTest.mouseClick(call.controls.buttons["leave"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: any(
            isinstance(e, ev.ParticipantLeft) and e.display_name == "Tester" for e in bots[0].seen()
        ),
        timeout=WAIT_MS,
    )
    assert window.settings.recent[0].room == "abc-defg-hij"
    for bot in bots:
        bot.session.leave().result(timeout=10)


def test_a_new_meeting_on_the_embedded_server(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    new = by_name(window.home, QWidget, "New meeting")
    QTest.mouseClick(new, Qt.MouseButton.LeftButton)
    field = next(
        f for f in window.home.findChildren(QLineEdit) if f.accessibleName() == "New meeting link"
    )
    qtbot.waitUntil(lambda: bool(field.text()), timeout=WAIT_MS)  # the server made the room
    assert field.text().startswith("http://127.0.0.1:")
    link = parse_link(field.text())
    # Its creator holds its host secret (in the keyring; in memory where there is none).
    assert window.services.session.secrets.get(host_secret_key(link))
    assert desktop.embedded.server is not None and desktop.embedded.server.port == link.port
    QTest.mouseClick(by_name(window.home, QWidget, "Join now"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    assert window.prejoin.link == link


def test_an_unreachable_server_is_explained(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    server = EmbeddedServer()
    server.start()
    link = parse_link(f"{server.base_url}/abc-defg-hij")
    server.stop()  # nothing listens there any more
    window.open_link(link)
    window.prejoin.name.setText("Tester")
    QTest.mouseClick(window.prejoin.join, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.prejoin.error.isVisible, timeout=WAIT_MS)
    assert window.prejoin.error.text().startswith(
        "The meeting server 127.0.0.1 refused the connection"
    )
    assert window.stack.currentWidget() is window.prejoin
    assert window.prejoin.join.isEnabled()  # the user can try again


def test_losing_the_server_shows_reconnecting(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer
) -> None:
    window = desktop.window
    window.join_now(parse_link(f"{server.base_url}/abc-defg-hij"), "Tester", False, False)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
    server.stop()
    qtbot.waitUntil(window.call.banner.isVisible, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Reconnecting" in window.call.banner.text(), timeout=WAIT_MS)


def test_full_screen_with_f11_and_escape(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.stack.setCurrentWidget(window.call)
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert not window.call.controls.action("fullscreen").isChecked()


def test_a_device_problem_is_said_where_the_user_is(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.open_link(parse_link("http://127.0.0.1:9/abc-defg-hij"))
    window.show_device_problem("The microphone (USB Headset) is used by another application.")
    assert window.prejoin.error.text().startswith("The microphone (USB Headset) is used")
    window.state.join_started(1, "abc-defg-hij", "Tester", audio=False, video=False)
    assert window.stack.currentWidget() is window.call  # the call screen, connecting
    window.show_device_problem("The camera was unplugged.")
    assert window.call.notifications.history[-1] == "The camera was unplugged."
