"""Which remote videos are on screen, and how large: what an SFU should send us.

A 40-person meeting must not decode 39 videos. The grid shows one page of at most 16 tiles,
the speaker view one large tile and a strip; the rest are hidden. `VisibleTiles` watches the
tile grid (its layout, its size, being shown, hidden or minimised) and, once a burst of changes
has settled, reports the remote camera and screen tiles actually on screen with their size in
device pixels (`Session.show_tiles` takes it from there). Our own tile and the pre-join preview
are never reported; a hidden or minimised call view reports nothing.

It reads widget visibility on purpose: what is on screen is exactly the question here, unlike
the call state, which never follows what happens to be visible."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer

from visio_desktop.core.kinds import TileKey, TileKind
from visio_desktop.ui.grid import TileGrid

TileSizes = dict[TileKey, tuple[int, int]]
"""Remote video tiles on screen and their size in device pixels (rtc.plane.TileSizes)."""

SETTLE_MS = 100
"""How long the tiles must stay put before they are reported: a window dragged to a new size
sends one report, not one per frame (LiveKit's web client waits about as long)."""

_REMOTE = (TileKind.CAMERA, TileKind.SCREEN)
_WATCHED = (
    QEvent.Type.Show,
    QEvent.Type.Hide,  # also sent, spontaneously, when the window is minimised
    QEvent.Type.DevicePixelRatioChange,  # moved to a screen with another scale
)


class VisibleTiles(QObject):
    """Calls `report` with the remote tiles on screen, once per settled change."""

    def __init__(
        self, grid: TileGrid, report: Callable[[TileSizes], object], settle_ms: int = SETTLE_MS
    ) -> None:
        super().__init__(grid)
        self._grid = grid
        self._report = report
        self._reported: TileSizes = {}  # what the engine was last told (a new meeting: nothing)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(settle_ms)
        self._timer.timeout.connect(self.flush)
        grid.layout_changed.connect(self.schedule)
        grid.installEventFilter(self)

    @property
    def reported(self) -> TileSizes:
        return dict(self._reported)

    def schedule(self) -> None:
        """Something may have changed: report once things have been still for a moment."""
        self._timer.start()  # restarts a running timer: a burst makes one report

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _WATCHED:
            self.schedule()
        return False

    def flush(self) -> None:
        """Report now, unless nothing changed since the last report."""
        self._timer.stop()
        shown = self.on_screen()
        if shown != self._reported:
            self._reported = shown
            self._report(dict(shown))

    def on_screen(self) -> TileSizes:
        grid = self._grid
        if not grid.isVisible() or grid.window().isMinimized():
            return {}
        area = grid.rect()
        shown: TileSizes = {}
        for tile in grid.tiles():
            if tile.key.kind not in _REMOTE or not tile.isVisible():
                continue
            if not area.intersects(tile.geometry()):
                continue
            ratio = tile.devicePixelRatioF()
            shown[tile.key] = (round(tile.width() * ratio), round(tile.height() * ratio))
        return shown
