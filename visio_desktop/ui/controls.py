"""The call window's control bar, its actions and their keyboard shortcuts, and the help
dialog that lists them. Each control is a QAction, so a button, a shortcut and the help list
always agree."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.core.protocol import REACTIONS
from visio_desktop.ui import icons

# name: (shortcut, icon when off/unchecked, icon when on/checked)
_SPECS: dict[str, tuple[str, str, str]] = {
    "mic": ("Ctrl+D", "mic-off", "mic"),
    "camera": ("Ctrl+E", "camera-off", "camera"),
    "share": ("Ctrl+Shift+E", "screen-share", "screen-share"),
    "hand": ("Ctrl+Alt+H", "hand", "hand"),
    "reactions": ("Ctrl+Alt+R", "reaction", "reaction"),
    "chat": ("Ctrl+Alt+C", "chat", "chat"),
    "participants": ("Ctrl+Alt+P", "participants", "participants"),
    "captions": ("Ctrl+Shift+C", "captions", "captions"),
    "transcript": ("Ctrl+Alt+T", "transcript", "transcript"),
    "view": ("Ctrl+Alt+V", "grid", "speaker-view"),
    "fullscreen": ("F11", "fullscreen", "fullscreen-exit"),
    "settings": ("Ctrl+,", "settings", "settings"),
    "help": ("F1", "help", "help"),
    "leave": ("Ctrl+Shift+H", "leave", "leave"),
}
_CHECKABLE = {"mic", "camera", "share", "hand", "chat", "participants", "captions", "transcript"}
_CHECKABLE |= {"view", "fullscreen"}
_BAR = ("mic", "camera", "share", "hand", "reactions", "captions")
_SIDE = ("chat", "participants", "transcript", "view", "fullscreen", "settings", "help")

_BAR_STYLE = """
QWidget#controlBar { background: #202124; }
QToolButton { background: #3c4043; border: none; border-radius: 22px; padding: 10px;
              color: white; }
