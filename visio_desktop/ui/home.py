"""The home screen: join a meeting from its link, start a new one, or rejoin a recent one.

`HomeWidget` only collects intentions and shows what the controller tells it: it emits
`join_requested(MeetingLink)`, `new_meeting_requested()` and `settings_requested()`, and the
controller answers with `show_created_link`, `set_recent`, `set_server_label` and `show_error`.
Links are checked with `core.links.parse_link` as the user types; Join stays disabled until the
link parses, and the reason is shown in plain words once the user has typed something.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QEvent, QLocale, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QFont, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.settings import RecentMeeting
from visio_desktop.ui.icons import icon, pixmap
from visio_desktop.ui.widgets import HOME_STYLE as _STYLE
from visio_desktop.ui.widgets import box as _box
from visio_desktop.ui.widgets import button as _button
from visio_desktop.ui.widgets import card as _card
from visio_desktop.ui.widgets import font as _font
from visio_desktop.ui.widgets import label as _label
from visio_desktop.ui.widgets import named as _named

__all__ = ["HomeWidget"]

log = logging.getLogger(__name__)

COLUMN_MAX_WIDTH = 560
COPIED_FEEDBACK_MS = 2000
VISIBLE_RECENT_ROWS = 5
_PASTE_SPACE = " \t\r\n"


class HomeWidget(QWidget):
    """Link field and Join, New meeting, recent meetings, server line, error banner."""

    join_requested = Signal(object)  # MeetingLink
    new_meeting_requested = Signal()
    settings_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, now: Callable[[], datetime] = datetime.now
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._typed_link: MeetingLink | None = None
        self._created_link: MeetingLink | None = None
        self._recent: list[tuple[RecentMeeting, MeetingLink]] = []
        _named(self, "home")
        self.setStyleSheet(_STYLE)
        self._build()
        self._connect()
        self.retranslate()

    # The controller's side.

    def set_server_label(self, text: str) -> None:
        """Say where new meetings are created (the controller translates `text`)."""
        self._server_label.setText(text)
        self._server_label.setVisible(bool(text))

    def set_recent(self, items: Sequence[RecentMeeting]) -> None:
        """Show these meetings, newest first; one whose link does not parse is skipped."""
        self._recent = []
        for meeting in sorted(items, key=lambda m: m.joined_at, reverse=True):
            try:
                self._recent.append((meeting, parse_link(meeting.link)))
            except LinkError as exc:
                log.warning("recent meeting skipped, its link is unusable: %s", exc.message)
        self._fill_recent()

    def show_created_link(self, link_text: str) -> None:
        """Show the link of a meeting just created, with Copy and Join now."""
        text = link_text.strip(_PASTE_SPACE)
        try:
            self._created_link = parse_link(text)
        except LinkError as exc:
            self._created_link = None
            log.warning("the created meeting's link does not parse: %s", exc.message)
        self._created_edit.setText(text)
        self._join_now_button.setEnabled(self._created_link is not None)
        self._show_copy_text()
        self._created_box.show()

    def show_error(self, text: str) -> None:
        """Show `text` in the error banner until dismissed or until the next attempt."""
        self._banner_text.setText(text)
        self._banner.show()
        QAccessible.updateAccessibility(
            QAccessibleEvent(self._banner_text, QAccessible.Event.Alert)
        )

    def clear_error(self) -> None:
        self._banner.hide()
        self._banner_text.clear()

    def retranslate(self) -> None:
        """Set every text again, in the current language."""
        self._title.setText(self.tr("Visio"))
        self._subtitle.setText(self.tr("Secure meetings for public services"))
        self._join_heading.setText(self.tr("Join a meeting"))
        self._or_label.setText(self.tr("or"))
        self._created_heading.setText(self.tr("Your meeting is ready. Share this link:"))
        self._recent_heading.setText(self.tr("Recent meetings"))
        self._empty_label.setText(self.tr("Meetings you join will appear here."))
        self._link_edit.setPlaceholderText(self.tr("https://visio.example.gouv.fr/abc-defg-hij"))
        described: list[tuple[QWidget, str, str]] = [
            (self._logo, self.tr("Visio logo"), self.tr("Visio")),
            (self._settings_button, self.tr("Settings"), self.tr("Open the settings")),
            (self._banner_text, self.tr("Error"), self.tr("What went wrong")),
            (self._dismiss_button, self.tr("Dismiss"), self.tr("Hide this message")),
            (self._link_edit, self.tr("Meeting link"), self.tr("Paste the link you received")),
            (self._join_button, self.tr("Join"), self.tr("Join the meeting at this link")),
            (self._new_button, self.tr("New meeting"), self.tr("Create a meeting and its link")),
            (self._server_label, self.tr("Server"), self.tr("Where new meetings are created")),
            (self._created_edit, self.tr("New meeting link"), self.tr("The new meeting's link")),
            (self._join_now_button, self.tr("Join now"), self.tr("Join the new meeting")),
            (self._recent_list, self.tr("Recent meetings"), self.tr("Double-click to join")),
            (self._recent_join_button, self.tr("Join"), self.tr("Join the selected meeting")),
        ]
        for widget, name, tip in described:
            _describe(widget, name, tip)
        self._show_copy_text()
        self._validate()
        self._fill_recent()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._link_edit.setFocus()  # arriving on the home screen, one types or pastes a link

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # Building.

    def _build(self) -> None:
        base = self.font().pointSizeF()
        heading = _font(base * 1.3, bold=True)
        self._logo = QLabel(pixmap=pixmap("app", 72), alignment=Qt.AlignmentFlag.AlignCenter)
        self._title = _label(_font(base * 2.2, bold=True), center=True)
        self._subtitle = _label(_font(base * 1.15), center=True, muted=True)
        self._settings_button = QToolButton()
        self._settings_button.setIcon(icon("settings", "#161616"))
        self._settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._banner_text = _label(name="bannerText")
        self._banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._dismiss_button = QToolButton()
        self._banner = _named(QFrame(), "banner")
        _box(QHBoxLayout(self._banner), (self._banner_text, 1), self._dismiss_button, margin=8)

        join_card = self._build_join_card(heading)
        recent_card = self._build_recent_card(heading)
        for hidden in (self._banner, self._link_error, self._server_label, self._created_box):
            hidden.hide()

        column = QWidget(maximumWidth=COLUMN_MAX_WIDTH)
        header = _box(QVBoxLayout(), self._logo, self._title, self._subtitle, spacing=6)
        parts = (header, self._banner, join_card, recent_card, None)
        _box(QVBoxLayout(column), *parts, spacing=20, margin=24)
        page = _named(QWidget(), "homePage")
        _box(QHBoxLayout(page), None, (column, 100), None)
        scroll = _named(QScrollArea(widgetResizable=True), "homeScroll")
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the controls it scrolls to
        scroll.setWidget(page)
        top_bar = _box(QHBoxLayout(), None, self._settings_button, margin=12)
        _box(QVBoxLayout(self), top_bar, (scroll, 1), spacing=0)

        order: tuple[QWidget, ...] = (self._link_edit, self._join_button, self._new_button)
        order += (self._created_edit, self._copy_button, self._join_now_button, self._recent_list)
        order += (self._recent_join_button, self._settings_button, self._dismiss_button)
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        for tool in (self._settings_button, self._dismiss_button):  # Tab reaches them everywhere
            tool.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _build_join_card(self, heading: QFont) -> QFrame:
        self._join_heading = _label(heading)
        self._link_edit = QLineEdit(clearButtonEnabled=True)
        self._join_button = _button("primary")
        self._link_error = _label(name="linkError")
        self._or_label = _label(muted=True)
        self._new_button = _button("secondary", icon("camera", "#000091"))
        self._server_label = _label(muted=True)
        self._created_heading = _label()
        self._created_edit = QLineEdit(readOnly=True)
        self._copy_button = _button("secondary", icon("copy", "#000091"))
        self._join_now_button = _button("primary")
        self._created_box = QWidget()
        _box(
            QVBoxLayout(self._created_box),
            self._created_heading,
            _box(QHBoxLayout(), (self._created_edit, 1), self._copy_button, self._join_now_button),
        )
        return _card(
            self._join_heading,
            _box(QHBoxLayout(), (self._link_edit, 1), self._join_button),
            self._link_error,
            self._or_label,
            _box(QHBoxLayout(), self._new_button, None),
            self._server_label,
            self._created_box,
        )

    def _build_recent_card(self, heading: QFont) -> QFrame:
        self._recent_heading = _label(heading)
        self._recent_list = QListWidget()
        self._recent_list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self._recent_list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._empty_label = _label(muted=True)
        self._recent_join_button = _button("secondary")
        return _card(
            self._recent_heading,
            self._recent_list,
            self._empty_label,
            _box(QHBoxLayout(), None, self._recent_join_button),
        )

    def _connect(self) -> None:
        self._link_edit.textChanged.connect(self._validate)
        self._link_edit.returnPressed.connect(lambda: self._join(self._typed_link))
        self._join_button.clicked.connect(lambda: self._join(self._typed_link))
        self._new_button.clicked.connect(self._new_meeting)
        self._copy_button.clicked.connect(self._copy_created)
        self._join_now_button.clicked.connect(lambda: self._join(self._created_link))
        self._recent_list.itemActivated.connect(self._join_recent_item)
        self._recent_list.currentItemChanged.connect(self._update_recent_join)
        self._recent_join_button.clicked.connect(
            lambda: self._join_recent_item(self._recent_list.currentItem())
        )
        self._settings_button.clicked.connect(self.settings_requested)
        self._dismiss_button.clicked.connect(self.clear_error)

    # Reacting.

    def _validate(self) -> None:
        text = self._link_edit.text()
        error = ""
        try:
            self._typed_link = parse_link(text)
        except LinkError as exc:
            self._typed_link = None
            if text.strip(_PASTE_SPACE):
                reason = _lower_first(exc.message)
                error = self.tr("This is not a meeting link: {reason}").format(reason=reason)
        self._join_button.setEnabled(self._typed_link is not None)
        self._link_error.setText(error)
        self._link_error.setVisible(bool(error))
        self._link_edit.setAccessibleDescription(error)

    def _join(self, link: MeetingLink | None) -> None:
        if link is not None:
            self.clear_error()
            self.join_requested.emit(link)

    def _new_meeting(self) -> None:
        self.clear_error()
        self.new_meeting_requested.emit()

    def _copy_created(self) -> None:
        QGuiApplication.clipboard().setText(self._created_edit.text())
        self._show_copy_text(copied=True)
        QTimer.singleShot(COPIED_FEEDBACK_MS, self, self._show_copy_text)

    def _show_copy_text(self, copied: bool = False) -> None:
        text = self.tr("Copied") if copied else self.tr("Copy")
        _describe(self._copy_button, text, self.tr("Copy the link to the clipboard"))

    def _join_recent_item(self, item: QListWidgetItem | None) -> None:
        index = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        if isinstance(index, int) and 0 <= index < len(self._recent):
            self._join(self._recent[index][1])

    def _update_recent_join(self) -> None:
        self._recent_join_button.setEnabled(self._recent_list.currentItem() is not None)

    def _fill_recent(self) -> None:
        current = self._recent_list.currentRow()
        self._recent_list.clear()
        for index, (meeting, link) in enumerate(self._recent):
            host = link.host if link.port is None else f"{link.host}:{link.port}"
            when = self._format_when(meeting.joined_at)
            item = QListWidgetItem(f"{link.room}\n{host} · {when}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            spoken = self.tr("Meeting {room} on {host}, {when}")
            spoken = spoken.format(room=link.room, host=host, when=when)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
            item.setToolTip(link.web_url)
            self._recent_list.addItem(item)
        count = self._recent_list.count()
        if 0 <= current < count:
            self._recent_list.setCurrentRow(current)
        rows = min(count, VISIBLE_RECENT_ROWS)
        height = sum(self._recent_list.sizeHintForRow(row) for row in range(rows))
        self._recent_list.setFixedHeight(height + 2 * self._recent_list.frameWidth())
        self._recent_list.setVisible(count > 0)
        self._recent_join_button.setVisible(count > 0)
        self._empty_label.setVisible(count == 0)
        self._update_recent_join()

    def _format_when(self, joined_at: float) -> str:
        """ "today 14:32", "yesterday 09:05", or a date, in the user's locale."""
        when = datetime.fromtimestamp(joined_at)
        locale = QLocale()
        time = locale.toString(QTime(when.hour, when.minute), QLocale.FormatType.ShortFormat)
        today = self._now().date()
        if when.date() == today:
            return self.tr("today {time}").format(time=time)
        if when.date() == today - timedelta(days=1):
            return self.tr("yesterday {time}").format(time=time)
        return locale.toString(QDate(when.year, when.month, when.day), "d MMM yyyy")


def _describe(widget: QWidget, name: str, tip: str) -> None:
    """Accessible name and tooltip; a button also shows the name as its text."""
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    if isinstance(widget, QAbstractButton):
        widget.setText(name)


def _lower_first(sentence: str) -> str:
    """ "The link has…" -> "the link has…", leaving "IPv6…" alone."""
    if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
        return sentence[0].lower() + sentence[1:]
    return sentence
