"""`visio-desktop demo`: a living meeting on this machine, with no camera and no second computer.

The embedded server starts on a free loopback port; synthetic participants join it, each with a
labelled moving test pattern and a tone, a chat line and captions; the viewer joins last and
reports what it receives. Other clients can join the printed link from another terminal.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import IO

from visio_desktop.core.errors import VisioError
from visio_desktop.core.links import new_room_slug, parse_link
from visio_desktop.engine.thread import EngineThread
from visio_desktop.headless import HeadlessClient, HeadlessOptions, JsonLines
from visio_desktop.server.runner import EmbeddedServer

# Several clients share one process and one GIL here: keep the synthetic video light.
_WIDTH, _HEIGHT, _FPS = 320, 180, 15
_REPORT_SECONDS = 5.0
_CAPTION_SECONDS = 6.0

CAPTION_LINES = (
    "Good morning everyone, this is a synthetic participant speaking",
    "Captions are made on each speaker's own machine",
    "No audio leaves anyone's computer, only the text travels",
    "Bonjour à toutes et à tous, ceci est une réunion de démonstration",
)


def run_demo(
    participants: int, duration: float | None, stop: threading.Event,
    stdout: IO[str] = sys.stdout,
) -> int:  # fmt: skip
    out = JsonLines(stdout)
    server = EmbeddedServer()
    server.start()
    link = parse_link(f"{server.base_url}/{new_room_slug()}")
    out.write({"event": "demo", "link": link.web_url, "join_with":
               f"visio-desktop join {link.web_url} --headless --name YOUR_NAME"})  # fmt: skip
    engine = EngineThread()
    engine.start()
    with open(os.devnull, "w") as quiet:
        bots = [HeadlessClient(engine, JsonLines(quiet)) for _ in range(participants)]
        viewer = HeadlessClient(engine, out)
        try:
            for number, bot in enumerate(bots, start=1):
                name = f"Synthetic {number}"
                bot.join(link, HeadlessOptions(name=name, synthetic=True, width=_WIDTH,
                                               height=_HEIGHT, fps=_FPS,
                                               chat=f"Hello from {name}"))  # fmt: skip
            viewer.join(link, HeadlessOptions(name="Viewer"))
            _run(bots, viewer, out, duration, stop)
        except VisioError as exc:
            out.write({"event": "error", "message": exc.message, "fatal": True})
            return 1
        finally:
            engine.stop()
            server.stop()
    return 0


def _run(
    bots: list[HeadlessClient], viewer: HeadlessClient, out: JsonLines,
    duration: float | None, stop: threading.Event,
) -> None:  # fmt: skip
    elapsed = 0.0
    line = 0
    next_caption = 0.0
    while not stop.is_set() and not viewer.finished.is_set():
        if duration is not None and elapsed >= duration:
            break
        if elapsed >= next_caption:
            bot = bots[line % len(bots)] if bots else None
            if bot is not None:
                bot.say_caption(CAPTION_LINES[line % len(CAPTION_LINES)])
            line += 1
            next_caption += _CAPTION_SECONDS
        if stop.wait(timeout=_REPORT_SECONDS):
            break
        elapsed += _REPORT_SECONDS
        out.write({"event": "stats", **viewer.stats_record()})
