"""Small building blocks shared by the screens: named widgets, labels, buttons, cards, boxes,
and the light screens' style sheet."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QBoxLayout, QFrame, QLabel, QLayout, QPushButton, QVBoxLayout, QWidget

_W = TypeVar("_W", bound=QWidget)
_L = TypeVar("_L", bound=QBoxLayout)

HOME_STYLE = """
#home, #homePage { background: #f6f6f6; }
QScrollArea#homeScroll { background: #f6f6f6; border: none; }
QFrame#card { background: #ffffff; border: 1px solid #dddddd; border-radius: 8px; }
QLabel { color: #161616; }
QLabel[role="muted"] { color: #666666; }
QLabel#linkError, QLabel#bannerText { color: #ce0500; }
QLineEdit { background: #ffffff; color: #161616; border: 1px solid #929292; border-radius: 4px;
            padding: 7px 8px; selection-background-color: #000091; }
QLineEdit:focus { border: 1px solid #000091; }
QLineEdit:read-only { background: #eeeeee; }
QPushButton { border-radius: 4px; padding: 7px 16px; border: 2px solid transparent; }
QPushButton[role="primary"] { background: #000091; color: #ffffff; }
QPushButton[role="primary"]:hover { background: #1212ff; }
QPushButton[role="primary"]:disabled { background: #e5e5e5; color: #929292; }
QPushButton[role="secondary"] { background: #ffffff; color: #000091; border-color: #000091;
                                border-width: 1px; }
QPushButton[role="secondary"]:hover { background: #f0f0ff; }
QPushButton[role="secondary"]:disabled { color: #929292; border-color: #e5e5e5; }
QPushButton:focus, QToolButton:focus { border: 2px solid #0a76f6; }
QToolButton { border: 2px solid transparent; border-radius: 4px; padding: 6px; color: #161616; }
QToolButton:hover { background: #e8e8e8; }
QFrame#banner { background: #ffe9e9; border: 1px solid #ce0500; border-radius: 4px; }
QListWidget { border: none; background: transparent; outline: none; }
QListWidget::item { padding: 8px 4px; border-bottom: 1px solid #eeeeee; color: #161616; }
QListWidget::item:selected { background: #e3e3fd; color: #000091; }
"""


def font(point_size: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def named(widget: _W, name: str) -> _W:
    """Give `widget` an object name for the style sheet, and let it paint its background."""
    widget.setObjectName(name)
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
    return widget


def label(
    font: QFont | None = None, *, center: bool = False, muted: bool = False, name: str = ""
) -> QLabel:
    label = QLabel(wordWrap=True)
    label.setObjectName(name)
    if font is not None:
        label.setFont(font)
    if center:
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if muted:
        label.setProperty("role", "muted")
    return label


def button(role: str, with_icon: QIcon | None = None) -> QPushButton:
    button = QPushButton()
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setProperty("role", role)
    if with_icon is not None:
        button.setIcon(with_icon)
    return button


Part = QWidget | QLayout | tuple[QWidget, int] | None


def box(layout: _L, *parts: Part, spacing: int = 8, margin: int = 0) -> _L:
    """Fill a box layout: widgets, (widget, stretch), nested layouts, None for a stretch."""
    layout.setSpacing(spacing)
    layout.setContentsMargins(margin, margin, margin, margin)
    for part in parts:
        if part is None:
            layout.addStretch(1)
        elif isinstance(part, tuple):
            layout.addWidget(part[0], part[1])
        elif isinstance(part, QWidget):
            layout.addWidget(part)
        else:
            layout.addLayout(part)
    return layout


def card(*parts: Part) -> QFrame:
    card = named(QFrame(), "card")
    box(QVBoxLayout(card), *parts, spacing=10, margin=22)
    return card
