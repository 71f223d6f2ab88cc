"""`visio-desktop demo`: a living meeting on this machine, with no camera and no second computer.

The embedded server starts on a free loopback port; synthetic participants join it, each with a
labelled moving test pattern and a tone, a chat line and captions; the viewer joins last and
reports what it receives. Other clients can join the printed link from another terminal.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import IO

from visio_desktop.core.errors import VisioError
from visio_desktop.core.links import MeetingLink, new_room_slug, parse_link
from visio_desktop.engine.thread import EngineThread
from visio_desktop.headless import HeadlessClient, HeadlessOptions, JsonLines, stay
from visio_desktop.server.runner import EmbeddedServer

# Several clients share one process and one GIL here: keep the synthetic video light.
_WIDTH, _HEIGHT, _FPS = 320, 180, 15
_REPORT_SECONDS = 5.0
_CAPTION_SECONDS = 6.0

_WORD_SECONDS = 0.3

# The synthetic participants are named after the roles that use the product; "(synthetic)"
# says they are not people.
BOT_NAMES = (
    "Agent d'accueil (synthetic)",
    "Service informatique (synthetic)",
    "Secrétariat général (synthetic)",
    "Cheffe de projet (synthetic)",
    "Juriste (synthetic)",
    "Direction (synthetic)",
    "Support (synthetic)",
    "Comptabilité (synthetic)",
)
CHAT_LINES = (
    "Hello! This is a synthetic participant of the demo meeting.",
    "Bonjour ! Les sous-titres s'affichent sous la grille.",
    "Links are shown but only open when you click them: https://www.numerique.gouv.fr",
)

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
            bot.join(link, _bot_options(number))
        watching = HeadlessOptions(name="Viewer", duration=duration, stats_interval=_REPORT_SECONDS)
        viewer.join(link, watching)
        for number, bot in enumerate(bots, start=1):
            bot.session.send_chat(CHAT_LINES[(number - 1) % len(CHAT_LINES)]).result(timeout=10)
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


def run_bots(link: MeetingLink, participants: int, stop: threading.Event) -> int:
    """The synthetic participants of the demo window, in a process of their own so that their
    encoding never competes with the window for the GIL. They stay until `stop` is set or
    the meeting ends for all of them."""
    engine = EngineThread()
    engine.start()
    bots = [HeadlessClient(engine, None) for _ in range(participants)]
    try:
        for number, bot in enumerate(bots, start=1):
            bot.join(link, _bot_options(number))
        for number, bot in enumerate(bots, start=1):
            bot.session.send_chat(CHAT_LINES[(number - 1) % len(CHAT_LINES)]).result(timeout=10)
        speaker = threading.Thread(
            target=_speak, args=(bots, stop), name="demo-captions", daemon=True
        )
        speaker.start()
        while not stop.wait(_REPORT_SECONDS):
            if all(bot.finished.is_set() for bot in bots):
                return 1
    except VisioError as exc:
        sys.stderr.write(f"visio-desktop: {exc.message}\n")
        return 1
    finally:
        stop.set()
        for bot in bots:
            if bot.session.in_meeting:
                with contextlib.suppress(VisioError, TimeoutError):
                    bot.session.leave().result(timeout=5)
        engine.stop()
    return 0


def _bot_options(number: int) -> HeadlessOptions:
    return HeadlessOptions(
        name=BOT_NAMES[(number - 1) % len(BOT_NAMES)],
        synthetic=True,
        width=_WIDTH,
        height=_HEIGHT,
        fps=_FPS,
        show=0,  # they only send: on an SFU, receiving video would cost them for nothing
    )


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
