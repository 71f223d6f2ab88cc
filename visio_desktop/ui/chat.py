"""The chat panel of the call window: the message history, the input and the unread count.

Messages are plain text. Every piece of text a participant wrote is HTML-escaped before it reaches
the history view, and only http(s) URLs matched by `URL_RE` become links. A click on a link emits
`ChatPanel.link_activated`; the panel never opens anything itself (the window decides, after that
click, whether to hand the URL to QDesktopServices).
"""

from __future__ import annotations

import html
import re
import time

from PySide6.QtCore import QEvent, QUrl, Signal, Slot
from PySide6.QtGui import QKeyEvent, Qt, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

# The longest message the input accepts, in characters (below the protocol's CHAT_MAX).
MESSAGE_MAX = 2000

# An http(s) URL: up to the first whitespace or character that cannot end a URL in prose.
URL_RE = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that usually closes the sentence rather than the URL ("see https://x.org.").
_URL_TRAILING = ".,;:!?)]}'\""

# How close to the bottom (in pixels) still counts as "at the bottom" for auto-scroll.
_BOTTOM_SLACK = 4

_OWN_COLOUR = "#1c5fb8"
_OTHER_COLOUR = "#1f7a3a"
_TIME_COLOUR = "#6b6b6b"


def _trim_url(candidate: str) -> str:
    """Drop trailing punctuation, keeping a ")" that closes a "(" inside the URL."""
    while candidate and candidate[-1] in _URL_TRAILING:
        if candidate[-1] == ")" and candidate.count("(") >= candidate.count(")"):
            break
        candidate = candidate[:-1]
    return candidate


def linkify(text: str) -> str:
    """HTML for `text`: every character escaped, http(s) URLs wrapped in links, newlines as <br>."""
    parts: list[str] = []
    pos = 0
    for match in URL_RE.finditer(text):
        url = _trim_url(match.group(0))
        end = match.start() + len(url)
        if url.endswith("://"):  # Only punctuation followed the scheme.
            continue
        parts.append(html.escape(text[pos : match.start()]))
        escaped = html.escape(url, quote=True)
        parts.append(f'<a href="{escaped}">{escaped}</a>')
        pos = end
    parts.append(html.escape(text[pos:]))
    return "".join(parts).replace("\n", "<br>")


