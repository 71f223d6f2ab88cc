"""The call window with 1, 9 and 16 remote participants sending 640x360 video at 30 fps.

A real CallView (1280x800) with a real FrameRenderer and EngineBridge, wired as the app wires
them; a feeder thread stands in for aiortc's decoder: it hands each remote tile a yuv420p
640x360 frame 30 times a second (tiles staggered within the frame period, frames from a pool
with a moving bar so no two in a row are alike) through `renderer.submit`. After a warm-up, a
window is measured with QTimers on the GUI thread; VideoTile.observer reports each new frame's
paint. Per size, medians over runs of:

- CPU in cores (CPU seconds per wall second): the GUI thread (time.thread_time), the render
  thread and the feeder (Linux /proc, else null), and the whole process;
- paint time of one tile with a new frame (p50/p95 ms, the tile's paintEvent only);
- delivery latency from the frame reaching the renderer to the end of its paint (p50/p95 ms);
- frames submitted, rendered, painted, dropped in the mailbox and not painted at all, and
  painted fps per remote tile (and per remote tile on screen: beyond 16 tiles the grid pages).

Ratios are against N = 1 measured in the same run. "gui_convert" is the naive design measured
in the same run for comparison: each decoded frame is queued to the GUI thread, which converts
it (reformat to BGRA at tile size, to_ndarray, one copy) before the tile paints it.

    .venv/bin/python benchmarks/render.py [--runs 3] [--quick] [--platform xcb]

Offscreen by default; `--platform xcb` needs a display (e.g. `xvfb-run -s "-screen 0
1280x800x24"`).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import av
import numpy as np
import PySide6
from av import VideoFrame
from PySide6.QtCore import (
    QEventLoop,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from visio_desktop.core.kinds import SELF_TILE, TileKey
from visio_desktop.engine.call_state import CallState
from visio_desktop.media.render import FrameRenderer, RenderedFrame, fit
from visio_desktop.ui.bridge import EngineBridge
from visio_desktop.ui.call import CallView
from visio_desktop.ui.tiles import VideoTile

from figures import machine, medians, ratio, report, thread_cpu

FPS = 30
SOURCE_W, SOURCE_H = 640, 360
POOL = 60


def frame_pool() -> list[VideoFrame]:
    """Distinct yuv420p frames: a bright bar moving across a grey picture, tinted chroma."""
    frames = []
    for n in range(POOL):
        luma = np.full((SOURCE_H, SOURCE_W), 70, np.uint8)
        x = n * (SOURCE_W - 40) // POOL
        luma[:, x : x + 40] = 220
        chroma = np.full((SOURCE_H // 2, SOURCE_W // 2), 100 + n, np.uint8)
        planes = [luma, chroma.reshape(-1, SOURCE_W), (255 - chroma).reshape(-1, SOURCE_W)]
        frames.append(VideoFrame.from_ndarray(np.concatenate(planes), format="yuv420p"))
    return frames


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


class Pipeline(Protocol):
    """What stands between the decoder and the tiles: the renderer's interface."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def set_size(self, key: TileKey, width: int, height: int) -> None: ...
    def painted(self, key: TileKey) -> None: ...
    def submit(self, key: TileKey, frame: VideoFrame) -> None: ...
    def counts(self) -> tuple[int, int, float]: ...  # rendered, dropped in mailbox, seconds
    def thread_id(self) -> int | None: ...


class RenderThread:
    """The app's design: FrameRenderer -> EngineBridge (queued signal) -> CallView."""

    def __init__(self, show: Callable[[RenderedFrame], None]) -> None:
        self.bridge = EngineBridge()
        self.renderer = FrameRenderer(self.bridge.rendered)
        self.bridge.frame_rendered.connect(show)
        self.set_size, self.painted = self.renderer.set_size, self.renderer.painted
        self.submit, self.start = self.renderer.submit, self.renderer.start

    def stop(self) -> None:
        self.renderer.stop()
        self.bridge.frame_rendered.disconnect()

    def counts(self) -> tuple[int, int, float]:
        stats = self.renderer.stats().values()
        return (
            sum(s.rendered for s in stats),
            sum(s.dropped for s in stats),
            sum(s.render_seconds for s in stats),
        )

    def thread_id(self) -> int | None:
        found = [t.native_id for t in threading.enumerate() if t.name == "visio-render"]
        return found[0] if found else None


