"""The render thread: fitting a frame to its tile, BGRA output, the one-slot mailbox per tile,
acknowledgement by `painted`, hidden and unknown tiles, and a clean stop.

Every wait is on the renderer's own callback (a queue with a timeout as an upper bound only);
nothing sleeps. To show that something did *not* happen, a frame for a second tile goes through
the same thread afterwards and serves as a barrier."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from av import VideoFrame

from visio_desktop.core.kinds import TileKey
from visio_desktop.media.render import FrameRenderer, RenderedFrame, fit

TIMEOUT = 10.0  # an upper bound against a hung thread, never a pacing

BARRIER_2 = TileKey.camera("barrier-2")
BARRIER = TileKey.camera("barrier")
GHOST = TileKey.camera("ghost")
FIRST = TileKey.camera("first")
SECOND = TileKey.camera("second")
THIRD = TileKey.camera("third")
A = TileKey.camera("a")
B = TileKey.camera("b")
C = TileKey.camera("c")


def solid(rgb: tuple[int, int, int], width: int = 640, height: int = 360) -> VideoFrame:
    """What aiortc's VP8 decoder hands out (yuv420p), filled with one colour."""
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[:, :] = rgb
    return VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuv420p")


class Harness:
    def __init__(self) -> None:
        self.delivered: queue.Queue[RenderedFrame] = queue.Queue()
        ticks = itertools.count()
        self.renderer = FrameRenderer(self.delivered.put, clock=lambda: float(next(ticks)))

    def next(self) -> RenderedFrame:
        return self.delivered.get(timeout=TIMEOUT)

    def barrier(self, key: TileKey = BARRIER) -> list[RenderedFrame]:
        """Everything delivered before a fresh frame of tile `key` made it through the thread."""
        self.renderer.set_size(key, 64, 36)
        self.renderer.submit(key, solid((0, 0, 0), 64, 36))
        before: list[RenderedFrame] = []
        while (frame := self.next()).key != key:
            before.append(frame)
        self.renderer.painted(key)
        return before


@pytest.fixture
def harness() -> Iterator[Harness]:
    harness = Harness()
    harness.renderer.start()
    yield harness
    harness.renderer.stop()


# -- fit -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source_w", "source_h"), [(640, 360), (1280, 720), (360, 640), (4, 3)])
def test_fit_keeps_the_aspect_ratio_in_even_sizes_inside_the_box(
    source_w: int, source_h: int
) -> None:
    for box_w, box_h in itertools.product(range(32, 1300, 37), range(32, 900, 41)):
        width, height = fit(source_w, source_h, box_w, box_h)
        assert width % 2 == 0 and height % 2 == 0
        assert 2 <= width <= box_w and 2 <= height <= box_h
        assert width >= box_w - 3 or height >= box_h - 3  # as large as the box allows
        # Each side is the exact scaled side rounded down to even: off by less than 2 pixels.
        assert abs(width * source_h - height * source_w) < 2 * max(source_w, source_h)


def test_fit_of_common_tiles() -> None:
    assert fit(640, 360, 1280, 720) == (1280, 720)
    assert fit(640, 360, 400, 400) == (400, 224)  # 225 rounded down to even
    assert fit(640, 360, 301, 300) == (300, 168)
    assert fit(360, 640, 400, 400) == (224, 400)


@pytest.mark.parametrize(
    "args", [(640, 360, 0, 0), (640, 360, 1, 100), (640, 360, 100, 1), (0, 360, 100, 100)]
)
def test_fit_of_nothing_is_nothing(args: tuple[int, int, int, int]) -> None:
    assert fit(*args) == (0, 0)


# -- rendering -----------------------------------------------------------------------------------


def test_a_submitted_frame_arrives_as_bgra_at_the_fitted_size(harness: Harness) -> None:
    harness.renderer.set_size(A, 320, 240)
    harness.renderer.submit(A, solid((200, 40, 90)))
    frame = harness.next()
    assert (frame.key, frame.width, frame.height) == (A, 320, 180)
    assert (frame.source_width, frame.source_height) == (640, 360)
    assert frame.pixels.shape == (180, 320, 4)
    assert frame.pixels.dtype == np.uint8
    assert frame.pixels.flags.c_contiguous
    blue, green, red, alpha = (int(v) for v in frame.pixels[90, 160])
    assert abs(blue - 90) <= 6 and abs(green - 40) <= 6 and abs(red - 200) <= 6
    assert alpha == 255
    assert frame.decoded_at < frame.rendered_at
    stats = harness.renderer.stats()[A]
    assert (stats.received, stats.rendered, stats.dropped) == (1, 1, 0)
    assert stats.render_seconds > 0