QToolButton:hover { background: #4a4e51; }
QToolButton:focus { border: 2px solid #ffffff; }
QToolButton[alert="true"] { background: #c9191e; }
QToolButton:checked[active="true"] { background: #6a6af4; }
QToolButton#leave { background: #c9191e; border-radius: 18px; padding: 10px 18px; }
QToolButton#leave:hover { background: #e1000f; }
QLabel#badge { background: #e1000f; color: white; border-radius: 9px; padding: 0 5px;
               font-weight: bold; }
"""


class ControlBar(QWidget):
    reaction_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controlBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_BAR_STYLE)
        self.actions_by_name: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}
        for name, (shortcut, _, _) in _SPECS.items():
            action = QAction(self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setCheckable(name in _CHECKABLE)
            action.toggled.connect(lambda _=False, n=name: self._refresh(n))
            self.addAction(action)
            self.actions_by_name[name] = action
        self._reactions = QMenu(self)
        for emoji in REACTIONS:
            self._reactions.addAction(emoji).triggered.connect(
                lambda _=False, e=emoji: self.reaction_chosen.emit(e)
            )
        self.actions_by_name["reactions"].triggered.connect(self._show_reactions)

        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(10)
        self.room_label = QLabel(self)
        self.room_label.setStyleSheet("color: #e8eaed; font-size: 14px;")
        row.addWidget(self.room_label)
        row.addStretch(1)
        for name in _BAR:
            row.addWidget(self._button(name))
        row.addWidget(self._button("leave"))
        row.addStretch(1)
        for name in _SIDE:
            row.addWidget(self._button(name))
        self.buttons["leave"].setObjectName("leave")
        self._badge = QLabel(self.buttons["chat"])
        self._badge.setObjectName("badge")
        self._badge.hide()
        self.retranslate()

    def action(self, name: str) -> QAction:
        return self.actions_by_name[name]

    def _button(self, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(self.actions_by_name[name])
        button.setIconSize(QSize(22, 22))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.buttons[name] = button
        return button

    def set_unread(self, count: int) -> None:
        self._badge.setText(str(count) if count < 100 else "99+")
        self._badge.setVisible(count > 0)
        self._badge.adjustSize()
        self._badge.move(self.buttons["chat"].width() - self._badge.width(), 0)
        chat = self.action("chat")
        chat.setToolTip(self._tooltip("chat", self._texts()["chat"], unread=count))
        self.buttons["chat"].setAccessibleDescription(
            self.tr("%n unread message(s)", "", count) if count else ""
        )

    def _show_reactions(self) -> None:
        button = self.buttons["reactions"]
        self._reactions.popup(button.mapToGlobal(QPoint(0, -self._reactions.sizeHint().height())))

    def _refresh(self, name: str) -> None:
        action = self.actions_by_name[name]
        _, off, on = _SPECS[name]
        action.setIcon(icons.icon(on if action.isChecked() else off))
        button = self.buttons.get(name)
        if button is not None:
            # A muted microphone or a camera that is off shows in red, like other clients.
            button.setProperty("alert", name in ("mic", "camera") and not action.isChecked())
            button.setProperty("active", name not in ("mic", "camera"))
            button.style().unpolish(button)
            button.style().polish(button)
        texts = self._texts()
        action.setText(texts[name])
        action.setToolTip(self._tooltip(name, texts[name]))

    def _tooltip(self, name: str, text: str, unread: int = 0) -> str:
        shortcut = (
            self.actions_by_name[name].shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        )
        if unread:
            text = f"{text} ({unread})"
        return f"{text} ({shortcut})" if shortcut else text

    def _texts(self) -> dict[str, str]:
        mic = self.actions_by_name["mic"].isChecked()
        camera = self.actions_by_name["camera"].isChecked()
        hand = self.actions_by_name["hand"].isChecked()
        sharing = self.actions_by_name["share"].isChecked()
        return {
            "mic": self.tr("Turn off microphone") if mic else self.tr("Turn on microphone"),
            "camera": self.tr("Turn off camera") if camera else self.tr("Turn on camera"),
            "share": self.tr("Stop sharing") if sharing else self.tr("Share screen"),
            "hand": self.tr("Lower hand") if hand else self.tr("Raise hand"),
            "reactions": self.tr("Send a reaction"),
            "chat": self.tr("Chat"),
            "participants": self.tr("Participants"),
            "captions": self.tr("Captions"),
            "transcript": self.tr("Transcript"),
            "view": self.tr("Speaker view"),
            "fullscreen": self.tr("Full screen"),
            "settings": self.tr("Settings"),
            "help": self.tr("Keyboard shortcuts"),
            "leave": self.tr("Leave the meeting"),
        }

    def describe(self, name: str) -> str:
        """What a control does, whatever its state (for the shortcuts list)."""
        neutral = {
            "mic": self.tr("Microphone on or off"),
            "camera": self.tr("Camera on or off"),
            "hand": self.tr("Raise or lower your hand"),
            "share": self.tr("Share your screen or stop sharing"),
        }
        return neutral.get(name) or self._texts()[name]

    def retranslate(self) -> None:
        texts = self._texts()
        for name in _SPECS:
            self._refresh(name)
            button = self.buttons.get(name)
            if button is not None:
                button.setAccessibleName(texts[name])
        self._reactions.setTitle(self.tr("Reactions"))
        self.setAccessibleName(self.tr("Meeting controls"))
        self.buttons["leave"].setText(self.tr("Leave"))
        self.buttons["leave"].setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()


class ShortcutsDialog(QDialog):
    """Lists every control with its keyboard shortcut."""

    def __init__(self, bar: ControlBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Shortcut")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        for name, action in bar.actions_by_name.items():
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(bar.describe(name)))
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            self.table.setItem(row, 1, QTableWidgetItem(shortcut))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip(self.tr("Close"))
        column = QVBoxLayout(self)
        column.addWidget(self.table)
        column.addWidget(buttons)
        self.resize(460, 520)

    def rows(self) -> list[tuple[str, str]]:
        return [(self._text(row, 0), self._text(row, 1)) for row in range(self.table.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""