class GuiConvert(QObject):
    """The naive design: every decoded frame is queued to the GUI thread, converted there."""

    arrived = Signal(object, object, float)  # TileKey, VideoFrame, decoded at

    def __init__(self, show: Callable[[RenderedFrame], None]) -> None:
        super().__init__()
        self._show = show
        self._sizes: dict[TileKey, tuple[int, int]] = {}
        self.rendered = 0
        self.render_seconds = 0.0
        self.arrived.connect(self._convert)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.arrived.disconnect()

    def set_size(self, key: TileKey, width: int, height: int) -> None:
        self._sizes[key] = (width, height)

    def painted(self, key: TileKey) -> None:
        pass

    def submit(self, key: TileKey, frame: VideoFrame) -> None:
        if key in self._sizes:
            self.arrived.emit(key, frame, time.monotonic())

    def counts(self) -> tuple[int, int, float]:
        return self.rendered, 0, self.render_seconds

    def thread_id(self) -> int | None:
        return None

    def _convert(self, key: TileKey, frame: VideoFrame, decoded_at: float) -> None:
        width, height = fit(frame.width, frame.height, *self._sizes.get(key, (0, 0)))
        if width == 0:
            return
        started = time.monotonic()
        scaled = frame.reformat(width=width, height=height, format="bgra")
        pixels = scaled.to_ndarray().copy()  # the copy stands in for QImage(...).copy()
        self.rendered += 1
        self.render_seconds += time.monotonic() - started
        self._show(
            RenderedFrame(key, pixels, width, height, frame.width, frame.height, decoded_at, 0.0)
        )


class Feeder(threading.Thread):
    """The decoder's stand-in: one frame per tile per 1/FPS s on a monotonic schedule."""

    def __init__(self, submit: Callable[[TileKey, VideoFrame], None], keys: list[TileKey]) -> None:
        super().__init__(name="bench-feeder", daemon=True)
        self._submit, self._keys, self._pool = submit, keys, frame_pool()
        self._halt = threading.Event()
        self.submitted = 0  # written here only, read on the GUI thread

    def run(self) -> None:
        period, count = 1 / FPS, len(self._keys)
        start = time.monotonic()
        for tick in range(1 << 62):
            for index, key in enumerate(self._keys):
                delay = start + (tick + index / count) * period - time.monotonic()
                if delay > 0 and self._halt.wait(delay):  # pacing, not synchronisation
                    return
                if self._halt.is_set():
                    return
                self._submit(key, self._pool[(tick + 7 * index) % POOL])
                self.submitted += 1

    def halt(self) -> None:
        self._halt.set()
        self.join()


class Paints:
    """VideoTile.observer: the paints of new frames during the measured window."""

    def __init__(self) -> None:
        self.recording = False
        self.waits: list[float] = []
        self.paints: list[float] = []

    def __call__(self, key: TileKey, wait: float, paint: float) -> None:
        if self.recording:
            self.waits.append(wait)
            self.paints.append(paint)


def snapshot(pipeline: Pipeline, feeder: Feeder) -> dict[str, float | None]:
    rendered, dropped, render_seconds = pipeline.counts()
    return {
        "wall": time.monotonic(),
        "gui": time.thread_time(),
        "process": time.process_time(),
        "render": thread_cpu(pipeline.thread_id()),
        "feeder": thread_cpu(feeder.native_id),
        "submitted": feeder.submitted,
        "rendered": rendered,
        "dropped": dropped,
        "render_seconds": render_seconds,
    }


