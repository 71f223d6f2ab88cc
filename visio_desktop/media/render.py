"""The render thread: turns the newest decoded frame of each tile into BGRA at tile size.

Decoded frames arrive from the engine thread into a one-slot mailbox per tile; a newer frame
replaces one not yet rendered (counted as dropped). A tile gets its next frame only after it
painted the previous one (`painted`), so nothing queues between this thread and the GUI: what a
tile cannot show in time is dropped here, never delivered late.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from av import VideoFrame

from visio_desktop.core.kinds import TileKey

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True)
class RenderedFrame:
    """A frame scaled to fit its tile (aspect ratio kept), as contiguous BGRA rows."""

    key: TileKey
    pixels: np.ndarray  # shape (height, width, 4), uint8, C-contiguous
    width: int
    height: int
    source_width: int
    source_height: int
    decoded_at: float  # clock() when the frame reached the renderer
    rendered_at: float


@dataclass
class RenderStats:
    received: int = 0
    rendered: int = 0
    dropped: int = 0  # replaced in the mailbox before it could be rendered
    render_seconds: float = 0.0


@dataclass
class _Tile:
    width: int
    height: int
    pending: tuple[VideoFrame, float] | None = None
    in_flight: bool = False
    stats: RenderStats = field(default_factory=RenderStats)


OnRendered = Callable[[RenderedFrame], None]


def fit(source_w: int, source_h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest even size with the source's aspect ratio that fits in the box."""
    if source_w <= 0 or source_h <= 0 or box_w < 2 or box_h < 2:
        return 0, 0
    scale = min(box_w / source_w, box_h / source_h)
    width = max(2, int(source_w * scale) // 2 * 2)
    height = max(2, int(source_h * scale) // 2 * 2)
    return min(width, box_w // 2 * 2), min(height, box_h // 2 * 2)


class FrameRenderer:
    def __init__(self, on_rendered: OnRendered, clock: Clock = time.monotonic) -> None:
        self._on_rendered = on_rendered
        self._clock = clock
        self._tiles: dict[TileKey, _Tile] = {}
        self._lock = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="visio-render", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    # -- GUI thread ----------------------------------------------------------------------------

    def set_size(self, key: TileKey, width: int, height: int) -> None:
        """A tile's size in device pixels; frames for unknown keys are ignored."""
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self._tiles[key] = _Tile(width, height)
            else:
                tile.width, tile.height = width, height

    def remove(self, key: TileKey) -> None:
        with self._lock:
            self._tiles.pop(key, None)

    def painted(self, key: TileKey) -> None:
        """The tile showed its frame: it may have the next one."""
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                tile.in_flight = False
                if tile.pending is not None:
                    self._lock.notify()

    def stats(self) -> dict[TileKey, RenderStats]:
        with self._lock:
            return {key: RenderStats(**vars(tile.stats)) for key, tile in self._tiles.items()}

    # -- engine thread -------------------------------------------------------------------------

    def submit(self, key: TileKey, frame: VideoFrame) -> None:
        """The newest decoded frame for a tile; never blocks for long, never queues."""
        now = self._clock()
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                return
            tile.stats.received += 1
            if tile.pending is not None:
                tile.stats.dropped += 1
            tile.pending = (frame, now)
            if not tile.in_flight:
                self._lock.notify()

    # -- render thread -------------------------------------------------------------------------

    def _next(self) -> tuple[TileKey, VideoFrame, float, int, int] | None:
        """The tile whose frame has waited longest: when the thread cannot keep up, every
        tile loses frames in turn instead of the last ones freezing."""
        with self._lock:
            while not self._stopping:
                ready = [
                    (tile.pending[1], key)
                    for key, tile in self._tiles.items()
                    if tile.pending is not None and not tile.in_flight
                ]
                if ready:
                    _, key = min(ready)
                    tile = self._tiles[key]
                    assert tile.pending is not None
                    (frame, decoded_at), tile.pending = tile.pending, None
                    tile.in_flight = True
                    return key, frame, decoded_at, tile.width, tile.height
                self._lock.wait()
            return None

    def _run(self) -> None:
        while (job := self._next()) is not None:
            key, frame, decoded_at, box_w, box_h = job
            started = self._clock()
            try:
                rendered = self._render(key, frame, decoded_at, box_w, box_h)
            except Exception:  # a frame the scaler refuses must not stop all video
                log.exception("could not render a frame for %s", key)
                rendered = None
            with self._lock:
                tile = self._tiles.get(key)
                if tile is None:
                    continue
                if rendered is None:
                    tile.in_flight = False
                    continue
                tile.stats.rendered += 1
                tile.stats.render_seconds += self._clock() - started
            try:
                self._on_rendered(rendered)
            except Exception:
                log.exception("the rendered-frame callback failed for %s", key)
                self.painted(key)

    def _render(
        self, key: TileKey, frame: VideoFrame, decoded_at: float, box_w: int, box_h: int
    ) -> RenderedFrame | None:
        width, height = fit(frame.width, frame.height, box_w, box_h)
        if width == 0:
            return None
        scaled = frame.reformat(width=width, height=height, format="bgra")
        pixels = np.ascontiguousarray(scaled.to_ndarray())
        return RenderedFrame(
            key=key,
            pixels=pixels,
            width=width,
            height=height,
            source_width=frame.width,
            source_height=frame.height,
            decoded_at=decoded_at,
            rendered_at=self._clock(),
        )
