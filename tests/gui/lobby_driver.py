"""The lobby on a real X display, in one language: the waiting screen of someone a host has
not let in yet, then the call window of a host with two people waiting in the lobby, each
saved as a screenshot (lobby-waiting-LANG.png, lobby-host-LANG.png) with a JSON description.

No server lets people wait in a lobby yet, so the engine's events are fed to the real window
(`lobby_feed`), as the engine sends them. The waiting screen shows the camera through the
pre-join preview, which renders the same camera the meeting would.

Usage: python -m tests.gui.lobby_driver OUT_DIR en|fr (DISPLAY must name an X server).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tests.gui.lobby_feed import LINK, WAITING, feed, joined, start_join
from tests.gui.screenshot_driver import rect_of
from visio_desktop.core.kinds import PREVIEW_TILE, MediaKind, TileKind
from visio_desktop.core.links import parse_link
from visio_desktop.core.roles import Access, Role, RoomState
from visio_desktop.desktop import build_desktop
from visio_desktop.engine import events as ev
from visio_desktop.media.devices import DemoDevices
from visio_desktop.media.render import RenderedFrame
from visio_desktop.ui.main_window import MainWindow
from visio_desktop.ui.single_instance import SingleInstance

DEADLINE_SECONDS = 60.0


def shoot(window: MainWindow, stem: Path, **described: object) -> None:
    QApplication.processEvents()
    image = window.screen().grabWindow(window.winId())
    image.save(str(stem.with_suffix(".png")))
    description = {"device_pixel_ratio": image.devicePixelRatio(), **described}
    stem.with_suffix(".json").write_text(json.dumps(description, indent=2, ensure_ascii=False))


def main(out: Path, language: str) -> int:
    out.mkdir(parents=True, exist_ok=True)
    settings = out / "settings.toml"
    settings.write_text(f'version = 1\ncaptions_on = false\nlanguage = "{language}"\n')
    instance = SingleInstance(key=f"lobby-{uuid.uuid4().hex}")
    desktop = build_desktop(instance, settings_file=settings, devices=DemoDevices("Marie"))
    window = desktop.window
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    renderer = desktop.window.services.router.renderer
    page = window.waiting

    def preview_to_waiting(frame: RenderedFrame) -> None:
        if frame.key.kind is TileKind.PREVIEW:
            page.show_frame(frame)

    window.services.bridge.frame_rendered.connect(preview_to_waiting)
    window.devices.preview(MediaKind.VIDEO, True)
    window.link = parse_link(LINK)
    start_join(window, "Marie Dupont", video=True)
    feed(window, ev.Waiting("abc-defg-hij", "Marie Dupont"))
    ratio = page.preview.devicePixelRatioF()
    size = page.preview.size()
    renderer.set_size(PREVIEW_TILE, round(size.width() * ratio), round(size.height() * ratio))
    started = time.monotonic()
    result = {"code": 1}
    step = {"at": "waiting"}

    def poll() -> None:
        if step["at"] == "waiting" and page.preview.frames_shown > 2:
            shoot(
                window,
                out / f"lobby-waiting-{language}",
                status=page.status.text(),
                meeting=page.meeting.text(),
                person=page.person.text(),
                leave=page.leave.text(),
                preview=rect_of(window, page.preview),
                shown=window.stack.currentWidget() is page,
            )
            window.services.bridge.frame_rendered.disconnect(preview_to_waiting)
            window.devices.stop_preview()
            host_view()
            step["at"] = "host"
        elif step["at"] == "host":
            lobby = window.hosting.lobby
            shoot(
                window,
                out / f"lobby-host-{language}",
                header=lobby.header.text(),
                admit=[row.admit.accessibleName() for row in lobby.rows],
                lobby=rect_of(window, lobby),
                lobby_visible=lobby.isVisible(),
                notifications=window.call.notifications.visible_texts(),
            )
            result["code"] = 0
            finish()
        elif time.monotonic() - started > DEADLINE_SECONDS:
            print(f"not ready: {step}, frames {page.preview.frames_shown}", file=sys.stderr)
            finish()

    def host_view() -> None:
        window.leave()
        start_join(window, "Tester")
        feed(window, joined(Role.HOST, RoomState(Access.LOBBY)), ev.LobbyChanged(WAITING))
        window.call.controls.action("participants").setChecked(True)
        window.hosting.lobby.rows[0].admit.setFocus()

    def finish() -> None:
        timer.stop()
        desktop.app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(300)
    try:
        desktop.app.exec()
    finally:
        desktop.close()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "en"))
