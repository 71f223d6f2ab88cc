"""ChatPanel: history, safe rendering of plain text and links, input, sending and unread count."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from visio_desktop.ui.chat import MESSAGE_MAX, ChatPanel, linkify

SENT_AT = 1_700_000_000.0


@pytest.fixture
def panel(qtbot: QtBot) -> ChatPanel:
    widget = ChatPanel()
    qtbot.addWidget(widget)
    return widget


def _input(panel: ChatPanel) -> QPlainTextEdit:
    found = panel.findChild(QPlainTextEdit)
    assert found is not None
    return found


def _history(panel: ChatPanel) -> QTextBrowser:
    found = panel.findChild(QTextBrowser)
    assert found is not None
    return found


def _send_button(panel: ChatPanel) -> QPushButton:
    found = panel.findChild(QPushButton)
    assert found is not None
    return found


def test_message_shows_sender_local_time_and_text(panel: ChatPanel) -> None:
    panel.add_message("m1", "Alice", "Bonjour à tous", SENT_AT, own=False)
    text = panel.history_text()
    assert "Alice" in text
    assert time.strftime("%H:%M", time.localtime(SENT_AT)) in text
    assert "Bonjour à tous" in text


def test_own_message_is_shown_as_you(panel: ChatPanel) -> None:
    panel.add_message("m1", "Alice Martin", "hello", SENT_AT, own=True)
    assert "You" in panel.history_text()
    assert "Alice Martin" not in panel.history_text()


def test_newest_message_is_at_the_bottom(panel: ChatPanel) -> None:
    panel.add_message("m1", "Alice", "first", SENT_AT, own=False)
    panel.add_message("m2", "Bob", "second", SENT_AT + 1, own=False)
    text = panel.history_text()
    assert text.index("first") < text.index("second")


def test_duplicate_message_id_is_ignored(panel: ChatPanel) -> None:
    panel.add_message("m1", "Alice", "once only", SENT_AT, own=False)
    panel.add_message("m1", "Alice", "once only", SENT_AT, own=False)
    assert panel.history_text().count("once only") == 1
    assert panel.unread_count == 1


def test_html_is_shown_literally(panel: ChatPanel) -> None:
    hostile = '<b>x</b><img src="file:///etc/passwd"><a href="https://evil.example">y</a>'
    panel.add_message("m1", "<i>Mallory</i>", hostile, SENT_AT, own=False)
    text = panel.history_text()
    assert "<b>x</b>" in text
    assert '<img src="file:///etc/passwd">' in text
    assert "<i>Mallory</i>" in text
    assert "<img" not in panel.history_html().replace("&lt;img", "")


def test_multi_line_message_keeps_its_lines_and_spaces(panel: ChatPanel) -> None:
    panel.add_message("m1", "Alice", "line  one\n    line two", SENT_AT, own=False)
    assert "line  one\n    line two" in panel.history_text()


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://files.example.org/x",
        "data:text/html,<script>alert(1)</script>",
        "xhttps://example.org",
    ],
)
def test_non_web_schemes_are_not_linkified(text: str) -> None:
    assert "<a " not in linkify(text)


def test_web_urls_are_linkified_and_escaped() -> None:
    markup = linkify('see https://example.org/a?b=1&c="2" and http://x.test.')
    assert '<a href="https://example.org/a?b=1&amp;c=">https://example.org/a?b=1&amp;c=</a>' in (
        markup
    )
    assert '<a href="http://x.test">http://x.test</a>.' in markup
    assert "&quot;2&quot;" in markup


def test_url_keeps_balanced_parentheses_and_drops_sentence_punctuation() -> None:
    markup = linkify("(see https://fr.wikipedia.org/wiki/Visio_(logiciel)).")
    assert '<a href="https://fr.wikipedia.org/wiki/Visio_(logiciel)">' in markup
    assert markup.endswith("</a>).")


def test_link_click_emits_link_activated_without_opening(qtbot: QtBot, panel: ChatPanel) -> None:
    url = "https://meet.example.org/room?x=1&y=2"
    panel.add_message("m1", "Alice", f"join {url} now", SENT_AT, own=False)
    panel.resize(500, 400)
    panel.show()
    qtbot.waitExposed(panel)
    history = _history(panel)
    document = history.document()
    start = document.find(url).selectionStart()
    cursor = QTextCursor(document)
    cursor.setPosition(start + 3)
    centre = history.cursorRect(cursor).center()
    with qtbot.waitSignal(panel.link_activated, timeout=1000) as blocker:
        QTest.mouseClick(history.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == [url]
    # The view did not navigate anywhere: the message is still there, no source was set.
    assert history.source().isEmpty()
    assert url in panel.history_text()


def test_only_web_links_are_reported(qtbot: QtBot, panel: ChatPanel) -> None:
    history = _history(panel)
    with qtbot.assertNotEmitted(panel.link_activated):
        history.anchorClicked.emit(QUrl("file:///etc/passwd"))
        history.anchorClicked.emit(QUrl("javascript:alert(1)"))
    with qtbot.waitSignal(panel.link_activated, timeout=1000) as blocker:
        history.anchorClicked.emit(QUrl("https://example.org/"))
    assert blocker.args == ["https://example.org/"]


def test_history_never_opens_links_itself(panel: ChatPanel) -> None:
    history = _history(panel)
    assert not history.openLinks()
    assert not history.openExternalLinks()


def test_enter_sends_stripped_text_and_clears(qtbot: QtBot, panel: ChatPanel) -> None:
    field = _input(panel)
    QTest.keyClicks(field, "  hello there  ")
    with qtbot.waitSignal(panel.send_requested, timeout=1000) as blocker:
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert blocker.args == ["hello there"]
    assert panel.input_text == ""


def test_shift_enter_inserts_a_newline(qtbot: QtBot, panel: ChatPanel) -> None:
    field = _input(panel)
    QTest.keyClicks(field, "one")
    with qtbot.assertNotEmitted(panel.send_requested):
        QTest.keyClick(field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(field, "two")
    with qtbot.waitSignal(panel.send_requested, timeout=1000) as blocker:
        QTest.keyClick(field, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == ["one\ntwo"]


def test_send_button_sends(qtbot: QtBot, panel: ChatPanel) -> None:
    QTest.keyClicks(_input(panel), "via the button")
    with qtbot.waitSignal(panel.send_requested, timeout=1000) as blocker:
        QTest.mouseClick(_send_button(panel), Qt.MouseButton.LeftButton)
    assert blocker.args == ["via the button"]


def test_blank_text_is_not_sent(qtbot: QtBot, panel: ChatPanel) -> None:
    field = _input(panel)
    QTest.keyClicks(field, "   ")
    with qtbot.assertNotEmitted(panel.send_requested):
        QTest.keyClick(field, Qt.Key.Key_Return)
        QTest.mouseClick(_send_button(panel), Qt.MouseButton.LeftButton)


def test_input_is_limited_to_max_length(qtbot: QtBot, panel: ChatPanel) -> None:
    field = _input(panel)
    field.setPlainText("a" * MESSAGE_MAX)
    field.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(field, "bcd")
    assert panel.input_text == "a" * MESSAGE_MAX


def test_paste_over_the_limit_keeps_the_text_around_the_cursor(panel: ChatPanel) -> None:
    field = _input(panel)
    field.setPlainText("start end")
    cursor = field.textCursor()
    cursor.setPosition(len("start "))
    field.setTextCursor(cursor)
    field.insertPlainText("\N{GRINNING FACE}" * MESSAGE_MAX)  # Two UTF-16 units each.
    text = panel.input_text
    assert len(text) == MESSAGE_MAX
    assert text == "start " + "\N{GRINNING FACE}" * (MESSAGE_MAX - 9) + "end"


def test_unread_counts_incoming_messages_while_inactive(qtbot: QtBot, panel: ChatPanel) -> None:
    panel.set_active(False)
    with qtbot.waitSignal(panel.unread_changed, timeout=1000) as blocker:
        panel.add_message("m1", "Alice", "hi", SENT_AT, own=False)
    assert blocker.args == [1]
    panel.add_message("m2", "Bob", "hi", SENT_AT, own=False)
    with qtbot.assertNotEmitted(panel.unread_changed):
        panel.add_message("m3", "Me", "mine", SENT_AT, own=True)
    assert panel.unread_count == 2
    with qtbot.waitSignal(panel.unread_changed, timeout=1000) as blocker:
        panel.set_active(True)
    assert blocker.args == [0]
    assert panel.unread_count == 0


def test_no_unread_while_active(qtbot: QtBot, panel: ChatPanel) -> None:
    panel.set_active(True)
    with qtbot.assertNotEmitted(panel.unread_changed):
        panel.add_message("m1", "Alice", "seen at once", SENT_AT, own=False)
    assert panel.unread_count == 0


def test_auto_scroll_only_when_at_the_bottom(qtbot: QtBot, panel: ChatPanel) -> None:
    panel.resize(400, 300)
    panel.show()
    qtbot.waitExposed(panel)
    scrollbar = _history(panel).verticalScrollBar()
    for index in range(40):
        panel.add_message(f"m{index}", "Alice", f"message {index}", SENT_AT, own=False)
    assert scrollbar.maximum() > 0
    assert scrollbar.value() == scrollbar.maximum()
    scrollbar.setValue(0)
    panel.add_message("late", "Bob", "while reading older messages", SENT_AT, own=False)
    assert scrollbar.value() == 0


def test_controls_are_accessible(panel: ChatPanel) -> None:
    for widget in (_history(panel), _input(panel), _send_button(panel)):
        assert widget.accessibleName()
        assert widget.toolTip()


def test_tab_goes_from_history_to_input_to_send(qtbot: QtBot, panel: ChatPanel) -> None:
    panel.show()
    panel.activateWindow()
    qtbot.waitActive(panel)
    history, field, button = _history(panel), _input(panel), _send_button(panel)
    history.setFocus()
    qtbot.waitUntil(history.hasFocus)
    QTest.keyClick(history, Qt.Key.Key_Tab)
    assert field.hasFocus()
    QTest.keyClick(field, Qt.Key.Key_Tab)  # Moves focus on: it does not type a tab.
    assert button.hasFocus()
    assert panel.input_text == ""
