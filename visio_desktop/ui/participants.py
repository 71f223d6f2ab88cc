"""The participants panel of the call window: who is in the meeting and their media and hand state.

Rows are plain text (a name is never interpreted as markup): the display name, "(you)" for the
local participant, then short tags for the host or a co-host, a muted microphone, a camera that
is off, a shared screen and a raised hand. Raised hands come first, then everyone alphabetically.

For hosts and co-hosts (`set_moderating`), a row's context menu (the Menu key or a right click)
and the "Actions for …" button under the list ask for that participant's host menu
(`actions_requested`); above the list sits whatever `add_above` placed there (the lobby).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, Signal
from PySide6.QtGui import QFont, QFontMetrics, Qt
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.core.roles import Role

# Shown before the "hand raised" tag when the list's font can draw it.
_HAND_SYMBOL = "\N{RAISED HAND}"

_PID_ROLE = Qt.ItemDataRole.UserRole


@dataclass
class _Participant:
    pid: str
    name: str
    audio: bool
    video: bool
    screen: bool
    hand_raised: bool
    role: Role = Role.PARTICIPANT

    def sort_key(self) -> tuple[bool, str, str, str]:
        return (not self.hand_raised, _collation_key(self.name), self.name, self.pid)


def _collation_key(name: str) -> str:
    """`name` without case or accents, so that "Émile" sorts between "Bob" and "Zoé"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def symbol_if_drawable(symbol: str, font: QFont) -> str:
    """`symbol` if every character of it is in `font` (no tofu boxes), else an empty string."""
    metrics = QFontMetrics(font)
    return symbol if all(metrics.inFontUcs4(ord(char)) for char in symbol) else ""


