"""The home screen, driven as a user would: typing, clicking, pressing Enter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TypeVar

import pytest
from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QListWidget, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from visio_desktop.core.links import parse_link
from visio_desktop.core.settings import RecentMeeting
from visio_desktop.ui.home import HomeWidget

GOOD = "https://visio.example.gouv.fr/abc-defg-hij"
NOW = datetime(2025, 3, 12, 15, 0)
T = TypeVar("T", bound=QWidget)


@pytest.fixture
def home(qtbot: QtBot) -> Iterator[HomeWidget]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    widget = HomeWidget(now=lambda: NOW)
    qtbot.addWidget(widget)
    widget.resize(800, 760)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    QLocale.setDefault(previous)


def _field(home: HomeWidget, name: str) -> QLineEdit:
    return _find(home, QLineEdit, name)


def _button(home: HomeWidget, name: str, index: int = 0) -> QPushButton:
    return _find(home, QPushButton, name, index)


def _find(home: HomeWidget, kind: type[T], name: str, index: int = 0) -> T:
    """A child found by its accessible name, as assistive technology finds it."""
    found = [w for w in home.findChildren(kind) if w.accessibleName() == name]
    assert len(found) > index, f"no {kind.__name__} named {name!r}"
    return found[index]


def _visible_texts(home: HomeWidget) -> list[str]:
    return [label.text() for label in home.findChildren(QLabel) if label.isVisible()]


def _recent_list(home: HomeWidget) -> QListWidget:
    return _find(home, QListWidget, "Recent meetings")


def test_a_bad_link_shows_the_reason_and_keeps_join_disabled(
    qtbot: QtBot, home: HomeWidget
) -> None:
    join = _button(home, "Join")
    assert not join.isEnabled()
    assert not any("not a meeting link" in text for text in _visible_texts(home))

    QTest.keyClicks(_field(home, "Meeting link"), "ftp://example.fr/abc-defg-hij")

    assert not join.isEnabled()
    errors = [text for text in _visible_texts(home) if "not a meeting link" in text]
    assert len(errors) == 1
    assert errors[0].startswith("This is not a meeting link: unsupported scheme “ftp:”")
    with qtbot.assertNotEmitted(home.join_requested, wait=0):
        QTest.mouseClick(join, Qt.MouseButton.LeftButton)
        QTest.keyClick(_field(home, "Meeting link"), Qt.Key.Key_Return)


def test_clearing_the_field_hides_the_error(qtbot: QtBot, home: HomeWidget) -> None:
    field = _field(home, "Meeting link")
    QTest.keyClicks(field, "not a link")
    assert any("not a meeting link" in text for text in _visible_texts(home))
    field.clear()
    assert not any("not a meeting link" in text for text in _visible_texts(home))


def test_a_good_link_enables_join_and_clicking_emits_it(qtbot: QtBot, home: HomeWidget) -> None:
    QTest.keyClicks(_field(home, "Meeting link"), f"  {GOOD} ")
    join = _button(home, "Join")
    assert join.isEnabled()
    assert not any("not a meeting link" in text for text in _visible_texts(home))
    with qtbot.waitSignal(home.join_requested, timeout=1000) as blocker:
        QTest.mouseClick(join, Qt.MouseButton.LeftButton)
    assert blocker.args == [parse_link(GOOD)]


def test_enter_joins(qtbot: QtBot, home: HomeWidget) -> None:
    field = _field(home, "Meeting link")
    QTest.keyClicks(field, "visio://visio.example.gouv.fr/abcdefghij")
    with qtbot.waitSignal(home.join_requested, timeout=1000) as blocker:
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert blocker.args[0].room == "abc-defg-hij"
    assert blocker.args[0].scheme == "visio"


def test_new_meeting_and_settings_emit(qtbot: QtBot, home: HomeWidget) -> None:
    with qtbot.waitSignal(home.new_meeting_requested, timeout=1000):
        QTest.mouseClick(_button(home, "New meeting"), Qt.MouseButton.LeftButton)
    settings = [b for b in home.findChildren(QWidget) if b.accessibleName() == "Settings"]
    with qtbot.waitSignal(home.settings_requested, timeout=1000):
        QTest.mouseClick(settings[0], Qt.MouseButton.LeftButton)


def test_a_created_link_can_be_copied_and_joined(qtbot: QtBot, home: HomeWidget) -> None:
    created = "http://127.0.0.1:8443/xyz-abcd-efg"
    home.show_created_link(created)
    assert _field(home, "New meeting link").text() == created
    assert _field(home, "New meeting link").isReadOnly()

    QGuiApplication.clipboard().clear()
    copy = _button(home, "Copy")
    QTest.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == created
    assert copy.text() == "Copied"

    with qtbot.waitSignal(home.join_requested, timeout=1000) as blocker:
        QTest.mouseClick(_button(home, "Join now"), Qt.MouseButton.LeftButton)
    assert blocker.args == [parse_link(created)]


def test_recent_meetings_are_listed_newest_first_and_activating_one_joins(
    qtbot: QtBot, home: HomeWidget
) -> None:
    today = RecentMeeting(
        link="https://visio.example.gouv.fr/abc-defg-hij",
        room="abc-defg-hij",
        host="visio.example.gouv.fr",
        joined_at=datetime(2025, 3, 12, 14, 32).timestamp(),
    )
    older = RecentMeeting(
        link="visio://meet.example.org:8443/kkk-llll-mmm",
        room="kkk-llll-mmm",
        host="meet.example.org",
        joined_at=datetime(2025, 1, 2, 9, 0).timestamp(),
    )
    broken = RecentMeeting(link="javascript:alert(1)", room="x", host="x", joined_at=0.0)
    home.set_recent([older, broken, today])

    recent = _recent_list(home)
    assert recent.isVisible()
    assert "Meetings you join will appear here." not in _visible_texts(home)
    texts = [recent.item(row).text() for row in range(recent.count())]
    assert len(texts) == 2
    assert texts[0] == "abc-defg-hij\nvisio.example.gouv.fr · today 14:32"
    assert texts[1] == "kkk-llll-mmm\nmeet.example.org:8443 · 2 Jan 2025"

    with qtbot.waitSignal(home.join_requested, timeout=1000) as blocker:
        recent.itemActivated.emit(recent.item(1))  # what double-click or Enter does
    assert blocker.args == [parse_link(older.link)]

    recent.setFocus()
    recent.setCurrentRow(0)
    with qtbot.waitSignal(home.join_requested, timeout=1000) as blocker:
        QTest.keyClick(recent, Qt.Key.Key_Return)
    assert blocker.args == [parse_link(today.link)]

    join = _button(home, "Join", index=1)
    assert join.accessibleName() == "Join" and join.isEnabled()
    with qtbot.waitSignal(home.join_requested, timeout=1000) as blocker:
        QTest.mouseClick(join, Qt.MouseButton.LeftButton)
    assert blocker.args == [parse_link(today.link)]


def test_yesterday_is_said_in_words(qtbot: QtBot, home: HomeWidget) -> None:
    link = "https://visio.example.gouv.fr/abc-defg-hij"
    when = datetime(2025, 3, 11, 23, 59).timestamp()
    home.set_recent([RecentMeeting(link=link, room="", host="", joined_at=when)])
    assert _recent_list(home).item(0).text().endswith(" · yesterday 23:59")


def test_the_empty_state_shows_with_no_recent_meetings(qtbot: QtBot, home: HomeWidget) -> None:
    assert "Meetings you join will appear here." in _visible_texts(home)
    assert not _recent_list(home).isVisible()
    home.set_recent([RecentMeeting(link=GOOD, room="", host="", joined_at=0.0)])
    assert "Meetings you join will appear here." not in _visible_texts(home)
    home.set_recent([])
    assert "Meetings you join will appear here." in _visible_texts(home)


def test_errors_and_the_server_line_are_shown(qtbot: QtBot, home: HomeWidget) -> None:
    home.set_server_label("New meetings are created on this computer's built-in server")
    assert "New meetings are created on this computer's built-in server" in _visible_texts(home)
    home.show_error("Could not reach the server")
    assert "Could not reach the server" in _visible_texts(home)
    dismiss = next(b for b in home.findChildren(QWidget) if b.accessibleName() == "Dismiss")
    QTest.mouseClick(dismiss, Qt.MouseButton.LeftButton)
    assert "Could not reach the server" not in _visible_texts(home)


def test_every_control_is_named_and_explained(qtbot: QtBot, home: HomeWidget) -> None:
    home.show_created_link(GOOD)
    home.set_recent([RecentMeeting(link=GOOD, room="", host="", joined_at=0.0)])
    controls = [
        w
        for w in home.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible()
    ]
    assert controls
    for control in controls:
        assert control.accessibleName(), control
        assert control.toolTip(), control


def test_tab_order_starts_at_the_link_field(qtbot: QtBot, home: HomeWidget) -> None:
    field = _field(home, "Meeting link")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    QTest.keyClicks(field, GOOD)
    settings = next(w for w in home.findChildren(QWidget) if w.accessibleName() == "Settings")
    for control in (_button(home, "Join"), _button(home, "New meeting"), settings):
        focused = QApplication.focusWidget()
        assert focused is not None
        QTest.keyClick(focused, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is control


def test_a_language_change_resets_the_texts(qtbot: QtBot, home: HomeWidget) -> None:
    join = _button(home, "Join")
    join.setText("stale")
    QApplication.sendEvent(home, QEvent(QEvent.Type.LanguageChange))
    assert join.text() == "Join"
