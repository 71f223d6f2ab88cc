"""Where tiles go: the grid shape for a number of participants, pages beyond 16, and tile
rectangles that keep the video's aspect ratio. Pure arithmetic, so it is tested on its own."""

from __future__ import annotations

import math
from dataclasses import dataclass

PAGE_SIZE = 16
ASPECT = 16 / 9

# (columns, rows) for 1, 2, 3-4, 5-6, 7-9 and 10-16 tiles.
_SHAPES = ((1, 1, 1), (2, 2, 1), (4, 2, 2), (6, 3, 2), (9, 3, 3), (16, 4, 4))


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    width: int
    height: int


def grid_shape(count: int) -> tuple[int, int]:
    """Columns and rows for `count` tiles on one page (at most PAGE_SIZE)."""
    count = max(1, min(count, PAGE_SIZE))
    for most, columns, rows in _SHAPES:
        if count <= most:
            return columns, rows
    raise AssertionError("unreachable")


def page_count(count: int) -> int:
    return max(1, math.ceil(count / PAGE_SIZE))


def page_slice(count: int, page: int) -> range:
    """The indexes of the tiles on `page` (clamped to the pages there are)."""
    page = max(0, min(page, page_count(count) - 1))
    start = page * PAGE_SIZE
    return range(start, min(count, start + PAGE_SIZE))


def grid_rects(count: int, width: int, height: int, gap: int = 8) -> list[Rect]:
    """Rectangles of 16:9 tiles for `count` tiles (one page), centred in width x height.

    A last row that is not full is centred, like the web client does."""
    if count <= 0 or width <= 0 or height <= 0:
        return []
    columns, rows = grid_shape(count)
    rows = min(rows, math.ceil(count / columns))
    cell_w = (width - gap * (columns - 1)) / columns
    cell_h = (height - gap * (rows - 1)) / rows
    tile_w = min(cell_w, cell_h * ASPECT)
    tile_h = tile_w / ASPECT
    total_h = rows * tile_h + (rows - 1) * gap
    top = (height - total_h) / 2
    rects = []
    for index in range(min(count, PAGE_SIZE)):
        row, column = divmod(index, columns)
        in_row = min(columns, count - row * columns)
        row_w = in_row * tile_w + (in_row - 1) * gap
        left = (width - row_w) / 2
        rects.append(
            Rect(
                round(left + column * (tile_w + gap)),
                round(top + row * (tile_h + gap)),
                max(1, round(tile_w)),
                max(1, round(tile_h)),
            )
        )
    return rects


def speaker_rects(count: int, width: int, height: int, gap: int = 8) -> list[Rect]:
    """Speaker view: the first tile large, the others in a strip below it (at most 6 shown)."""
    if count <= 0 or width <= 0 or height <= 0:
        return []
    if count == 1:
        return grid_rects(1, width, height, gap)
    strip_h = max(60, height // 5)
    main = grid_rects(1, width, height - strip_h - gap, gap)[0]
    shown = min(count - 1, 6)
    strip = grid_rects_row(shown, width, strip_h, gap)
    top = height - strip_h
    return [main] + [Rect(r.x, r.y + top, r.width, r.height) for r in strip]


def grid_rects_row(count: int, width: int, height: int, gap: int) -> list[Rect]:
    tile_h = min(height, (width - gap * (count - 1)) / count / ASPECT)
    tile_w = tile_h * ASPECT
    row_w = count * tile_w + (count - 1) * gap
    left = (width - row_w) / 2
    top = (height - tile_h) / 2
    return [
        Rect(round(left + i * (tile_w + gap)), round(top), round(tile_w), round(tile_h))
        for i in range(count)
    ]
