"""Joining a meeting already in progress, as a newcomer does it: the link, the pre-join
screen, a name, Join, and a room where people already are. Real window (offscreen), the real
embedded server, and synthetic participants in engines of their own.

These are the paths that matter most and that joining an empty room first never exercised:
the roster and the first connection states arrive before the join's result, and what happens
while the pre-join screen shows must not be lost."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.gui.meeting import Bot, start_bots, wait_until_tiles_move
from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.desktop import Desktop, build_desktop
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.devices import DemoDevices
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig
from visio_desktop.ui.call import CallView
from visio_desktop.ui.main_window import MainWindow
from visio_desktop.ui.single_instance import SingleInstance

WAIT_MS = 60_000
ROOT = Path(__file__).resolve().parents[2]


def room(server: EmbeddedServer) -> MeetingLink:
    return parse_link(f"{server.base_url}/abc-defg-hij")


def join_from_prejoin(qtbot: QtBot, window: MainWindow, name: str = "Tester") -> None:
    """On the pre-join screen: type a name and press Enter, as a user does."""
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    prejoin = window.prejoin
    prejoin.name.clear()
    QTest.keyClicks(prejoin.name, name)
    QTest.keyClick(prejoin.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)


def assert_everyone_is_shown(qtbot: QtBot, call: CallView, names: list[str]) -> None:
    """Exactly these people have a tile, their video moves, the list names them, and no
    connection banner is left."""

    def remote_names() -> list[str]:
        return sorted(tile.name for tile in call.grid.tiles() if tile.key != SELF_TILE)

    qtbot.waitUntil(lambda: remote_names() == sorted(names), timeout=WAIT_MS)
    remote = [tile for tile in call.grid.tiles() if tile.key != SELF_TILE]
    wait_until_tiles_move(qtbot, remote, WAIT_MS)
    assert call.participants.count() == len(names) + 1
    listed = "\n".join(call.participants.rows())
    assert all(name in listed for name in names), listed
    assert not call.banner.isVisible(), call.banner.text()


def leave_all(bots: list[Bot]) -> None:
    for bot in bots:
        bot.session.leave().result(timeout=30)


@pytest.mark.parametrize("present", [2, 5])
def test_joining_from_the_prejoin_screen_into_a_room_in_progress(
    qtbot: QtBot,
    desktop: Desktop,
    server: EmbeddedServer,
    bot_engine: EngineThread,
    present: int,
) -> None:
    link = room(server)
    bots = start_bots(bot_engine, link, present)
    window = desktop.window
    window.open_link(link)
    join_from_prejoin(qtbot, window)
    assert_everyone_is_shown(qtbot, window.call, [bot.name for bot in bots])
    assert window.windowTitle().startswith("abc-defg-hij")

    # Everyone already there sees the newcomer too.
    def sees_newcomer(bot: Bot) -> bool:
        return any(
            isinstance(e, ev.ParticipantJoined) and e.participant.display_name == "Tester"
            for e in bot.seen()
        )

    qtbot.waitUntil(lambda: all(sees_newcomer(bot) for bot in bots), timeout=WAIT_MS)
    leave_all(bots)


def test_who_comes_and_goes_during_the_prejoin_screen_is_shown_on_arrival(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, bot_engine: EngineThread
) -> None:
    link = room(server)
    first, second = start_bots(bot_engine, link, 2)
    window = desktop.window
    window.open_link(link)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    first.session.leave().result(timeout=30)
    (late,) = start_bots(bot_engine, link, 1, first=3)
    join_from_prejoin(qtbot, window)
    assert_everyone_is_shown(qtbot, window.call, [second.name, late.name])
    assert "Bot 1" not in "\n".join(window.call.participants.rows())
    leave_all([second, late])


@pytest.fixture
def handover_desktop(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[Desktop, dict[str, str]]]:
    """The window listening for later launches under the key that a launch with the returned
    environment uses."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    key = subprocess.run(
        [sys.executable, "-c", "from visio_desktop.ui.single_instance import default_key as k;"
         "print(k())"],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.strip()  # fmt: skip
    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    instance = SingleInstance(key=key)
    assert instance.try_become_primary()
    settings = tmp_path / "settings.toml"
    settings.write_text("version = 1\ncaptions_on = false\n")
    built = build_desktop(instance, settings_file=settings, devices=DemoDevices("Tester"))
    built.window.resize(1280, 800)
    yield built, env
    built.window.close()
    built.close()
    if saved is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = saved


def test_a_link_handed_to_the_running_window_joins_a_populated_room(
    qtbot: QtBot,
    handover_desktop: tuple[Desktop, dict[str, str]],
    server: EmbeddedServer,
    bot_engine: EngineThread,
) -> None:
    desktop, env = handover_desktop
    window = desktop.window
    link = room(server)
    bots = start_bots(bot_engine, link, 2)
    assert window.stack.currentWidget() is window.home
    second = subprocess.Popen(
        [sys.executable, "-m", "visio_desktop", link.web_url],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=WAIT_MS)
    _, errors = second.communicate()
    assert second.returncode == 0, errors
    join_from_prejoin(qtbot, window)
    assert_everyone_is_shown(qtbot, window.call, [bot.name for bot in bots])
    leave_all(bots)


def test_a_server_restart_during_a_populated_call_brings_everyone_back(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, bot_engine: EngineThread
) -> None:
    link = room(server)
    bots = start_bots(bot_engine, link, 2)
    window = desktop.window
    window.open_link(link)
    join_from_prejoin(qtbot, window)
    call = window.call
    assert_everyone_is_shown(qtbot, call, ["Bot 1", "Bot 2"])
    port = server.port
    server.stop()
    replacement = EmbeddedServer(ServerConfig(host="127.0.0.1", port=port))
    replacement.start()
    try:
        qtbot.waitUntil(lambda: window.state.phase is Phase.RECONNECTING, timeout=WAIT_MS)
        assert "Reconnecting" in call.banner.text()
        qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
        assert_everyone_is_shown(qtbot, call, ["Bot 1", "Bot 2"])
        assert len(call.grid.tiles()) == 3  # nobody is shown twice after the rejoin
        leave_all(bots)
    finally:
        replacement.stop()
