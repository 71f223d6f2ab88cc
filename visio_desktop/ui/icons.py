"""The application's icons: one set of SVG files, recoloured and rendered crisply at any size.

The SVGs in `resources/icons/` are 24x24, stroke-based and drawn in `#ffffff` (for the dark
control bar). `icon(name, color)` swaps that colour string in the SVG text before rendering, so
the same set works on light backgrounds too. The application icon (`app`) has its own colours
and is never recoloured.

Icons are rendered by QSvgRenderer at the exact device-pixel size asked for (a QIconEngine does
it lazily, so a high-DPI screen gets sharp pixmaps); SVG text, renderers and pixmaps are cached.
A missing or broken icon logs one warning and yields an empty QIcon / null QPixmap.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from visio_desktop.core.resources import resource

__all__ = ["ICON_NAMES", "icon", "pixmap"]

log = logging.getLogger(__name__)

ICON_NAMES = (
    "mic",
    "mic-off",
    "camera",
    "camera-off",
    "screen-share",
    "hand",
    "reaction",
    "chat",
    "participants",
    "captions",
    "transcript",
    "leave",
    "settings",
    "fullscreen",
    "fullscreen-exit",
    "pin",
    "grid",
    "speaker-view",
    "copy",
    "link",
    "help",
    "signal-good",
    "signal-fair",
    "signal-poor",
    "app",
)
DEFAULT_COLOR = "#ffffff"
_FIXED_COLOUR_ICONS = frozenset({"app"})
_DRAWN_COLOUR_RE = re.compile(re.escape(DEFAULT_COLOR), re.IGNORECASE)
_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PIXMAP_CACHE_SIZE = 512


def icon(name: str, color: str = DEFAULT_COLOR) -> QIcon:
    """Return the icon `name` drawn in `color`, or an empty QIcon (with a warning) if missing."""
    checked = _normalise_color(color)
    if _renderer(name, checked) is None:
        return QIcon()
    return QIcon(_SvgIconEngine(name, checked))


def pixmap(name: str, size: int, color: str = DEFAULT_COLOR) -> QPixmap:
    """Return the icon `name` as a `size` x `size` (device-independent) pixmap in `color`,
    rendered at the application's device pixel ratio; a null QPixmap if the icon is missing."""
    ratio = _device_pixel_ratio()
    device_size = max(1, round(size * ratio))
    rendered = _render(name, _normalise_color(color), device_size, device_size)
    if rendered.isNull():
        return rendered
    result = QPixmap(rendered)  # a shallow copy, so the cached pixmap keeps its own ratio
    result.setDevicePixelRatio(ratio)
    return result


class _SvgIconEngine(QIconEngine):
    """Renders one recoloured SVG at whatever pixel size Qt asks for."""

    def __init__(self, name: str, color: str) -> None:
        super().__init__()
        self._name = name
        self._color = color

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._name, self._color)

    def key(self) -> str:
        return "visio-svg"

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        rendered = _render(self._name, self._color, size.width(), size.height())
        if rendered.isNull() or mode != QIcon.Mode.Disabled:
            return QPixmap(rendered)
        return _disabled(rendered)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        # Qt passes the size in device pixels already; the caller sets the ratio afterwards.
        return self.pixmap(size, mode, state)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        width, height = max(1, round(rect.width() * ratio)), max(1, round(rect.height() * ratio))
        drawn = self.pixmap(QSize(width, height), mode, state)
        drawn.setDevicePixelRatio(ratio)
        painter.drawPixmap(QPoint(rect.x(), rect.y()), drawn)


def _normalise_color(color: str) -> str:
    """`#rrggbb` for any colour QColor understands; the default colour (and a warning) if not.

    The result is written into SVG text, so only this checked form ever reaches it.
    """
    parsed = QColor(color)
    if not parsed.isValid():
        log.warning("icon colour %r is not a colour; using %s", color[:40], DEFAULT_COLOR)
        return DEFAULT_COLOR
    return parsed.name(QColor.NameFormat.HexRgb)


@lru_cache(maxsize=64)
def _svg_text(name: str) -> str | None:
    if not _NAME_RE.fullmatch(name):
        log.warning("icon name %r is not a valid icon name", name[:40])
        return None
    path = resource("icons", f"{name}.svg")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("icon %r could not be read from %s: %s", name, path, exc)
        return None


@lru_cache(maxsize=256)
def _renderer(name: str, color: str) -> QSvgRenderer | None:
    text = _svg_text(name)
    if text is None:
        return None
    if name not in _FIXED_COLOUR_ICONS and color != DEFAULT_COLOR:
        text = _DRAWN_COLOUR_RE.sub(color, text)
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    if not renderer.isValid():
        log.warning("icon %r is not a valid SVG file", name)
        return None
    return renderer


@lru_cache(maxsize=_PIXMAP_CACHE_SIZE)
def _render(name: str, color: str, width: int, height: int) -> QPixmap:
    """The icon drawn into a transparent `width` x `height` pixmap, centred, aspect kept."""
    renderer = _renderer(name, color)
    if renderer is None or width <= 0 or height <= 0:
        return QPixmap()
    result = QPixmap(width, height)
    result.fill(Qt.GlobalColor.transparent)
    side = min(width, height)
    target = QRect((width - side) // 2, (height - side) // 2, side, side)
    painter = QPainter(result)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, target)
    painter.end()
    return result


def _disabled(source: QPixmap) -> QPixmap:
    """The pixmap at 40 % opacity: reads as disabled on dark and light backgrounds alike (the
    Fusion style's greyed version leaves a white icon white)."""
    faded = QPixmap(source.size())
    faded.fill(Qt.GlobalColor.transparent)
    painter = QPainter(faded)
    painter.setOpacity(0.4)
    painter.drawPixmap(0, 0, source)
    painter.end()
    return faded


def _device_pixel_ratio() -> float:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        return max(1.0, app.devicePixelRatio())
    return 1.0
