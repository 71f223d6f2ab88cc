"""The remote videos on screen, as the window reports them to the engine (`Session.show_tiles`,
which an SFU uses to receive only these, at about this size): a page of the grid, the speaker
view's featured tile and strip, a shared screen, sizes in device pixels that follow the window,
and nothing at all when the call view is hidden, minimised or left.

The call view alone is fed a call state by hand (20 participants cost nothing); the real window
joins a real meeting on the embedded server and its state is fed the same participants, so what
it reports reaches the real session and its mesh plane."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from visio_desktop.core.kinds import SELF_TILE, TileKey, TileKind
from visio_desktop.core.links import parse_link
from visio_desktop.core.protocol import LeaveReason, ParticipantInfo
from visio_desktop.desktop import Desktop
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.call_state import CallState
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.call import CallView
from visio_desktop.ui.grid import TileGrid, ViewMode
from visio_desktop.ui.layout import PAGE_SIZE
from visio_desktop.ui.visible_tiles import TileSizes

WAIT_MS = 30_000
ROOT = Path(__file__).resolve().parents[2]
ROOM = "abc-defg-hij"
Reports = list[TileSizes]


def camera(number: int) -> TileKey:
    return TileKey.camera(f"p{number:02d}")


def person(number: int, **state: Any) -> ParticipantInfo:
    return ParticipantInfo(id=f"p{number:02d}", display_name=f"Person {number}", **state)


def cameras(numbers: range) -> set[TileKey]:
    return {camera(n) for n in numbers}


def on_screen(grid: TileGrid) -> TileSizes:
    """What the grid shows, measured independently: visible remote tiles at their size."""
    return {
        tile.key: (
            round(tile.width() * tile.devicePixelRatioF()),
            round(tile.height() * tile.devicePixelRatioF()),
        )
        for tile in grid.tiles()
        if tile.isVisible() and tile.key.kind in (TileKind.CAMERA, TileKind.SCREEN)
    }


def wait_for_report(qtbot: QtBot, reports: Reports, keys: set[TileKey]) -> TileSizes:
    qtbot.waitUntil(lambda: bool(reports) and set(reports[-1]) == keys, timeout=WAIT_MS)
    return reports[-1]


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[CallView]:
    state = CallState()
    call = CallView(state, lambda key, w, h: None, lambda key: None)
    qtbot.addWidget(call)
    call.resize(1280, 800)
    call.show()
    state.join_started(1, ROOM, "Agent", audio=False, video=False)
    call.start(ROOM)
    yield call


@pytest.fixture
def reports(view: CallView) -> Reports:
    seen: Reports = []
    view.tiles_shown.connect(seen.append)
    return seen


def join(state: CallState, count: int) -> None:
    """`count` participants in all, the local one included, in one roster."""
    me = ParticipantInfo(id="me", display_name="Agent")
    others = tuple(person(n, video=True) for n in range(1, count))
    state.apply(ev.Joined(ROOM, "me", (me, *others)))


def test_twenty_people_report_the_page_shown_then_the_next(
    qtbot: QtBot, view: CallView, reports: Reports
) -> None:
    join(view.state, 20)
    first = wait_for_report(qtbot, reports, cameras(range(1, PAGE_SIZE)))  # our tile is first
    assert len(reports) == 1  # the burst of 19 arrivals and their layouts: one report
    assert SELF_TILE not in first
    assert first == on_screen(view.grid)
    view.pager.next.click()
    second = wait_for_report(qtbot, reports, cameras(range(PAGE_SIZE, 20)))
    assert second == on_screen(view.grid)
    assert min(second.values()) > max(first.values())  # four tiles a page are larger
    view.pager.previous.click()
    assert wait_for_report(qtbot, reports, cameras(range(1, PAGE_SIZE))) == first


def test_nothing_changed_is_not_reported_again(
    qtbot: QtBot, view: CallView, reports: Reports
) -> None:
    join(view.state, 5)
    wait_for_report(qtbot, reports, cameras(range(1, 5)))
    view.grid.relayout()
    view.grid.set_page(0)
    view.visible.flush()  # whatever the timer would do, now
    assert len(reports) == 1


def test_the_speaker_view_reports_the_featured_tile_large_and_the_strip_small(
    qtbot: QtBot, view: CallView, reports: Reports
) -> None:
    join(view.state, 20)
    wait_for_report(qtbot, reports, cameras(range(1, PAGE_SIZE)))
    view.grid.pin(camera(9))
    # Featured, then the strip: six tiles, our own among them, so five remote ones.
    shown = wait_for_report(qtbot, reports, {camera(9), *cameras(range(1, 6))})
    assert view.grid.mode is ViewMode.SPEAKER
    assert shown == on_screen(view.grid)
    featured_width, featured_height = shown.pop(camera(9))
    assert all(featured_width > 4 * w and featured_height > 4 * h for w, h in shown.values())
    view.grid.pin(None)  # the active speaker, else the first remote participant is featured
    view.state.apply(ev.AudioLevels(((camera(12), 0.9),)))
    wait_for_report(qtbot, reports, {camera(12), *cameras(range(1, 6))})


def test_a_shared_screen_is_featured(qtbot: QtBot, view: CallView, reports: Reports) -> None:
    join(view.state, 20)
    wait_for_report(qtbot, reports, cameras(range(1, PAGE_SIZE)))
    view.state.apply(ev.ParticipantUpdated(person(17, video=True, screen=True)))
    screen = TileKey.screen("p17")
    shown = wait_for_report(qtbot, reports, {screen, *cameras(range(1, 6))})
    assert shown[screen][0] > 4 * shown[camera(1)][0]
    view.state.apply(ev.ParticipantUpdated(person(17, video=True, screen=False)))
    wait_for_report(qtbot, reports, cameras(range(1, PAGE_SIZE)))  # the grid comes back


def test_sizes_follow_the_window(qtbot: QtBot, view: CallView, reports: Reports) -> None:
    join(view.state, 4)
    large = wait_for_report(qtbot, reports, cameras(range(1, 4)))
    view.resize(800, 500)
    qtbot.waitUntil(lambda: reports[-1] != large, timeout=WAIT_MS)
    small = reports[-1]
    assert set(small) == set(large) and small == on_screen(view.grid)
    assert all(small[key][0] < large[key][0] for key in large)


def test_arrivals_and_departures_are_reported(
    qtbot: QtBot, view: CallView, reports: Reports
) -> None:
    join(view.state, 3)
    wait_for_report(qtbot, reports, cameras(range(1, 3)))
    view.state.apply(ev.ParticipantJoined(person(3)))
    wait_for_report(qtbot, reports, cameras(range(1, 4)))
    view.state.apply(ev.ParticipantLeft("p01", "Person 1", LeaveReason.LEFT))
    wait_for_report(qtbot, reports, {camera(2), camera(3)})


def test_a_hidden_or_minimised_call_view_shows_nothing(
    qtbot: QtBot, view: CallView, reports: Reports
) -> None:
    join(view.state, 4)
    shown = wait_for_report(qtbot, reports, cameras(range(1, 4)))
    view.hide()
    wait_for_report(qtbot, reports, set())
    view.show()
    assert wait_for_report(qtbot, reports, cameras(range(1, 4))) == shown
    view.showMinimized()
    wait_for_report(qtbot, reports, set())
    view.showNormal()
    assert wait_for_report(qtbot, reports, cameras(range(1, 4))) == shown


class ShownRecorder:
    """Wraps Session.show_tiles: remembers what the window asked for, and still asks."""

    def __init__(self, desktop: Desktop) -> None:
        self._show = desktop.session.show_tiles
        self.calls: Reports = []
        self.futures: list[concurrent.futures.Future[None]] = []

    def __call__(self, tiles: TileSizes) -> concurrent.futures.Future[None]:
        self.calls.append(dict(tiles))
        future = self._show(tiles)
        self.futures.append(future)
        return future


def test_the_window_tells_the_session_what_it_shows(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = ShownRecorder(desktop)
    monkeypatch.setattr(desktop.session, "show_tiles", recorder)
    window = desktop.window
    window.show()
    window.join_now(parse_link(f"{server.base_url}/{ROOM}"), "Tester", False, False)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
    for number in range(1, 20):  # as the engine would tell it: the roster grows to 20
        window.state.apply(ev.ParticipantJoined(person(number, video=True)))
    grid = window.call.grid
    first = wait_for_report(qtbot, recorder.calls, cameras(range(1, PAGE_SIZE)))
    assert first == on_screen(grid)
    window.call.pager.next.click()
    wait_for_report(qtbot, recorder.calls, cameras(range(PAGE_SIZE, 20)))
    window.call.controls.action("view").setChecked(True)  # speaker view: the first featured
    speaker = wait_for_report(qtbot, recorder.calls, cameras(range(1, 7)))  # and 5 in the strip
    assert speaker == on_screen(grid)
    assert speaker[camera(1)][0] > 4 * speaker[camera(2)][0]
    window.resize(900, 600)
    qtbot.waitUntil(lambda: recorder.calls[-1] != speaker, timeout=WAIT_MS)
    smaller = recorder.calls[-1]
    assert set(smaller) == set(speaker) and smaller == on_screen(grid)
    assert smaller[camera(1)][0] < speaker[camera(1)][0]
    for future in recorder.futures:  # the meeting (and its mesh plane) took each one
        assert future.result(timeout=WAIT_MS) is None
    shown: Reports = []
    window.call.tiles_shown.connect(shown.append)
    window.leave()  # the call view hides: nothing is on screen (the meeting is over anyway)
    wait_for_report(qtbot, shown, set())
    assert window.stack.currentWidget() is window.home


_SCALED = """
from PySide6.QtWidgets import QApplication
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_state import CallState
from visio_desktop.ui.call import CallView

app = QApplication([])
state = CallState()
view = CallView(state, lambda key, w, h: None, lambda key: None)
view.resize(1280, 800)
view.show()
state.join_started(1, "abc-defg-hij", "Agent", audio=False, video=False)
view.start("abc-defg-hij")
me = ParticipantInfo(id="me", display_name="Agent")
state.apply(ev.Joined("abc-defg-hij", "me", (me, ParticipantInfo(id="p01", display_name="B"))))
app.processEvents()
view.visible.flush()
tile = view.grid.tiles()[1]
print(tile.devicePixelRatioF(), tile.width(), tile.height(), *view.visible.reported.values())
"""


def test_sizes_are_in_device_pixels() -> None:
    """On a screen scaled 2x, a tile of 628 x 353 points asks for 1256 x 706 pixels."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    run = subprocess.run(
        [sys.executable, "-c", _SCALED],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    ratio, width, height, reported = run.stdout.split(" ", 3)
    assert float(ratio) == 2.0
    assert reported.strip() == f"({2 * int(width)}, {2 * int(height)})"
