"""Sharing our screen in the call window: the picker and the "you are sharing" bar.

The picker offers a whole screen (each monitor, or the one screen) or one window. Monitors come
from Qt; windows from the X11 window list (`media.screen.list_windows`), read in
a thread because it runs xprop. The dialog is opened with `open()`, never `exec()`: the call
goes on behind it, and `chosen` carries the answer."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.media.screen import ScreenTarget, WholeScreen, Window, list_windows

WindowLister = Callable[[], list[Window]]
_TARGET = Qt.ItemDataRole.UserRole


def monitor_targets(screens: list[QScreen], display: str = "") -> list[WholeScreen]:
    """One entry per monitor in device pixels (X11 coordinates), or the one screen whole."""
    if len(screens) <= 1:
        return [WholeScreen(display, label=_size_label(screens[0]) if screens else "")]
    targets = []
    for screen in screens:
        ratio = screen.devicePixelRatio()
        area = screen.geometry()
        region = (
            round(area.x() * ratio),
            round(area.y() * ratio),
            round(area.width() * ratio) // 2 * 2,
            round(area.height() * ratio) // 2 * 2,
        )
        targets.append(
            WholeScreen(display, label=f"{screen.name()} ({_size(region)})", region=region)
        )
    return targets


def _size_label(screen: QScreen) -> str:
    ratio = screen.devicePixelRatio()
    size = screen.geometry().size()
    return f"{round(size.width() * ratio)} × {round(size.height() * ratio)}"


def _size(region: tuple[int, int, int, int]) -> str:
    return f"{region[2]} × {region[3]}"


class ScreenPicker(QDialog):
    chosen = Signal(object)  # the ScreenTarget to share
    _windows_listed = Signal(list)  # from the listing thread

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        own_windows: set[int] | None = None,
        lister: WindowLister | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Share your screen"))
        self.setModal(True)
        self._own = own_windows or set()
        self.intro = QLabel(self.tr("Choose what the others will see."))
        self.intro.setWordWrap(True)
        self.targets = QListWidget()
        self.targets.setAccessibleName(self.tr("Screens and windows"))
        self.targets.setToolTip(self.tr("A whole screen, or one window"))
        self.targets.setStyleSheet("QListWidget::item { padding: 5px 4px; }")
        self.targets.itemDoubleClicked.connect(lambda _: self._share())
        self.targets.currentItemChanged.connect(lambda *_: self._update())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.share_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.share_button.setText(self.tr("&Share"))
        self.share_button.setAccessibleName(self.tr("Share"))
        self.share_button.setToolTip(self.tr("Start sharing what is selected"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        cancel.setToolTip(self.tr("Do not share anything"))
        self.buttons.accepted.connect(self._share)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.intro)
        column.addWidget(self.targets, 1)
        column.addWidget(self.buttons)
        self.resize(460, 420)
        display = os.environ.get("DISPLAY", "")
        self._heading(self.tr("Screens"))
        for target in monitor_targets(QGuiApplication.screens(), display):
            label = self.tr("Entire screen")
            self._add(f"{label} — {target.label}" if target.label else label, target)
        self.targets.setCurrentRow(1)
        self._loading = self._heading(self.tr("Windows (looking for them…)"))
        self._windows_listed.connect(self._show_windows)
        listing = lister or (lambda: list_windows(display))
        threading.Thread(
            target=self._list, args=(listing,), name="window-list", daemon=True
        ).start()

    def target(self) -> ScreenTarget | None:
        item = self.targets.currentItem()
        value = item.data(_TARGET) if item is not None else None
        return value if isinstance(value, (WholeScreen, Window)) else None

    def select(self, title: str) -> bool:
        """Select the entry with this text (for keyboard users typing and for tests)."""
        for row in range(self.targets.count()):
            item = self.targets.item(row)
            if item.data(_TARGET) is not None and item.text() == title:
                self.targets.setCurrentItem(item)
                return True
        return False

    def entries(self) -> list[str]:
        items = (self.targets.item(row) for row in range(self.targets.count()))
        return [item.text() for item in items if item.data(_TARGET) is not None]

    def _list(self, lister: WindowLister) -> None:  # the listing thread
        try:
            windows = lister()
        except Exception:  # an X error while listing: only whole screens are offered
            windows = []
        with contextlib.suppress(RuntimeError):  # the dialog was closed and deleted meanwhile
            self._windows_listed.emit(windows)

    def _show_windows(self, windows: list[Window]) -> None:
        own = self._own | {
            int(widget.winId())
            for widget in QApplication.topLevelWidgets()
            if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Created)
        }  # this application's windows (this picker too) are not offered
        shown = [w for w in windows if w.window_id not in own and w.title]
        self._loading.setText(self.tr("Windows") if shown else self.tr("Windows (none found)"))
        for window in sorted(shown, key=lambda w: w.title.casefold()):
            self._add(window.title, window)

    def _heading(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.targets.addItem(item)
        return item

    def _add(self, text: str, target: ScreenTarget) -> None:
        item = QListWidgetItem(text)
        item.setData(_TARGET, target)
        self.targets.addItem(item)

    def _update(self) -> None:
        self.share_button.setEnabled(self.target() is not None)

    def _share(self) -> None:
        target = self.target()
        if target is None:
            return
        self.chosen.emit(target)
        self.accept()


class SharingBar(QWidget):
    """Shown while we share: says so, with a button to stop."""

    stop_requested = Signal()

    def __init__(self, shortcut: QKeySequence, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shortcut = shortcut.toString(QKeySequence.SequenceFormat.NativeText)
        self.setObjectName("sharingBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet("QWidget#sharingBar { background: #18753c; } QLabel { color: white; }")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.stop_button = QPushButton()
        self.stop_button.clicked.connect(self.stop_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 4, 12, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.stop_button)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(self.tr("You are sharing your screen with everyone."))
        self.setAccessibleName(self.tr("You are sharing your screen with everyone."))
        self.stop_button.setText(self.tr("Stop sharing"))
        self.stop_button.setAccessibleName(self.tr("Stop sharing"))
        tip = self.tr("Stop sharing your screen")
        self.stop_button.setToolTip(f"{tip} ({self._shortcut})")
