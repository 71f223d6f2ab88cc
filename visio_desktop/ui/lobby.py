"""The lobby list hosts and co-hosts see above the participants: each person waiting with
Admit and Deny, under the header and Admit all / Deny all. It is hidden while nobody waits.

It only says what the host chose (`decided`: ids, let in or not); the controller asks the
engine. Names are plain text; each button's accessible name says whom it acts on."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from visio_desktop.core.roles import LobbyEntry

_STYLE = """
QFrame#lobby { background: #fef7da; border: 1px solid #e0c56e; border-radius: 6px; }
QFrame#lobby QLabel, QWidget#lobbyRow { background: transparent; }
QPushButton { padding: 4px 10px; }
QPushButton[role="admit"] { background: #000091; color: white; border: none; border-radius: 4px; }
QPushButton[role="admit"]:focus, QPushButton[role="deny"]:focus { border: 2px solid #161616; }
QPushButton[role="deny"] { background: #ffffff; color: #161616; border: 1px solid #929292;
                           border-radius: 4px; }
"""


class _Row(QWidget):
    def __init__(self, entry: LobbyEntry, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lobbyRow")
        self.entry = entry
        self.name = QLabel(entry.display_name)
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.name.setWordWrap(True)
        self.admit = _button("admit")
        self.deny = _button("deny")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.name, 1)
        row.addWidget(self.admit)
        row.addWidget(self.deny)

    def retranslate(self) -> None:
        name = self.entry.display_name
        self.admit.setText(self.tr("Admit"))
        self.admit.setAccessibleName(self.tr("Admit %1").replace("%1", name))
        self.admit.setToolTip(self.tr("Let %1 into the meeting").replace("%1", name))
        self.deny.setText(self.tr("Deny"))
        self.deny.setAccessibleName(self.tr("Deny %1").replace("%1", name))
        self.deny.setToolTip(self.tr("Do not let %1 in").replace("%1", name))


class LobbyPanel(QFrame):
    decided = Signal(tuple, bool)  # the ids of people waiting, True to let them in

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lobby")
        self.setStyleSheet(_STYLE)
        self.entries: tuple[LobbyEntry, ...] = ()
        self.rows: list[_Row] = []
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(self.header.font())
        bold.setBold(True)
        self.header.setFont(bold)
        self.admit_all = _button("admit")
        self.deny_all = _button("deny")
        self.admit_all.clicked.connect(lambda: self.decided.emit(self.ids(), True))
        self.deny_all.clicked.connect(lambda: self.decided.emit(self.ids(), False))
        self._rows = QVBoxLayout()
        self._rows.setSpacing(4)
        self.header.setWordWrap(True)
        everyone = QHBoxLayout()
        everyone.addStretch(1)
        everyone.addWidget(self.admit_all)
        everyone.addWidget(self.deny_all)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 8, 10, 8)
        column.addWidget(self.header)
        column.addLayout(everyone)
        column.addLayout(self._rows)
        self.hide()
        self.retranslate()

    def ids(self) -> tuple[str, ...]:
        return tuple(entry.id for entry in self.entries)

    def set_entries(self, entries: tuple[LobbyEntry, ...]) -> None:
        """Show who waits now, oldest first; hidden when nobody does."""
        focused = self.focusWidget()
        had_focus = focused is not None and self.isAncestorOf(focused)
        self.entries = entries
        for row in self.rows:
            self._rows.removeWidget(row)
            row.hide()  # out of the focus chain at once; deleted later
            row.deleteLater()
        self.rows = []
        for entry in entries:
            row = _Row(entry, self)
            row.admit.clicked.connect(lambda _=False, i=entry.id: self.decided.emit((i,), True))
            row.deny.clicked.connect(lambda _=False, i=entry.id: self.decided.emit((i,), False))
            row.retranslate()
            self._rows.addWidget(row)
            row.show()  # at once: a layout would show it only from the event loop
            self.rows.append(row)
        # The buttons that stay come first: the new rows are chained after them.
        ordered = [self.admit_all, self.deny_all]
        ordered += [w for row in self.rows for w in (row.admit, row.deny)]
        for first, second in itertools.pairwise(ordered):
            QWidget.setTabOrder(first, second)
        self.admit_all.setVisible(len(entries) > 1)
        self.deny_all.setVisible(len(entries) > 1)
        self._update_header()
        self.setVisible(bool(entries))
        if had_focus and self.rows:
            self.rows[0].admit.setFocus()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Lobby"))
        self.admit_all.setText(self.tr("Admit all"))
        self.admit_all.setAccessibleName(self.tr("Admit everyone waiting"))
        self.admit_all.setToolTip(self.tr("Let everyone waiting into the meeting"))
        self.deny_all.setText(self.tr("Deny all"))
        self.deny_all.setAccessibleName(self.tr("Deny everyone waiting"))
        self.deny_all.setToolTip(self.tr("Let nobody waiting in"))
        for row in self.rows:
            row.retranslate()
        self._update_header()

    def _update_header(self) -> None:
        text = self.tr("Waiting in the lobby (%n)", "", len(self.entries))
        self.header.setText(text)
        self.header.setAccessibleName(text)


def _button(role: str) -> QPushButton:
    button = QPushButton()
    button.setProperty("role", role)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button
