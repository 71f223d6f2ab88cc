"""Every control of every screen has an accessible name and a tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QScrollBar,
    QTextBrowser,
    QWidget,
)

from visio_desktop.core.links import parse_link
from visio_desktop.desktop import Desktop
from visio_desktop.media.screen import Window
from visio_desktop.ui.screen_share import ScreenPicker
from visio_desktop.ui.settings_dialog import SettingsDialog

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractSlider,
    QPlainTextEdit,
    QTextBrowser,
    QListWidget,
)


def unnamed(root: QWidget) -> list[str]:
    missing = []
    for control in root.findChildren(QWidget):
        if not isinstance(control, CONTROLS) or control.parent() is None:
            continue
        if isinstance(control.parent(), (QComboBox, QLineEdit, QAbstractSpinBox)):
            continue  # inner parts (a combo box's editor, a clear button) speak through it
        if isinstance(control, QScrollBar):
            continue  # a scroll area's own bars
        if control.objectName().startswith("qt_"):
            continue  # Qt's own inner parts
        if not control.accessibleName() or not control.toolTip():
            label = control.objectName() or control.metaObject().className()
            text = getattr(control, "text", lambda: "")()
            missing.append(f"{label} {text!r} in {type(control.parent()).__name__}")
    return missing


def test_every_control_is_named_and_explained(desktop: Desktop) -> None:
    window = desktop.window
    window.open_link(parse_link("https://visio.example.fr/abc-defg-hij"))
    assert unnamed(window.home) == []
    assert unnamed(window.prejoin) == []
    assert unnamed(window.call) == []
    assert unnamed(window.waiting) == []
    dialog = SettingsDialog(window.settings, window)
    assert unnamed(dialog) == []
    picker = ScreenPicker(window.call, lister=lambda: [Window(1, "Notes")])
    assert unnamed(picker) == []