class ParticipantsPanel(QWidget):
    """A header with the count and one row per participant, raised hands first."""

    actions_requested = Signal(str, QPoint)  # a participant id, where to open its host menu

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._self_id = ""
        self._moderating = False
        self._participants: dict[str, _Participant] = {}
        self._items: dict[str, QListWidgetItem] = {}

        self._header = QLabel(self)
        self._header.setTextFormat(Qt.TextFormat.PlainText)
        header_font = QFont(self._header.font())
        header_font.setBold(True)
        self._header.setFont(header_font)

        self._list = QListWidget(self)
        self._list.setWordWrap(True)
        self._header.setBuddy(self._list)
        self._hand_symbol = symbol_if_drawable(_HAND_SYMBOL, self._list.font())
        self._list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._list.customContextMenuRequested.connect(self._context_menu)
        self._list.currentItemChanged.connect(lambda *_: self._update_actions_button())
        self.actions_button = QPushButton()
        self.actions_button.clicked.connect(self._actions_clicked)
        self.actions_button.hide()

        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self._header)
        self._layout.addWidget(self._list, 1)
        self._layout.addWidget(self.actions_button)
        self.setFocusProxy(self._list)
        self._update_header()
        self.retranslate()

    def retranslate(self) -> None:
        self._list.setAccessibleName(self.tr("Participants"))
        self._list.setToolTip(self.tr("People in this meeting"))
        for participant in self._participants.values():
            self._refresh_item(participant)
        self._update_header()
        self._update_actions_button()

    def add_above(self, widget: QWidget) -> None:
        """Place `widget` above the header (the lobby list)."""
        self._layout.insertWidget(0, widget)

    def add_below(self, widget: QWidget) -> None:
        """Place `widget` under the list (the host's meeting actions)."""
        self._layout.addWidget(widget)

    def set_moderating(self, moderating: bool) -> None:
        """Whether the local user is a host or co-host: rows get a host menu."""
        self._moderating = moderating
        self._update_actions_button()

    def current_id(self) -> str:
        item = self._list.currentItem()
        return str(item.data(_PID_ROLE)) if item is not None else ""

    def select(self, pid: str) -> None:
        item = self._items.get(pid)
        if item is not None:
            self._list.setCurrentItem(item)

    def _can_act_on(self, pid: str) -> bool:
        return self._moderating and pid in self._participants and pid != self._self_id

    def _context_menu(self, position: QPoint) -> None:
        item = self._list.itemAt(position) or self._list.currentItem()
        pid = str(item.data(_PID_ROLE)) if item is not None else ""
        if self._can_act_on(pid):
            self.actions_requested.emit(pid, self._list.viewport().mapToGlobal(position))

    def _actions_clicked(self) -> None:
        pid = self.current_id()
        if self._can_act_on(pid):
            button = self.actions_button
            self.actions_requested.emit(pid, button.mapToGlobal(QPoint(0, button.height())))

    def _update_actions_button(self) -> None:
        pid = self.current_id()
        self.actions_button.setVisible(self._moderating)
        self.actions_button.setEnabled(self._can_act_on(pid))
        if self._can_act_on(pid):
            text = self.tr("Actions for %1").replace("%1", self._participants[pid].name)
        else:
            text = self.tr("Actions for the selected participant")
        self.actions_button.setText(text)
        self.actions_button.setAccessibleName(text)
        self.actions_button.setToolTip(
            self.tr("Host actions: mute, stop the video of or remove this participant")
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def set_self_id(self, pid: str) -> None:
        """Mark the local participant, shown with "(you)"."""
        previous, self._self_id = self._self_id, pid
        for changed in (previous, pid):
            if changed in self._participants:
                self._refresh_item(self._participants[changed])

    def upsert(  # noqa: PLR0917 - the positional signature the call window uses
        self,
        pid: str,
        name: str,
        audio: bool,
        video: bool,
        screen: bool,
        hand_raised: bool,
        role: Role = Role.PARTICIPANT,
    ) -> None:
        """Add a participant or update one already listed."""
        participant = _Participant(pid, name, audio, video, screen, hand_raised, role)
        self._participants[pid] = participant
        if pid not in self._items:
            item = QListWidgetItem()
            item.setData(_PID_ROLE, pid)
            self._items[pid] = item
            self._list.addItem(item)
        self._refresh_item(participant)
        self._reorder()
        self._update_header()
        if pid == self.current_id():
            self._update_actions_button()

    def remove(self, pid: str) -> None:
        """Remove a participant; an unknown id is ignored."""
        item = self._items.pop(pid, None)
        self._participants.pop(pid, None)
        if item is None:
            return
        self._list.takeItem(self._list.row(item))
        self._update_header()

    def clear(self) -> None:
        self._participants.clear()
        self._items.clear()
        self._list.clear()
        self._update_header()

    def count(self) -> int:
        return len(self._participants)

    def ids(self) -> list[str]:
        """The participant of each row, in the order they were added."""
        return list(self._participants)

    def rows(self) -> list[str]:
        """The text of each row, in display order."""
        return [self._list.item(row).text() for row in range(self._list.count())]

    def header_text(self) -> str:
        return self._header.text()

    def _row_text(self, participant: _Participant) -> str:
        if participant.pid == self._self_id:
            name = self.tr("{name} (you)").format(name=participant.name)
        else:
            name = participant.name
        tags: list[str] = []
        if participant.role is Role.HOST:
            tags.append(self.tr("host"))
        elif participant.role is Role.COHOST:
            tags.append(self.tr("co-host"))
        if participant.hand_raised:
            hand = self.tr("hand raised")
            tags.append(f"{self._hand_symbol} {hand}" if self._hand_symbol else hand)
        if not participant.audio:
            tags.append(self.tr("muted"))
        if not participant.video:
            tags.append(self.tr("camera off"))
        if participant.screen:
            tags.append(self.tr("sharing screen"))
        if not tags:
            return name
        return self.tr("{name} — {states}").format(name=name, states=", ".join(tags))

    def _refresh_item(self, participant: _Participant) -> None:
        item = self._items[participant.pid]
        text = self._row_text(participant)
        item.setText(text)
        item.setToolTip(text)

    def _reorder(self) -> None:
        """Move rows so that the list follows the sort order, keeping the items themselves."""
        ordered = sorted(self._participants.values(), key=_Participant.sort_key)
        for row, participant in enumerate(ordered):
            item = self._items[participant.pid]
            current = self._list.row(item)
            if current != row:
                self._list.takeItem(current)
                self._list.insertItem(row, item)

    def _update_header(self) -> None:
        self._header.setText(self.tr("Participants (%n)", "", self.count()))
