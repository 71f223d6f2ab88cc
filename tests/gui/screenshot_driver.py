"""Runs the real demo window on an X display, waits until the tiles move and a caption shows,
then saves a screenshot of the window and a JSON description of where things are.

Usage: python -m tests.gui.screenshot_driver OUT_DIR (DISPLAY must name an X server).
It polls the window's state from a Qt timer (the window's own event loop keeps running); it
gives up after a minute and says why.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QWidget

from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.desktop import DemoPlan, build_desktop
from visio_desktop.ui.main_window import MainWindow
from visio_desktop.ui.single_instance import SingleInstance

DEADLINE_SECONDS = 60.0


def rect_of(window: QWidget, widget: QWidget) -> list[int]:
    """Where `widget` is in `window`, in logical pixels: x, y, width, height."""
    corner = widget.mapTo(window, QPoint(0, 0))
    return [corner.x(), corner.y(), widget.width(), widget.height()]


def save_call_picture(window: MainWindow, stem: Path, **described: object) -> None:
    """`stem`.png: the window as the screen shows it; `stem`.json: where each remote tile
    is, the picture's pixel ratio, and what else the caller describes."""
    image = window.screen().grabWindow(window.winId())
    image.save(str(stem.with_suffix(".png")))
    tiles = [tile for tile in window.call.grid.tiles() if tile.key != SELF_TILE]
    description = {
        "tiles": {tile.name: rect_of(window, tile) for tile in tiles},
        "device_pixel_ratio": image.devicePixelRatio(),
        **described,
    }
    stem.with_suffix(".json").write_text(json.dumps(description, indent=2))


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    instance = SingleInstance(key=f"screenshot-{uuid.uuid4().hex}")
    desktop = build_desktop(instance, DemoPlan(participants=3), settings_file=out / "settings.toml")
    window = desktop.window
    window.resize(1280, 800)
    window.move(0, 0)
    call = window.call
    started = time.monotonic()
    result = {"code": 1}

    def ready() -> bool:
        remote = [tile for tile in call.grid.tiles() if tile.key != SELF_TILE]
        return (
            len(remote) == 3
            and all(tile.frames_shown > 2 for tile in remote)
            and bool(call.captions.text().strip())
        )

    def poll() -> None:
        if ready():
            shoot()
        elif time.monotonic() - started > DEADLINE_SECONDS:
            tiles = {t.name: t.frames_shown for t in call.grid.tiles()}
            print(f"not ready: tiles {tiles}, caption {call.captions.text()!r}", file=sys.stderr)
            desktop.app.quit()

    def shoot() -> None:
        timer.stop()
        save_call_picture(
            window,
            out / "call-window",
            captions=rect_of(window, call.captions),
            caption_text=call.captions.text(),
        )
        result["code"] = 0
        desktop.app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(200)
    try:
        desktop.app.exec()
    finally:
        desktop.close()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
