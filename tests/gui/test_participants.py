"""ParticipantsPanel: rows, "(you)", state tags, ordering and the count header."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from visio_desktop.ui.participants import ParticipantsPanel, symbol_if_drawable


@pytest.fixture
def panel(qtbot: QtBot) -> ParticipantsPanel:
    widget = ParticipantsPanel()
    qtbot.addWidget(widget)
    return widget


def _add(panel: ParticipantsPanel, pid: str, name: str, **state: Any) -> None:
    defaults: dict[str, Any] = {"audio": True, "video": True, "screen": False, "hand_raised": False}
    defaults.update(state)
    panel.upsert(pid, name, **defaults)


def test_empty_panel(panel: ParticipantsPanel) -> None:
    assert panel.count() == 0
    assert panel.rows() == []
    assert panel.header_text() == "Participants (0)"


def test_rows_are_alphabetical_and_header_counts(panel: ParticipantsPanel) -> None:
    for pid, name in (("p1", "Zoé"), ("p2", "alice"), ("p3", "Bob"), ("p4", "Émile")):
        _add(panel, pid, name)
    assert panel.count() == 4
    assert panel.header_text() == "Participants (4)"
    assert panel.rows() == ["alice", "Bob", "Émile", "Zoé"]


def test_self_is_marked_you(panel: ParticipantsPanel) -> None:
    _add(panel, "me", "Alice")
    _add(panel, "p2", "Bob")
    panel.set_self_id("me")
    assert panel.rows() == ["Alice (you)", "Bob"]
    panel.set_self_id("p2")
    assert panel.rows() == ["Alice", "Bob (you)"]


def test_state_tags(panel: ParticipantsPanel) -> None:
    _add(panel, "p1", "Alice", audio=False, video=False, screen=True)
    assert panel.rows() == ["Alice — muted, camera off, sharing screen"]


def test_hand_raised_comes_first_with_a_legible_tag(panel: ParticipantsPanel) -> None:
    _add(panel, "p1", "Alice")
    _add(panel, "p2", "Bob")
    _add(panel, "p3", "Zoé", hand_raised=True)
    rows = panel.rows()
    assert rows[0].startswith("Zoé — ")
    assert rows[0].endswith("hand raised")
    assert rows[1:] == ["Alice", "Bob"]
    _add(panel, "p3", "Zoé", hand_raised=False)
    assert panel.rows() == ["Alice", "Bob", "Zoé"]


def test_upsert_updates_in_place(panel: ParticipantsPanel) -> None:
    _add(panel, "p1", "Alice")
    _add(panel, "p1", "Alice Martin", audio=False)
    assert panel.count() == 1
    assert panel.rows() == ["Alice Martin — muted"]


def test_remove(panel: ParticipantsPanel) -> None:
    _add(panel, "p1", "Alice")
    _add(panel, "p2", "Bob")
    panel.remove("p1")
    panel.remove("unknown")
    assert panel.count() == 1
    assert panel.rows() == ["Bob"]
    assert panel.header_text() == "Participants (1)"


def test_names_are_plain_text(panel: ParticipantsPanel) -> None:
    _add(panel, "p1", "<b>Eve</b>")
    assert panel.rows() == ["<b>Eve</b>"]


def test_symbol_is_dropped_when_the_font_cannot_draw_it() -> None:
    font = QFont("DejaVu Sans")
    assert symbol_if_drawable("A", font) == "A"
    assert symbol_if_drawable("\U000f0000", font) == ""  # A private-use plane character.


def test_list_is_accessible(panel: ParticipantsPanel) -> None:
    view = panel.findChild(QListWidget)
    assert view is not None
    assert view.accessibleName()
    assert view.toolTip()
