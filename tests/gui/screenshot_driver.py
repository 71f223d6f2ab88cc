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

from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.desktop import DemoPlan, build_desktop
from visio_desktop.ui.single_instance import SingleInstance

DEADLINE_SECONDS = 60.0


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

    def rect_of(widget: object) -> list[int]:
        assert hasattr(widget, "mapTo")
        corner = widget.mapTo(window, QPoint(0, 0))
        return [corner.x(), corner.y(), widget.width(), widget.height()]  # type: ignore[attr-defined]

    def shoot() -> None:
        timer.stop()
        image = window.screen().grabWindow(window.winId())
        image.save(str(out / "call-window.png"))
        description = {
            "tiles": {
                tile.name: rect_of(tile) for tile in call.grid.tiles() if tile.key != SELF_TILE
            },
            "captions": rect_of(call.captions),
            "caption_text": call.captions.text(),
            "device_pixel_ratio": image.devicePixelRatio(),
        }
        (out / "call-window.json").write_text(json.dumps(description, indent=2))
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
