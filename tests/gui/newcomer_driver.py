"""A newcomer on a real X display: two people are already in a meeting on the embedded
server; the window opens the link, the pre-join screen gets a name typed into it and Enter,
and once everyone's tile moves a screenshot of the call is saved, with a JSON description.

With `--sfu`, the meeting runs on a real livekit-server behind our server (`serve
--livekit-url`), and the pictures are named newcomer-sfu-*.

Usage: python -m tests.gui.newcomer_driver OUT_DIR [--sfu] (DISPLAY must name an X server). It
drives the window from a Qt timer (the window's own event loop keeps running) and gives up after a
minute, saying why.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.meeting import start_bots
from tests.gui.screenshot_driver import save_call_picture
from tests.livekit.rig import API_KEY, API_SECRET, start_node
from visio_desktop.core.kinds import SELF_TILE
from visio_desktop.core.links import parse_link
from visio_desktop.desktop import build_desktop
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.devices import DemoDevices
from visio_desktop.server.livekit_keys import LiveKitKeys
from visio_desktop.server.livekit_rooms import LiveKitFront
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig
from visio_desktop.ui.single_instance import SingleInstance

DEADLINE_SECONDS = 60.0


def main(out: Path, sfu: bool = False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    node = start_node() if sfu else None
    config = ServerConfig(host="127.0.0.1", port=0)
    if node is not None:
        keys = LiveKitKeys(API_KEY, API_SECRET)
        config = ServerConfig(
            host="127.0.0.1", port=0, livekit=LiveKitFront(url=node.url, keys=keys, api_url=None)
        )
    name = "newcomer-sfu" if sfu else "newcomer"
    server = EmbeddedServer(config)
    server.start()
    bots_engine = EngineThread("bots")
    bots_engine.start()
    link = parse_link(f"{server.base_url}/abc-defg-hij")
    bots = start_bots(bots_engine, link, 2)
    settings = out / "settings.toml"
    settings.write_text("version = 1\ncaptions_on = false\n")
    instance = SingleInstance(key=f"newcomer-{uuid.uuid4().hex}")
    desktop = build_desktop(instance, settings_file=settings, devices=DemoDevices("Newcomer"))
    window = desktop.window
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    window.open_link_text(link.web_url)
    call = window.call
    started = time.monotonic()
    result = {"code": 1}
    typed = False

    def remote_ready() -> bool:
        remote = [tile for tile in call.grid.tiles() if tile.key != SELF_TILE]
        return len(remote) == 2 and all(tile.frames_shown > 2 for tile in remote)

    def poll() -> None:
        nonlocal typed
        if not typed and window.stack.currentWidget() is window.prejoin:
            typed = True
            window.activateWindow()
            window.prejoin.name.clear()
            QTest.keyClicks(window.prejoin.name, "Agent d'accueil")
            QApplication.processEvents()  # the typed name is painted before the picture
            window.screen().grabWindow(window.winId()).save(str(out / f"{name}-prejoin.png"))
            QTest.keyClick(window.prejoin.name, Qt.Key.Key_Return)
        elif window.state.phase is Phase.IN_CALL and remote_ready():
            shoot()
        elif time.monotonic() - started > DEADLINE_SECONDS:
            tiles = {t.name: t.frames_shown for t in call.grid.tiles()}
            print(f"not ready: phase {window.state.phase}, tiles {tiles}", file=sys.stderr)
            desktop.app.quit()

    def shoot() -> None:
        timer.stop()
        save_call_picture(
            window,
            out / f"{name}-call",
            banner_visible=call.banner.isVisible(),
            banner_text=call.banner.text(),
            participants=call.participants.rows(),
        )
        result["code"] = 0
        desktop.app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(200)
    try:
        desktop.app.exec()
    finally:
        for bot in bots:
            bot.session.leave().result(timeout=30)
        desktop.close()
        bots_engine.stop()
        server.stop()
        if node is not None:
            node.stop()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sfu="--sfu" in sys.argv[2:]))
