"""The call view's parts without a network, rendered from a call state fed by hand: the grid
at 1, 4, 9 and 17 participants, speaker view and pinning, the shortcuts and their help list,
notifications, the active speaker, connection states and connection quality."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from visio_desktop.core.kinds import SELF_TILE, MediaKind, PeerState, TileKey
from visio_desktop.core.protocol import LeaveReason, ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Quality
from visio_desktop.engine.call_state import CallState, quality
from visio_desktop.engine.stats import RemoteStats, frame_rates
from visio_desktop.ui.call import CallView
from visio_desktop.ui.controls import ShortcutsDialog
from visio_desktop.ui.grid import ViewMode
from visio_desktop.ui.tiles import VideoTile, initials

sizes: dict[TileKey, tuple[int, int]] = {}


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[CallView]:
    sizes.clear()
    state = CallState()
    call = CallView(state, lambda key, w, h: sizes.__setitem__(key, (w, h)), lambda key: None)
    qtbot.addWidget(call)
    call.resize(1280, 800)
    call.show()
    state.join_started(1, "abc-defg-hij", "Agent", audio=False, video=False)
    call.start("abc-defg-hij")
    yield call


def feed(view: CallView, event: ev.Event) -> None:
    view.state.apply(event)


def camera(number: int) -> TileKey:
    return TileKey.camera(f"p{number:02d}")


def person(number: int, **state: Any) -> ParticipantInfo:
    return ParticipantInfo(id=f"p{number:02d}", display_name=f"Person {number}", **state)


def join(view: CallView, count: int) -> None:
    """`count` participants in all, the local one included."""
    others = tuple(person(n) for n in range(1, count))
    me = ParticipantInfo(id="me", display_name="Agent")
    feed(view, ev.Joined("abc-defg-hij", "me", (me, *others)))


def visible_tiles(view: CallView) -> list[TileKey]:
    return [tile.key for tile in view.grid.tiles() if tile.isVisible()]


@pytest.mark.parametrize(("count", "columns", "rows"), [(1, 1, 1), (4, 2, 2), (9, 3, 3)])
def test_the_grid_at_one_four_and_nine(view: CallView, count: int, columns: int, rows: int) -> None:
    join(view, count)
    shown = [tile for tile in view.grid.tiles() if tile.isVisible()]
    assert len(shown) == count
    assert len({tile.x() for tile in shown}) == columns
    assert len({tile.y() for tile in shown}) == rows
    for tile in shown:
        assert abs(tile.width() / tile.height() - 16 / 9) < 0.05
        assert sizes[tile.key] == (tile.width(), tile.height())  # the renderer knows the size
    assert not view.pager.isVisible()


def test_seventeen_participants_page(view: CallView) -> None:
    join(view, 17)
    assert len(visible_tiles(view)) == 16
    assert view.pager.isVisible()
    assert view.pager.label.text() == "Page 1 of 2"
    QTest.mouseClick(view.pager.next, Qt.MouseButton.LeftButton)
    assert visible_tiles(view) == [camera(16)]
    assert sizes[camera(1)] == (0, 0)  # a tile off the page costs no rendering
    assert not view.pager.next.isEnabled()
    feed(view, ev.ParticipantLeft("p16", "Person 16", LeaveReason.LEFT))
    assert not view.pager.isVisible()
    assert len(visible_tiles(view)) == 16


def test_a_pinned_tile_fills_the_speaker_view(view: CallView, qtbot: QtBot) -> None:
    join(view, 5)
    tile = view.grid.tile(camera(3))
    assert tile is not None
    QTest.mouseDClick(tile, Qt.MouseButton.LeftButton)
    assert view.grid.mode is ViewMode.SPEAKER and view.grid.pinned == camera(3)
    assert view.controls.action("view").isChecked()
    largest = max(view.grid.tiles(), key=lambda t: t.width() if t.isVisible() else 0)
    assert largest.key == camera(3) and tile.pinned
    QTest.mouseDClick(tile, Qt.MouseButton.LeftButton)  # unpin
    assert view.grid.pinned is None


def test_the_loudest_voice_is_highlighted_without_flicker(view: CallView) -> None:
    join(view, 3)
    feed(view, ev.AudioLevels(((camera(1), 0.8), (camera(2), 0.1))))
    assert view.grid.active_speaker == camera(1)
    feed(view, ev.AudioLevels(((camera(1), 0.8), (camera(2), 0.82))))  # about as loud: stays
    assert view.grid.active_speaker == camera(1)
    feed(view, ev.AudioLevels(((camera(1), 0.5), (camera(2), 0.9))))
    assert view.grid.active_speaker == camera(2)
    tile = view.grid.tile(camera(2))
    assert tile is not None and tile.speaking and "speaking" in tile.accessibleDescription()
    for _ in range(6):
        feed(view, ev.AudioLevels(((camera(1), 0.0), (camera(2), 0.0))))
    assert view.grid.active_speaker is None


def test_every_control_has_a_shortcut_listed_in_help(view: CallView) -> None:
    dialog = ShortcutsDialog(view.controls, view)
    rows = dict(dialog.rows())
    assert rows["Microphone on or off"] == "Ctrl+D"
    assert rows["Camera on or off"] == "Ctrl+E"
    assert rows["Raise or lower your hand"] == "Ctrl+Alt+H"
    assert rows["Leave the meeting"] == "Ctrl+Shift+H"
    assert len(rows) == len(view.controls.actions_by_name)
    assert all(shortcut for shortcut in rows.values())
    for name, button in view.controls.buttons.items():
        assert button.accessibleName(), name
        assert button.toolTip(), name


def test_shortcuts_toggle_the_state(view: CallView, qtbot: QtBot) -> None:
    toggled: list[tuple[MediaKind, bool]] = []
    view.media_toggled.connect(lambda kind, on: toggled.append((kind, on)))
    view.activateWindow()
    QTest.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert toggled == [
        (MediaKind.VIDEO, True),
        (MediaKind.AUDIO, True),
        (MediaKind.AUDIO, False),
    ]
    QTest.keyClick(
        view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    assert view.side.isVisible() and view.side.currentWidget() is view.chat
    QTest.keyClick(
        view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    assert view.side.currentWidget() is view.participants
    assert not view.controls.action("chat").isChecked()


def test_joins_leaves_and_hands_are_announced(view: CallView) -> None:
    join(view, 2)
    feed(view, ev.ParticipantJoined(person(7)))
    feed(view, ev.ParticipantUpdated(person(7, hand_raised=True)))
    feed(view, ev.ParticipantUpdated(person(7, hand_raised=True)))  # no second notice
    feed(view, ev.ParticipantLeft("p07", "Person 7", LeaveReason.LEFT))
    assert view.notifications.history == [
        "Person 7 joined the meeting",
        "Person 7 raised a hand",
        "Person 7 left the meeting",
    ]
    assert view.notifications.visible_texts() == view.notifications.history
    for number in range(3):
        view.notifications.notify(f"notice {number}")
    assert len(view.notifications.visible_texts()) == 3  # the oldest make room


def test_reconnecting_and_disconnected_are_shown(view: CallView) -> None:
    assert view.banner.isVisible() and view.banner.text() == "Connecting…"
    join(view, 2)
    assert not view.banner.isVisible()  # the roster says we are in
    feed(view, ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING, "server gone"))
    assert view.banner.isVisible() and "Reconnecting" in view.banner.text()
    assert not view.home_button.isVisible()
    feed(view, ev.ConnectionStateChanged(ev.ConnectionState.CONNECTED))
    assert not view.banner.isVisible()
    feed(view, ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, "gave up"))
    assert "Disconnected" in view.banner.text() and "gave up" in view.banner.text()
    assert view.home_button.isVisible()


def test_tiles_show_muted_hand_and_quality(view: CallView) -> None:
    join(view, 2)
    feed(view, ev.ParticipantUpdated(person(1, audio=False, video=True, hand_raised=True)))
    tile = view.grid.tile(camera(1))
    assert tile is not None
    assert not tile.audio_on and tile.video_on and tile.hand_raised
    assert "microphone off" in tile.accessibleDescription()
    frames: dict[str, int] = {}

    def poll(video_frames: int) -> None:
        stats = [RemoteStats("p01", "Person 1", video_frames, 25.0, None, None, 10, 0, 0, None)]
        view.state.apply_stats(frame_rates(frames, stats, 2.0))

    poll(0)
    assert quality_of(tile) is Quality.UNKNOWN  # no rate from one poll
    poll(50)
    assert quality_of(tile) is Quality.GOOD
    poll(54)
    assert quality_of(tile) is Quality.POOR
    poll(104)
    assert quality_of(tile) is Quality.GOOD
    feed(view, ev.PeerStateChanged("p01", PeerState.FAILED))
    assert quality_of(tile) is Quality.POOR


def quality_of(tile: VideoTile) -> Quality:
    return tile.quality


def test_quality_and_initials() -> None:
    assert quality(video_on=True, fps=25, audio_flowing=True) is Quality.GOOD
    assert quality(video_on=True, fps=7, audio_flowing=True) is Quality.FAIR
    assert quality(video_on=False, fps=0, audio_flowing=True) is Quality.GOOD
    assert quality(video_on=False, fps=0, audio_flowing=False) is Quality.UNKNOWN
    assert initials("Secrétariat général") == "SG"
    assert initials("Agent") == "AG"
    assert initials("  ") == "?"


def test_missing_speech_model_is_explained_with_a_way_to_get_one(
    view: CallView, qtbot: QtBot
) -> None:
    feed(view, ev.CaptionsStateChanged(ev.CaptionsState.UNAVAILABLE, "no speech model"))
    assert view.models_button.isVisible()
    assert "no speech model is installed" in view.captions_notice.text()
    with qtbot.waitSignal(view.models_requested):
        QTest.mouseClick(view.models_button, Qt.MouseButton.LeftButton)
    feed(view, ev.CaptionsStateChanged(ev.CaptionsState.ON))
    assert not view.models_button.isVisible() and not view.captions_notice.isVisible()
    assert view.notifications.history[-1].startswith("Your captions are on")


def test_a_participant_can_be_quieter_for_me_only(view: CallView, qtbot: QtBot) -> None:
    join(view, 3)
    tile = view.grid.tile(camera(1))
    assert tile is not None
    menu = tile.volume_menu()
    mute = next(action for action in menu.actions() if action.text() == "Mute for me")
    with qtbot.waitSignal(view.volume_changed) as changed:
        mute.trigger()
    assert changed.args == ["p01", 0.0]
    checked = [action.text() for action in tile.volume_menu().actions() if action.isChecked()]
    assert checked == ["Mute for me"]
    own = view.grid.tile(SELF_TILE)
    assert own is not None
    assert [action.text() for action in own.volume_menu().actions()] == ["Pin"]