def test_a_width_with_padded_rows_comes_out_contiguous(harness: Harness) -> None:
    harness.renderer.set_size(A, 302, 170)  # 302 * 4 bytes: FFmpeg pads such rows
    harness.renderer.submit(A, solid((10, 220, 30)))
    frame = harness.next()
    assert frame.pixels.shape == (frame.height, 302, 4)
    assert frame.pixels.flags.c_contiguous
    for y, x in ((0, 0), (frame.height - 1, 301), (frame.height // 2, 150)):
        blue, green, red, _ = (int(v) for v in frame.pixels[y, x])
        assert abs(blue - 30) <= 6 and abs(green - 220) <= 6 and abs(red - 10) <= 6


def test_a_frame_in_flight_holds_back_the_next_and_the_newest_replaces_a_pending_one(
    harness: Harness,
) -> None:
    renderer = harness.renderer
    renderer.set_size(A, 640, 360)
    renderer.submit(A, solid((255, 0, 0), 640, 360))
    assert harness.next().source_width == 640  # in flight until painted
    renderer.submit(A, solid((0, 255, 0), 320, 180))
    renderer.submit(A, solid((0, 0, 255), 160, 90))  # replaces the 320x180 frame
    assert harness.barrier() == []  # nothing for "a" while its frame is not painted
    stats = renderer.stats()[A]
    assert (stats.received, stats.rendered, stats.dropped) == (3, 1, 1)
    renderer.painted(A)
    newest = harness.next()
    assert (newest.key, newest.source_width) == (A, 160)
    renderer.painted(A)
    assert harness.barrier(BARRIER_2) == []  # the replaced frame never comes
    stats = renderer.stats()[A]
    assert (stats.received, stats.rendered, stats.dropped) == (3, 2, 1)


def test_each_tile_has_its_own_mailbox(harness: Harness) -> None:
    for key in (A, B, C):
        harness.renderer.set_size(key, 160, 90)
    for key in (A, B, C):
        harness.renderer.submit(key, solid((1, 2, 3)))
    assert sorted(harness.next().key for _ in range(3)) == [A, B, C]
    assert all(s.dropped == 0 for s in harness.renderer.stats().values())


def test_frames_for_unknown_tiles_are_ignored(harness: Harness) -> None:
    harness.renderer.submit(GHOST, solid((1, 2, 3)))
    harness.renderer.painted(GHOST)  # no error either
    assert harness.barrier() == []
    assert GHOST not in harness.renderer.stats()


def test_a_removed_tile_gets_nothing_more(harness: Harness) -> None:
    harness.renderer.set_size(A, 160, 90)
    harness.renderer.remove(A)
    harness.renderer.submit(A, solid((1, 2, 3)))
    assert harness.barrier() == []
    assert A not in harness.renderer.stats()


def test_a_hidden_tile_renders_nothing_and_is_not_left_waiting(harness: Harness) -> None:
    renderer = harness.renderer
    renderer.set_size(A, 0, 0)
    renderer.submit(A, solid((1, 2, 3)))
    assert harness.barrier() == []
    stats = renderer.stats()[A]
    assert (stats.received, stats.rendered) == (1, 0)
    renderer.set_size(A, 160, 90)  # shown again: frames flow without a `painted` first
    renderer.submit(A, solid((1, 2, 3)))
    assert (harness.next().key, renderer.stats()[A].rendered) == (A, 1)


# -- lifecycle -----------------------------------------------------------------------------------


def render_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "visio-render"}


def test_stop_joins_the_thread_even_with_work_pending() -> None:
    harness = Harness()
    before = render_threads()
    harness.renderer.start()
    (thread,) = render_threads() - before
    harness.renderer.set_size(A, 160, 90)
    harness.renderer.submit(A, solid((1, 2, 3)))
    harness.next()
    harness.renderer.submit(A, solid((1, 2, 3)))  # pending behind the unpainted frame
    harness.renderer.stop()
    assert not thread.is_alive()
    harness.renderer.stop()  # twice is harmless


def test_stop_before_start_returns() -> None:
    FrameRenderer(lambda frame: None).stop()


def test_a_tile_that_always_has_a_new_frame_does_not_starve_the_others() -> None:
    """When rendering cannot keep up, the tile whose frame waited longest goes next."""
    frame = solid((0, 0, 0), 64, 36)
    served: queue.Queue[TileKey] = queue.Queue()

    def instant_gui_and_busy_decoder(rendered: RenderedFrame) -> None:
        served.put(rendered.key)
        if served.qsize() < 20:
            renderer.submit(rendered.key, frame)  # the decoder already has the next frame
        renderer.painted(rendered.key)  # and the GUI painted this one at once

    renderer = FrameRenderer(instant_gui_and_busy_decoder)
    for key in (FIRST, SECOND, THIRD):
        renderer.set_size(key, 64, 36)
        renderer.submit(key, frame)
    renderer.start()
    try:
        keys = [served.get(timeout=TIMEOUT) for _ in range(6)]
    finally:
        renderer.stop()
    assert keys == [FIRST, SECOND, THIRD] * 2


def test_a_failing_callback_does_not_stop_the_render_thread() -> None:
    delivered: queue.Queue[TileKey] = queue.Queue()

    def fails_once_for_first(rendered: RenderedFrame) -> None:
        if rendered.key == FIRST:
            raise RuntimeError("a bug in a tile")
        delivered.put(rendered.key)

    renderer = FrameRenderer(fails_once_for_first)
    renderer.set_size(FIRST, 64, 36)
    renderer.set_size(SECOND, 64, 36)
    renderer.start()
    try:
        renderer.submit(FIRST, solid((0, 0, 0), 64, 36))
        renderer.submit(SECOND, solid((0, 0, 0), 64, 36))
        assert delivered.get(timeout=TIMEOUT) == SECOND
    finally:
        renderer.stop()
