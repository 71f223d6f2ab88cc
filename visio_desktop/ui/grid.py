"""The tile area of the call window: a grid that adapts to the number of participants and
pages beyond 16, or a speaker view with one large tile (pinned, a shared screen, or the active
speaker). A shared screen switches the view to speaker view while it lasts, like other
clients; the view the user had comes back when the last shared screen ends."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import QWidget

from visio_desktop.core.kinds import TileKey
from visio_desktop.media.render import RenderedFrame
from visio_desktop.ui.layout import Rect, grid_rects, page_count, page_slice, speaker_rects
from visio_desktop.ui.tiles import VideoTile


class ViewMode(StrEnum):
    GRID = "grid"
    SPEAKER = "speaker"


class TileGrid(QWidget):
    layout_changed = Signal()  # pages, mode or visible tiles changed
    pin_changed = Signal(object)  # the pinned TileKey, None when none
    volume_requested = Signal(object, float)  # a tile's TileKey, volume 0-2

    def __init__(
        self,
        on_resized: Callable[[TileKey, int, int], None],
        on_painted: Callable[[TileKey], None],
        on_removed: Callable[[TileKey], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_resized = on_resized
        self._on_painted = on_painted
        self._on_removed = on_removed
        self._tiles: dict[TileKey, VideoTile] = {}
        self._order: list[TileKey] = []
        self.mode = ViewMode.GRID
        self.page = 0
        self.pinned: TileKey | None = None
        self.active_speaker: TileKey | None = None
        self.presenting: list[TileKey] = []  # shared screens' keys, oldest first
        self._mode_before_presenting: ViewMode | None = None
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#161616"))
        self.setPalette(palette)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Participants' videos"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    # -- tiles ---------------------------------------------------------------------------------

    def tile(self, key: TileKey) -> VideoTile | None:
        return self._tiles.get(key)

    def tiles(self) -> list[VideoTile]:
        return [self._tiles[key] for key in self._order]

    def add_tile(self, key: TileKey, name: str, *, first: bool = False) -> VideoTile:
        existing = self._tiles.get(key)
        if existing is not None:
            existing.set_state(name=name)
            return existing
        tile = VideoTile(key, name, self._on_resized, self._on_painted, self)
        tile.pin_requested.connect(self.toggle_pin)
        tile.volume_requested.connect(self.volume_requested)
        self._tiles[key] = tile
        if first:
            self._order.insert(0, key)
        else:
            self._order.append(key)
        self.relayout()
        return tile

    def remove_tile(self, key: TileKey) -> None:
        tile = self._tiles.pop(key, None)
        if tile is None:
            return
        self._order.remove(key)
        tile.hide()
        tile.deleteLater()
        if self._on_removed is not None:
            self._on_removed(key)  # the renderer forgets the tile
        if self.pinned == key:
            self.pinned = None
            self.pin_changed.emit(None)
        if self.active_speaker == key:
            self.active_speaker = None
        if key in self.presenting:
            self._stop_presenting(key)
        self.relayout()

    def arrange(self, keys: tuple[TileKey, ...]) -> None:
        """Put the tiles in this order (the call state's), those not named last."""
        order = [key for key in keys if key in self._tiles]
        order += [key for key in self._order if key not in order]
        if order != self._order:
            self._order = order
            self.relayout()

    def show_frame(self, frame: RenderedFrame) -> None:
        tile = self._tiles.get(frame.key)
        if tile is None:
            self._on_painted(frame.key)
        else:
            tile.show_frame(frame)

    # -- views ---------------------------------------------------------------------------------

    def set_mode(self, mode: ViewMode) -> None:
        self.mode = mode
        self._mode_before_presenting = None  # the user chose: keep it after the share
        self.relayout()

    def add_screen(self, key: TileKey, name: str) -> VideoTile:
        """A shared screen: a tile featured large in speaker view while it lasts."""
        tile = self.add_tile(key, name)
        tile.is_screen = True
        tile.set_state(video=True, audio=False)
        if key not in self.presenting:
            self.presenting.append(key)
            if self._mode_before_presenting is None:
                self._mode_before_presenting = self.mode
            self.mode = ViewMode.SPEAKER
            self.pin_changed.emit(self.pinned)  # the view control follows the mode
            self.relayout()
        return tile

    def _stop_presenting(self, key: TileKey) -> None:
        self.presenting.remove(key)
        if not self.presenting and self._mode_before_presenting is not None:
            self.mode, self._mode_before_presenting = self._mode_before_presenting, None
            self.pin_changed.emit(self.pinned)

    def toggle_pin(self, key: TileKey) -> None:
        self.pin(key if self.pinned != key else None)

    def pin(self, key: TileKey | None) -> None:
        self.pinned = key if key in self._tiles else None
        for tile in self._tiles.values():
            tile.set_state(pinned=tile.key == self.pinned)
        if self.pinned:
            self.mode = ViewMode.SPEAKER
        self.pin_changed.emit(self.pinned)
        self.relayout()

    def set_active_speaker(self, key: TileKey | None) -> None:
        if key == self.active_speaker:
            return
        self.active_speaker = key
        for tile in self._tiles.values():
            tile.set_state(speaking=tile.key == key)
        if self.mode is ViewMode.SPEAKER and not self.pinned:
            self.relayout()

    def page_count(self) -> int:
        return page_count(len(self._order)) if self.mode is ViewMode.GRID else 1

    def set_page(self, page: int) -> None:
        self.page = max(0, min(page, self.page_count() - 1))
        self.relayout()

    def visible_keys(self) -> list[TileKey]:
        if self.mode is ViewMode.GRID:
            return [self._order[i] for i in page_slice(len(self._order), self.page)]
        featured = self.pinned or (self.presenting[0] if self.presenting else self.active_speaker)
        if featured not in self._tiles:
            # No one to feature yet: the first remote participant, else whoever is there.
            featured = self._order[1] if len(self._order) > 1 else next(iter(self._order), None)
        others = [key for key in self._order if key != featured]
        return ([featured] if featured is not None else []) + others[:6]

    def relayout(self) -> None:
        self.page = max(0, min(self.page, self.page_count() - 1))
        visible = self.visible_keys()
        width, height = self.width(), self.height()
        if self.mode is ViewMode.GRID:
            rects = grid_rects(len(visible), width, height)
        else:
            rects = speaker_rects(len(visible), width, height)
        shown = set(visible)
        for key, tile in self._tiles.items():
            if key not in shown:
                tile.hide()
        for key, rect in zip(visible, rects, strict=False):
            tile = self._tiles[key]
            tile.setGeometry(*_qrect(rect))
            tile.show()
        self.layout_changed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.relayout()


def _qrect(rect: Rect) -> tuple[int, int, int, int]:  # setGeometry takes x, y, w, h too
    return rect.x, rect.y, rect.width, rect.height