def one_run(size: int, design: str, warmup: float, seconds: float) -> dict[str, float | None]:
    pipeline: Pipeline
    call: CallView | None = None

    def show(frame: RenderedFrame) -> None:
        assert call is not None
        call.show_frame(frame)

    pipeline = RenderThread(show) if design == "render_thread" else GuiConvert(show)
    call = CallView(CallState(), pipeline.set_size, pipeline.painted)
    call.resize(1280, 800)
    me = call.grid.add_tile(SELF_TILE, "Bench (me)", first=True)
    me.is_self = True
    me.set_state(video=False, audio=True)
    keys = [TileKey.camera(f"p{n:02d}") for n in range(size)]
    for n, key in enumerate(keys):
        call.grid.add_tile(key, f"Participant {n + 1}").set_state(video=True, audio=True)
    call.show()
    paints = Paints()
    VideoTile.observer = paints
    feeder = Feeder(pipeline.submit, keys)
    marks: list[dict[str, float | None]] = []

    loop = QEventLoop()

    def mark() -> None:
        marks.append(snapshot(pipeline, feeder))
        paints.recording = len(marks) == 1
        if len(marks) == 2:
            loop.quit()

    pipeline.start()
    feeder.start()
    for at in (warmup, warmup + seconds):
        QTimer.singleShot(round(at * 1000), mark)  # wall time is measured
    loop.exec()
    feeder.halt()
    pipeline.stop()
    VideoTile.observer = None
    visible = [t for t in call.grid.tiles() if t.isVisible() and t.key != SELF_TILE]
    tile = visible[0].size()
    call.close()
    call.deleteLater()
    QApplication.processEvents()

    start, end = marks
    wall = float(end["wall"] or 0) - float(start["wall"] or 0)

    def delta(name: str) -> float | None:
        a, b = start[name], end[name]
        return None if a is None or b is None else b - a

    def cores(name: str) -> float | None:
        spent = delta(name)
        return None if spent is None else spent / wall

    submitted = delta("submitted") or 0.0
    rendered = delta("rendered") or 0.0
    painted = len(paints.paints)
    gui = cores("gui") or 0.0
    return {
        "gui_cores": gui,
        "gui_cores_per_tile": gui / size,
        "render_thread_cores": cores("render"),
        "feeder_cores": cores("feeder"),
        "process_cores": cores("process"),
        "render_ms_per_frame": (delta("render_seconds") or 0.0) / max(1.0, rendered) * 1000,
        "paint_p50_ms": percentile(paints.paints, 0.5) * 1000,
        "paint_p95_ms": percentile(paints.paints, 0.95) * 1000,
        "latency_p50_ms": percentile(paints.waits, 0.5) * 1000,
        "latency_p95_ms": percentile(paints.waits, 0.95) * 1000,
        "submitted": submitted,
        "rendered": rendered,
        "painted": painted,
        "dropped_in_mailbox": delta("dropped"),
        "not_painted": max(0.0, submitted - painted),  # edges of the window: ±1 per tile
        "fps_per_tile": painted / wall / size,
        "fps_per_tile_on_screen": painted / wall / len(visible),
        "remote_tiles_on_screen": len(visible),
        "tile_width": tile.width(),
        "tile_height": tile.height(),
    }


def quiet_qt(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if "propagateSizeHints" not in message:  # offscreen's complaint about every window
        print(message, file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--sizes", default="1,9,16", help="remote participants; first: baseline")
    parser.add_argument("--naive-size", type=int, default=9, help="gui_convert size; 0: skip")
    parser.add_argument("--platform", default="offscreen", help="Qt platform, e.g. xcb")
    parser.add_argument("--quick", action="store_true", help="1 run of 2 s after 0.5 s")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.seconds, args.warmup = 1, 2.0, 0.5
    sizes = [int(s) for s in args.sizes.split(",")]

    os.environ["QT_QPA_PLATFORM"] = args.platform  # read when the application is built
    qInstallMessageHandler(quiet_qt)
    app = QApplication(["visio-render-bench"])
    plan = [("render_thread", size) for size in sizes]
    if args.naive_size:
        plan.append(("gui_convert", args.naive_size))
    collected: dict[tuple[str, int], list[dict[str, float | None]]] = {p: [] for p in plan}
    for _ in range(args.runs):  # interleaved, so that load from elsewhere spreads evenly
        for design, size in plan:
            collected[design, size].append(one_run(size, design, args.warmup, args.seconds))
    results = {key: medians(runs) for key, runs in collected.items()}

    base = results["render_thread", sizes[0]]
    for (design, size), run in results.items():
        if design == "render_thread":
            for key in ("gui_cores_per_tile", "paint_p50_ms", "latency_p50_ms"):
                run[f"{key}_ratio_vs_n{sizes[0]}"] = ratio(run[key], base[key])
        elif ("render_thread", size) in results:
            same = results["render_thread", size]
            for key in ("gui_cores", "process_cores", "latency_p50_ms", "latency_p95_ms"):
                run[f"{key}_ratio_vs_render_thread"] = ratio(run[key], same[key])
    figures: dict[str, Any] = {
        "video": f"{SOURCE_W}x{SOURCE_H} yuv420p @{FPS} fps per remote participant, synthetic",
        "window": "CallView 1280x800, self tile (camera off) + N remote tiles",
        "runs": args.runs,
        "warmup_s": args.warmup,
        "window_s": args.seconds,
        "machine": machine(
            qt_platform=app.platformName(), pyside6=PySide6.__version__, av=av.__version__
        ),
        "participants": {str(s): results["render_thread", s] for s in sizes},
    }
    if args.naive_size:
        figures["gui_convert"] = {str(args.naive_size): results["gui_convert", args.naive_size]}
    report("render", figures)
    app.quit()


if __name__ == "__main__":
    main()
