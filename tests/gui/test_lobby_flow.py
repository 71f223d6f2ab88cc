"""A newcomer meets a lobby in the real window, on the real embedded server: the link, the
pre-join screen with the camera on, the waiting screen showing that camera, then a host (a real
session) lets them in and the call shows the people already there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.engine.conftest import EventLog
from tests.gui.meeting import wait_until_tiles_move
from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.core.roles import Access
from visio_desktop.desktop import Desktop
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.server.runner import EmbeddedServer

WAIT_MS = 30_000
WAIT = 30.0


def test_a_newcomer_waits_with_their_camera_and_enters_when_let_in(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, bot_engine: EngineThread
) -> None:
    # The secretariat created the meeting with a lobby, and is in it with its camera.
    host_log = EventLog()
    host = Session(bot_engine, host_log)
    link = host.create_meeting(server.base_url, Access.LOBBY).result(timeout=WAIT)
    sources = SyntheticSources("Secrétariat", width=320, height=180, fps=15)
    host.join(link, "Secrétariat", MediaOptions(audio=True, video=True, sources=sources)).result(
        timeout=WAIT
    )
    try:
        window = desktop.window
        window.open_link(link)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
        prejoin = window.prejoin
        prejoin.name.clear()
        QTest.keyClicks(prejoin.name, "Accueil")
        QTest.mouseClick(prejoin.camera_toggle, Qt.MouseButton.LeftButton)
        QTest.mouseClick(prejoin.join, Qt.MouseButton.LeftButton)

        # The waiting screen, with the camera chosen before, and nothing of the room.
        waiting = window.waiting
        qtbot.waitUntil(lambda: window.stack.currentWidget() is waiting, timeout=WAIT_MS)
        assert waiting.display_name == "Accueil" and waiting.room == link.room
        qtbot.waitUntil(lambda: waiting.preview.frames_shown > 0, timeout=WAIT_MS)

        # The host lets them in: the call, with the host's moving tile.
        entry = host_log.wait_for(ev.LobbyChanged, lambda e: len(e.waiting) == 1).waiting[0]
        assert entry.display_name == "Accueil"
        assert not any(isinstance(e, ev.ParticipantJoined) for e in host_log.seen)  # not yet
        host.admit((entry.id,)).result(timeout=WAIT)
        qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
        grid = window.call.grid
        qtbot.waitUntil(lambda: len(grid.tiles()) == 2, timeout=WAIT_MS)
        remote = [tile for tile in grid.tiles() if tile.key != SELF_TILE]
        assert [tile.name for tile in remote] == ["Secrétariat"]
        wait_until_tiles_move(qtbot, remote, WAIT_MS)
        arrived = host_log.wait_for(ev.ParticipantJoined).participant
        assert (arrived.display_name, arrived.video) == ("Accueil", True)
    finally:
        host.leave().result(timeout=WAIT)
