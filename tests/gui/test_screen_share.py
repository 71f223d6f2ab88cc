"""Screen sharing in the window, on the real embedded server with real aiortc peers: another
participant's screen is shown large in speaker view and goes away when they stop; our own
screen (a real x11grab of an Xvfb display started here) is chosen in the picker, reaches the
other participant at full resolution, and stops from the shortcut."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.gui.meeting import join_with_colleague
from tests.screen_sources import fake_screen
from tests.xvfb import running_xvfb
from visio_desktop.core.kinds import TileKey
from visio_desktop.desktop import Desktop
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.screen import WholeScreen, Window
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.grid import ViewMode
from visio_desktop.ui.screen_share import ScreenPicker

WAIT_MS = 30_000
SHARE = (Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


@pytest.fixture
def x_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An X server to share: the window itself stays offscreen, x11grab reads this display."""
    with running_xvfb() as display:
        monkeypatch.setenv("DISPLAY", display)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
        yield display


def test_screens_shared_by_others_and_by_us(
    qtbot: QtBot,
    desktop: Desktop,
    server: EmbeddedServer,
    bot_engine: EngineThread,
    x_display: str,
) -> None:
    window, call = desktop.window, desktop.window.call
    _, colleague = join_with_colleague(qtbot, desktop, server, bot_engine, video=False)
    qtbot.waitUntil(lambda: len(call.grid.tiles()) == 2, timeout=WAIT_MS)
    grid = call.grid
    assert not call.controls.action("view").isChecked()  # the grid view

    # The colleague shares: the screen comes large in speaker view, with their camera beside.
    colleague.session.share_screen(fake_screen).result(timeout=30)
    key = TileKey.screen(colleague.id)
    qtbot.waitUntil(lambda: grid.tile(key) is not None, timeout=WAIT_MS)
    screen = grid.tile(key)
    assert screen is not None and screen.name == "Colleague's screen"
    qtbot.waitUntil(lambda: screen.frames_shown > 0, timeout=WAIT_MS)
    assert grid.mode is ViewMode.SPEAKER and grid.visible_keys()[0] == key
    others = [t for t in grid.tiles() if t.key != key]
    assert all(screen.width() > 2 * t.width() for t in others)
    assert call.controls.action("view").isChecked()
    assert "Colleague is sharing their screen" in call.notifications.history
    assert screen.volume_menu().actions()[-1].text() == "Pin"  # no volume for a screen

    colleague.session.share_screen(None).result(timeout=30)
    qtbot.waitUntil(lambda: grid.tile(key) is None, timeout=WAIT_MS)
    assert grid.mode.value == ViewMode.GRID.value  # the view we had comes back
    assert not call.controls.action("view").isChecked()

    # We share: the shortcut opens the picker, which offers the screen (and windows).
    QTest.keyClick(window, *SHARE)
    picker = call.picker
    assert picker is not None and picker.isVisible()
    entire = [entry for entry in picker.entries() if entry.startswith("Entire screen")]
    assert entire and picker.select(entire[0])
    QTest.mouseClick(picker.share_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: call.sharing, timeout=WAIT_MS)
    assert call.controls.action("share").isChecked() and call.sharing_bar.isVisible()
    assert call.controls.action("share").text() == "Stop sharing"
    qtbot.waitUntil(lambda: colleague.sees_tester_sharing() is True, timeout=WAIT_MS)
    # x11grab of the whole Xvfb screen, at its full resolution.
    screen_key = TileKey.screen(colleague.tester_id())
    qtbot.waitUntil(lambda: colleague.got_size(screen_key, (1280, 800)), timeout=WAIT_MS)
    assert grid.tile(TileKey.screen(window.state.self_id)) is None  # none of our own screen

    # The shortcut stops it; the colleague sees it end.
    QTest.keyClick(window, *SHARE)
    qtbot.waitUntil(lambda: not call.sharing, timeout=WAIT_MS)
    assert not call.sharing_bar.isVisible() and call.picker is None
    qtbot.waitUntil(lambda: colleague.sees_tester_sharing() is False, timeout=WAIT_MS)
    colleague.session.leave().result(timeout=30)


def test_the_picker_offers_screens_then_other_windows(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    own = int(window.winId())
    listed = [Window(0x400001, "Tableur — budget 2027"), Window(own, "Visio"), Window(7, "")]
    picker = ScreenPicker(window, lister=lambda: listed)
    picker.open()
    qtbot.waitUntil(lambda: len(picker.entries()) == 2, timeout=WAIT_MS)  # the listing thread
    assert picker.entries()[0].startswith("Entire screen")
    assert isinstance(picker.target(), WholeScreen)  # chosen unless the user picks a window
    assert picker.select("Tableur — budget 2027")
    with qtbot.waitSignal(picker.chosen) as chosen:
        QTest.mouseClick(picker.share_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [Window(0x400001, "Tableur — budget 2027")]


@pytest.mark.parametrize(
    ("env", "words"),
    [({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, "Wayland"), ({}, "no display")],
)
def test_where_sharing_cannot_work_the_button_says_why(
    desktop: Desktop, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], words: str
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    call = desktop.window.call
    call.controls.action("share").trigger()
    assert call.picker is None and not call.controls.action("share").isChecked()
    assert words in call.notifications.history[-1]
