"""A video tile: one participant's newest rendered frame, or their initials when there is no
video, with the name, a muted-microphone icon, a raised-hand badge, a connection-quality
indicator and a highlight while they speak. It only paints: frames arrive already scaled."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable

from PySide6.QtCore import QEvent, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QHideEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from visio_desktop.core.kinds import TileKey
from visio_desktop.engine.call_changes import Quality
from visio_desktop.media.render import RenderedFrame
from visio_desktop.ui import icons

_BACKGROUND = QColor("#202124")
_PLATE = QColor(0, 0, 0, 150)
_SPEAKING = QColor("#6a6af4")
_HAND = QColor("#ffca00")
_AVATAR_COLOURS = ("#000091", "#6a6af4", "#009081", "#c9191e", "#a558a0", "#ce614a", "#417dc4")


PaintObserver = Callable[[TileKey, float, float], None]
"""Told (tile key, seconds the frame waited from decoding to this paint, seconds painting)."""


class VideoTile(QWidget):
    pin_requested = Signal(object)  # the TileKey
    volume_requested = Signal(object, float)  # the TileKey, volume 0-2
    observer: PaintObserver | None = None  # set by benchmarks; None costs nothing

    def __init__(
        self,
        key: TileKey,
        name: str,
        on_resized: Callable[[TileKey, int, int], None],
        on_painted: Callable[[TileKey], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self._name = name
        self._on_resized = on_resized
        self._on_painted = on_painted
        self._frame: RenderedFrame | None = None
        self._image: QImage | None = None
        self._unacknowledged = False
        self.frames_shown = 0
        self.audio_on = False
        self.video_on = False
        self.hand_raised = False
        self.speaking = False
        self.pinned = False
        self.is_self = False
        self.is_screen = False  # a participant's shared screen: no microphone, no volume
        self.volume = 1.0
        self.quality = Quality.UNKNOWN
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._describe()

    @property
    def name(self) -> str:
        return self._name

    def set_state(
        self,
        *,
        name: str | None = None,
        audio: bool | None = None,
        video: bool | None = None,
        hand_raised: bool | None = None,
        speaking: bool | None = None,
        pinned: bool | None = None,
        quality: Quality | None = None,
    ) -> None:
        if name is not None:
            self._name = name
        if audio is not None:
            self.audio_on = audio
        if video is not None:
            self.video_on = video
            if not video:
                self._drop_frame()
        if hand_raised is not None:
            self.hand_raised = hand_raised
        if speaking is not None:
            self.speaking = speaking
        if pinned is not None:
            self.pinned = pinned
        if quality is not None:
            self.quality = quality
        self._describe()
        self.update()

    def show_frame(self, frame: RenderedFrame) -> None:
        """Wrap the rendered pixels without copying; they live as long as this frame is shown."""
        if self._unacknowledged:  # the previous frame was never painted (tile hidden)
            self._on_painted(self.key)
        self._frame = frame
        self._image = QImage(
            frame.pixels.data,
            frame.width,
            frame.height,
            frame.width * 4,
            QImage.Format.Format_RGB32,
        )
        self._unacknowledged = True
        if self.isVisible():
            self.update()
        else:
            self._acknowledge()

    def image(self) -> QImage | None:
        return self._image

    def _drop_frame(self) -> None:
        self._frame = None
        self._image = None
        self._acknowledge()

    def _acknowledge(self) -> None:
        if self._unacknowledged:
            self._unacknowledged = False
            self._on_painted(self.key)

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.monotonic()
        painter = QPainter(self)
        rect = self.rect()
        painter.fillRect(rect, _BACKGROUND)
        if self._image is not None and self.video_on:
            self._paint_video(painter, rect)
            self.frames_shown += 1
        else:
            self._paint_avatar(painter, rect)
        self._paint_plate(painter, rect)
        self._paint_badges(painter, rect)
        if self.speaking:
            painter.setPen(QPen(_SPEAKING, 4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        if self.hasFocus():
            painter.setPen(QPen(QColor("#ffffff"), 2, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.end()
        observer = VideoTile.observer
        if observer is not None and self._frame is not None and self._unacknowledged:
            now = time.monotonic()
            observer(self.key, now - self._frame.decoded_at, now - started)
        self._acknowledge()

    def _paint_video(self, painter: QPainter, rect: QRect) -> None:
        assert self._image is not None
        ratio = self.devicePixelRatioF()
        width = self._image.width() / ratio
        height = self._image.height() / ratio
        if width > rect.width() or height > rect.height():  # mid-resize: scale down once
            scale = min(rect.width() / width, rect.height() / height)
            width, height = width * scale, height * scale
        target = QRectF((rect.width() - width) / 2, (rect.height() - height) / 2, width, height)
        painter.drawImage(target, self._image)

    def _paint_avatar(self, painter: QPainter, rect: QRect) -> None:
        size = max(24, min(rect.width(), rect.height()) // 3)
        circle = QRect(rect.center().x() - size // 2, rect.center().y() - size // 2, size, size)
        colour = _AVATAR_COLOURS[zlib.crc32(self._name.encode()) % len(_AVATAR_COLOURS)]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawEllipse(circle)
        font = QFont(self.font())
        font.setPixelSize(max(10, size * 2 // 5))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, initials(self._name))

    def _paint_plate(self, painter: QPainter, rect: QRect) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(11, min(15, rect.height() // 14)))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        icon_size = metrics.height()
        label = self.tr("%1 (you)").replace("%1", self._name) if self.is_self else self._name
        text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, rect.width() // 2)
        muted = not self.audio_on and not self.is_screen
        width = metrics.horizontalAdvance(text) + 16 + (icon_size + 6 if muted else 0)
        plate = QRect(8, rect.height() - icon_size - 16, width, icon_size + 8)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_PLATE)
        painter.drawRoundedRect(plate, 6, 6)
        x = plate.x() + 8
        if muted:
            painter.drawPixmap(x, plate.y() + 4, icons.pixmap("mic-off", icon_size, "#ff8d7e"))
            x += icon_size + 6
        painter.setPen(QColor("#ffffff"))
        painter.drawText(
            QRect(x, plate.y(), plate.right() - x, plate.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            text,
        )

    def _paint_badges(self, painter: QPainter, rect: QRect) -> None:
        size = max(16, min(28, rect.height() // 8))
        if self.hand_raised:
            badge = QRect(8, 8, size + 8, size + 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_HAND)
            painter.drawRoundedRect(badge, 6, 6)
            painter.drawPixmap(badge.x() + 4, badge.y() + 4, icons.pixmap("hand", size, "#161616"))
        right = rect.width() - 8
        if self.quality is not Quality.UNKNOWN and not self.is_self:
            name = f"signal-{self.quality.value}"
            colour = {"good": "#5fd38d", "fair": "#ffca00", "poor": "#ff5655"}[self.quality.value]
            right -= size
            painter.drawPixmap(right, 8, icons.pixmap(name, size, colour))
        if self.pinned:
            right -= size + 6
            painter.drawPixmap(right, 8, icons.pixmap("pin", size, "#ffffff"))

    # -- events --------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()
        self._on_resized(self.key, round(self.width() * ratio), round(self.height() * ratio))

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._on_resized(self.key, 0, 0)  # a hidden tile costs no rendering
        self._acknowledge()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        ratio = self.devicePixelRatioF()
        self._on_resized(self.key, round(self.width() * ratio), round(self.height() * ratio))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.pin_requested.emit(self.key)

    def volume_menu(self) -> QMenu:
        """Pin, and this participant's volume for me only (not for the self-view)."""
        menu = QMenu(self)
        menu.addAction(self.tr("Unpin") if self.pinned else self.tr("Pin")).triggered.connect(
            lambda: self.pin_requested.emit(self.key)
        )
        if not self.is_self and not self.is_screen:
            menu.addSeparator()
            for label, volume in (
                (self.tr("Mute for me"), 0.0),
                (self.tr("Volume 50%"), 0.5),
                (self.tr("Volume 100%"), 1.0),
                (self.tr("Volume 150%"), 1.5),
            ):
                action = menu.addAction(label)
                action.setCheckable(True)
                action.setChecked(abs(self.volume - volume) < 0.01)
                action.triggered.connect(lambda _=False, v=volume: self._choose_volume(v))
        return menu

    def _choose_volume(self, volume: float) -> None:
        self.volume = volume
        self.volume_requested.emit(self.key, volume)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.volume_menu().exec(event.globalPos())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._describe()

    def _describe(self) -> None:
        if self.is_screen:
            self.setAccessibleName(self._name)
            self.setAccessibleDescription(self.tr("shared screen"))
            self.setToolTip(self.tr("%1 — double-click to pin").replace("%1", self._name))
            return
        self.setAccessibleName(self.tr("Video of %1").replace("%1", self._name))
        states = []
        states.append(self.tr("microphone on") if self.audio_on else self.tr("microphone off"))
        states.append(self.tr("camera on") if self.video_on else self.tr("camera off"))
        if self.hand_raised:
            states.append(self.tr("hand raised"))
        if self.speaking:
            states.append(self.tr("speaking"))
        self.setAccessibleDescription(", ".join(states))
        self.setToolTip(
            self.tr("%1 — double-click to pin, right-click for the volume").replace(
                "%1", self._name
            )
        )


def initials(name: str) -> str:
    words = [word for word in name.replace("-", " ").split() if word]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()
