"""Short notices over the call ("Anne joined", "Paul raised a hand"): shown for a few seconds
at the top of the video area and announced to screen readers."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

_SHOWN_MS = 4000
_MOST = 3
_STYLE = (
    "background: rgba(32, 33, 36, 230); color: white; border-radius: 8px;"
    " padding: 8px 14px; font-size: 14px;"
)


class Notifications(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(6)
        self._labels: deque[QLabel] = deque()
        self.history: list[str] = []  # everything announced, for the record and for tests
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Notifications"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def notify(self, text: str) -> None:
        self.history.append(text)
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet(_STYLE)
        label.setAccessibleName(text)
        self._column.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        self._labels.append(label)
        while len(self._labels) > _MOST:
            self._remove(self._labels[0])
        QTimer.singleShot(_SHOWN_MS, label, lambda: self._remove(label))
        label.ensurePolished()  # the style sheet's padding counts in the size
        self._place()
        self.show()
        self.raise_()
        announcement = QAccessibleAnnouncementEvent(self, text)
        QAccessible.updateAccessibility(announcement)

    def visible_texts(self) -> list[str]:
        return [label.text() for label in self._labels]

    def _remove(self, label: QLabel) -> None:
        if label in self._labels:
            self._labels.remove(label)
            self._column.removeWidget(label)
            label.deleteLater()
        if self._labels:
            self._place()
        else:
            self.hide()

    def _place(self) -> None:
        """Centred at the top of the parent (the video area), sized to the notices."""
        hints = [label.sizeHint() for label in self._labels]
        width = max(hint.width() for hint in hints)
        height = sum(hint.height() for hint in hints) + self._column.spacing() * (len(hints) - 1)
        self.resize(width, height)
        parent = self.parentWidget()
        if parent is not None:
            self.move(max(0, (parent.width() - self.width()) // 2), 12)
