"""Grid arithmetic: shapes for each size of meeting, pages beyond 16, and 16:9 tiles that fit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visio_desktop.ui.layout import (
    PAGE_SIZE,
    grid_rects,
    grid_shape,
    page_count,
    page_slice,
    speaker_rects,
)


@pytest.mark.parametrize(
    ("count", "shape"),
    [(1, (1, 1)), (2, (2, 1)), (3, (2, 2)), (4, (2, 2)), (5, (3, 2)), (6, (3, 2)),
     (7, (3, 3)), (9, (3, 3)), (10, (4, 4)), (16, (4, 4)), (40, (4, 4))],
)  # fmt: skip
def test_the_grid_adapts_to_the_number_of_participants(count: int, shape: tuple[int, int]) -> None:
    assert grid_shape(count) == shape


def test_pages_beyond_sixteen() -> None:
    assert page_count(16) == 1
    assert page_count(17) == 2
    assert list(page_slice(17, 0)) == list(range(16))
    assert list(page_slice(17, 1)) == [16]
    assert list(page_slice(17, 9)) == [16]  # clamped to the last page


@given(st.integers(1, PAGE_SIZE), st.integers(100, 4000), st.integers(100, 3000))
def test_tiles_keep_16_by_9_and_fit_without_overlap(count: int, width: int, height: int) -> None:
    rects = grid_rects(count, width, height)
    assert len(rects) == count
    for rect in rects:
        assert rect.x >= -1 and rect.y >= -1
        assert rect.x + rect.width <= width + 1 and rect.y + rect.height <= height + 1
        assert abs(rect.width - rect.height * 16 / 9) <= 2  # 16:9 up to rounding
    for a in rects:
        for b in rects:
            if a is not b:
                assert (
                    a.x + a.width <= b.x + 1
                    or b.x + b.width <= a.x + 1
                    or a.y + a.height <= b.y + 1
                    or b.y + b.height <= a.y + 1
                )


def test_a_last_row_that_is_not_full_is_centred() -> None:
    rects = grid_rects(3, 1600, 900)
    top, bottom = rects[:2], rects[2]
    assert top[0].y == top[1].y < bottom.y
    middle = (top[0].x + top[1].x + top[1].width) / 2
    assert abs(bottom.x + bottom.width / 2 - middle) <= 1


def test_speaker_view_has_one_large_tile_and_a_strip() -> None:
    rects = speaker_rects(5, 1600, 900)
    main, strip = rects[0], rects[1:]
    assert len(strip) == 4
    assert all(tile.width < main.width / 3 for tile in strip)
    assert all(tile.y > main.y + main.height for tile in strip)