def is_web_url(url: str) -> bool:
    """True for an http or https URL with a host: the only kind of link the panel reports."""
    parsed = QUrl(url)
    return parsed.isValid() and parsed.scheme().lower() in ("http", "https") and bool(parsed.host())


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _ChatInput(QPlainTextEdit):
    """A multi-line input: Enter submits, Shift+Enter starts a new line, at most `max_length`."""

    submitted = Signal()

    def __init__(self, max_length: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._max_length = max_length
        self.setTabChangesFocus(True)
        self.textChanged.connect(self._enforce_max_length)

    @property
    def max_length(self) -> int:
        return self._max_length

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot()
    def _enforce_max_length(self) -> None:
        """Drop the characters just typed or pasted beyond the limit, keeping the rest."""
        text = self.toPlainText()
        excess = len(text) - self._max_length
        if excess <= 0:
            return
        cursor = self.textCursor()
        # Qt positions count UTF-16 units; Python indexes count code points.
        before_cursor = text.encode("utf-16-le")[: cursor.position() * 2].decode(
            "utf-16-le", errors="ignore"
        )
        end = len(before_cursor)
        start = max(0, end - excess)
        if end - start < excess:  # The cursor is too near the start: cut the tail instead.
            start, end = self._max_length, len(text)
        cursor.setPosition(_utf16_len(text[:start]))
        cursor.setPosition(_utf16_len(text[:end]), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        self.setTextCursor(cursor)


class ChatPanel(QWidget):
    """The meeting chat: history (plain text, safe links), input, Send button, unread count."""

    send_requested = Signal(str)
    unread_changed = Signal(int)
    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._seen_ids: set[str] = set()
        self._active = False
        self._unread = 0

        self._history = QTextBrowser(self)
        self._history.setOpenLinks(False)
        self._history.setOpenExternalLinks(False)
        self._history.setReadOnly(True)
        self._history.anchorClicked.connect(self._on_anchor_clicked)

        self._input = _ChatInput(MESSAGE_MAX, self)
        self._input.setFixedHeight(self._input.fontMetrics().lineSpacing() * 4)
        self._input.submitted.connect(self.send)

        self._send_button = QPushButton(self)
        self._send_button.clicked.connect(self.send)

        input_row = QHBoxLayout()
        input_row.addWidget(self._input, 1)
        input_row.addWidget(self._send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self._history, 1)
        layout.addLayout(input_row)

        QWidget.setTabOrder(self._history, self._input)
        QWidget.setTabOrder(self._input, self._send_button)
        self.setFocusProxy(self._input)
        self.retranslate()

    # -- messages ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._history.setAccessibleName(self.tr("Chat messages"))
        self._history.setToolTip(self.tr("Messages sent in this meeting"))
        self._input.setPlaceholderText(self.tr("Write a message"))
        self._input.setAccessibleName(self.tr("Message"))
        self._input.setToolTip(
            self.tr("Type a message: Enter sends it, Shift+Enter starts a new line")
        )
        self._send_button.setText(self.tr("Send"))
        self._send_button.setAccessibleName(self.tr("Send message"))
        self._send_button.setToolTip(self.tr("Send the message to everyone in the meeting"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def add_message(
        self, message_id: str, sender_name: str, text: str, sent_at: float, own: bool
    ) -> None:
        """Append a message unless one with this id is already shown."""
        if message_id in self._seen_ids:
            return
        self._seen_ids.add(message_id)
        scrollbar = self._history.verticalScrollBar()
        at_bottom = scrollbar.value() >= scrollbar.maximum() - _BOTTOM_SLACK
        self._append_html(self._message_html(sender_name, text, sent_at, own), own)
        if at_bottom or own:
            scrollbar.setValue(scrollbar.maximum())
        if not own and not self._active:
            self._set_unread(self._unread + 1)

    def _message_html(self, sender_name: str, text: str, sent_at: float, own: bool) -> str:
        name = self.tr("You") if own else sender_name
        colour = _OWN_COLOUR if own else _OTHER_COLOUR
        stamp = time.strftime("%H:%M", time.localtime(sent_at))
        return (
            f'<b style="color:{colour}">{html.escape(name)}</b> '
            f'<span style="color:{_TIME_COLOUR}">{html.escape(stamp)}</span><br>'
            f'<span style="white-space:pre-wrap">{linkify(text)}</span>'
        )

    def _append_html(self, fragment: str, own: bool) -> None:
        block = QTextBlockFormat()
        block.setAlignment(Qt.AlignmentFlag.AlignRight if own else Qt.AlignmentFlag.AlignLeft)
        block.setTopMargin(6)
        document = self._history.document()
        cursor = QTextCursor(document)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if document.isEmpty():
            cursor.setBlockFormat(block)
        else:
            cursor.insertBlock(block, QTextCharFormat())
        cursor.insertHtml(fragment)

    def history_text(self) -> str:
        """The history as plain text, as a user would read it."""
        return self._history.toPlainText()

    def history_html(self) -> str:
        """The history as the HTML the view renders (for tests)."""
        return self._history.toHtml()

    # -- sending -------------------------------------------------------------------------------

    @Slot()
    def send(self) -> None:
        """Emit `send_requested` with the stripped input text, then clear the input."""
        text = self._input.toPlainText().strip()[:MESSAGE_MAX]
        if not text:
            return
        self.send_requested.emit(text)
        self._input.clear()

    @property
    def input_text(self) -> str:
        return self._input.toPlainText()

    # -- unread count --------------------------------------------------------------------------

    def set_active(self, visible: bool) -> None:
        """Tell the panel whether the user can see it; becoming visible marks everything read."""
        self._active = visible
        if visible:
            self._unread = 0
            self.unread_changed.emit(0)
            scrollbar = self._history.verticalScrollBar()
            scrollbar.setValue(scrollbar.maximum())

    @property
    def unread_count(self) -> int:
        return self._unread

    def _set_unread(self, count: int) -> None:
        self._unread = count
        self.unread_changed.emit(count)

    # -- links ---------------------------------------------------------------------------------

    @Slot(QUrl)
    def _on_anchor_clicked(self, url: QUrl) -> None:
        self.activate_link(url.toString())

    def activate_link(self, url: str) -> None:
        """A link was clicked: report it if it is an http(s) URL. Nothing is opened here."""
        if is_web_url(url):
            self.link_activated.emit(url)
