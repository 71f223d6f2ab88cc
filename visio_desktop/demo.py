"""`visio-desktop demo`: a living meeting on this machine, with no camera and no second computer.

The embedded server starts on a free loopback port; synthetic participants join it, each with a
labelled moving test pattern and a tone, a chat line and captions; the viewer joins last and
reports what it receives. Other clients can join the printed link from another terminal.
"""

from __future__ import annotations

import sys
import threading
from typing import IO

from visio_desktop.core.errors import VisioError
from visio_desktop.core.links import new_room_slug, parse_link
from visio_desktop.engine.thread import EngineThread
from visio_desktop.headless import HeadlessClient, HeadlessOptions, JsonLines, stay
from visio_desktop.server.runner import EmbeddedServer

# Several clients share one process and one GIL here: keep the synthetic video light.
_WIDTH, _HEIGHT, _FPS = 320, 180, 15
_REPORT_SECONDS = 5.0
_CAPTION_SECONDS = 6.0

_WORD_SECONDS = 0.3

CAPTION_LINES = (
    ("en", "Good morning everyone, this is a synthetic participant speaking"),
    ("en", "Captions are made on each speaker's own machine"),
    ("fr", "Bonjour à toutes et à tous, ceci est une réunion de démonstration"),
    ("en", "No audio leaves anyone's computer, only the text travels"),
)


def run_demo(
    participants: int,
    duration: float | None,
    stop: threading.Event,
    stdout: IO[str] = sys.stdout,
) -> int:
    out = JsonLines(stdout)
    server = EmbeddedServer()
    server.start()
    link = parse_link(f"{server.base_url}/{new_room_slug()}")
    out.write(
        {
            "event": "demo",
            "link": link.web_url,
            "join_with": f"visio-desktop join {link.web_url} --headless --name YOUR_NAME",
        }
    )
    engine = EngineThread()
    engine.start()
    bots = [HeadlessClient(engine, None) for _ in range(participants)]
    viewer = HeadlessClient(engine, out)
    try:
        for number, bot in enumerate(bots, start=1):
            options = HeadlessOptions(
                name=f"Synthetic {number}",
                synthetic=True,
                width=_WIDTH,
                height=_HEIGHT,
                fps=_FPS,
            )
            bot.join(link, options)
        watching = HeadlessOptions(name="Viewer", duration=duration, stats_interval=_REPORT_SECONDS)
        viewer.join(link, watching)
        for number, bot in enumerate(bots, start=1):
            bot.session.send_chat(f"Hello from Synthetic {number}").result(timeout=10)
        speaker = threading.Thread(
            target=_speak, args=(bots, stop), name="demo-captions", daemon=True
        )
        speaker.start()
        stay(viewer, watching, stop)
    except VisioError as exc:
        out.write({"event": "error", "message": exc.message, "fatal": True})
        return 1
    finally:
        stop.set()
        engine.stop()
        server.stop()
        out.close()
    return 0


def _speak(bots: list[HeadlessClient], stop: threading.Event) -> None:
    """The synthetic participants take turns saying a caption line, word by word."""
    line = 0
    while bots and not stop.is_set():
        language, text = CAPTION_LINES[line % len(CAPTION_LINES)]
        try:
            bots[line % len(bots)].say_caption(
                text, language, pause=lambda: stop.wait(_WORD_SECONDS)
            )
        except VisioError:
            return
        line += 1
        if stop.wait(_CAPTION_SECONDS):
            return
