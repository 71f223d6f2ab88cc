"""The waiting screen: shown while the meeting's lobby holds us until a host lets us in.

It shows who we are, which meeting, our own camera (the self view the meeting already sends)
and a Leave button. The status line is announced to screen readers when the screen opens.
Joined (let in) or SentAway (turned away) ends it; the main window switches screens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from visio_desktop.core.kinds import SELF_TILE, TileKey
from visio_desktop.media.render import RenderedFrame
from visio_desktop.ui.prejoin import AspectBox
from visio_desktop.ui.tiles import VideoTile
from visio_desktop.ui.widgets import named

_STYLE = """
QWidget#waiting { background: #f6f6f6; }
QLabel#waitingStatus { font-size: 24px; font-weight: bold; color: #161616; }
QLabel#waitingDetail { font-size: 15px; color: #3a3a3a; }
QPushButton#waitingLeave { background: #c9191e; color: white; border: none; border-radius: 4px;
                           padding: 10px 28px; font-size: 15px; font-weight: bold; }
QPushButton#waitingLeave:focus { border: 2px solid #000091; }
"""


class WaitingWidget(QWidget):
    leave_clicked = Signal()

    def __init__(
        self,
        on_resized: Callable[[TileKey, int, int], None],
        on_painted: Callable[[TileKey], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "waiting")
        self.setStyleSheet(_STYLE)
        self.room = ""
        self.host = ""
        self.display_name = ""
        self.status = _text_label("waitingStatus")
        self.meeting = _text_label("waitingDetail")
        self.person = _text_label("waitingDetail")
        self.preview = VideoTile(SELF_TILE, "", on_resized, on_painted)
        self.preview.is_self = True
        self.leave = named(QPushButton(), "waitingLeave")
        self.leave.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.leave.clicked.connect(self.leave_clicked)
        self._build()
        self.retranslate()

    def _build(self) -> None:
        right = QVBoxLayout()
        right.addStretch(1)
        right.addWidget(self.status)
        right.addSpacing(12)
        right.addWidget(self.meeting)
        right.addWidget(self.person)
        right.addSpacing(24)
        buttons = QHBoxLayout()
        buttons.addWidget(self.leave)
        buttons.addStretch(1)
        right.addLayout(buttons)
        right.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(40, 40, 40, 40)
        row.setSpacing(32)
        row.addWidget(AspectBox(self.preview), 3)
        row.addLayout(right, 2)

    def open(self, display_name: str, room: str, host: str, *, video: bool) -> None:
        """Show who waits for which meeting, and announce it to screen readers."""
        self.display_name, self.room, self.host = display_name, room, host
        self.preview.set_state(name=display_name, video=video)
        self.retranslate()
        self.leave.setFocus()
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, self.status.text()))

    def show_frame(self, frame: RenderedFrame) -> None:
        self.preview.show_frame(frame)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        status = self.tr("Waiting for a host to let you in")
        self.status.setText(status)
        self.status.setAccessibleName(status)
        if self.host:
            where = self.tr("Meeting %1 on %2").replace("%1", self.room).replace("%2", self.host)
        else:
            where = self.tr("Meeting %1").replace("%1", self.room)
        self.meeting.setText(where)
        self.meeting.setAccessibleName(where)
        person = self.tr("You will appear as %1").replace("%1", self.display_name)
        self.person.setText(person)
        self.person.setAccessibleName(person)
        self.preview.setAccessibleName(self.tr("Your camera"))
        self.leave.setText(self.tr("Leave"))
        self.leave.setAccessibleName(self.tr("Leave the lobby"))
        self.leave.setToolTip(self.tr("Stop waiting and return to home"))
        self.setAccessibleName(self.tr("Waiting room"))


def _text_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label
