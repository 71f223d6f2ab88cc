"""Synthetic participants for the window tests: real sessions on an engine of their own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources


@dataclass
class Bot:
    """A synthetic participant on an engine of its own, remembering what it received."""

    name: str
    session: Session
    events: list[ev.Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self) -> list[ev.Event]:
        with self.lock:
            return list(self.events)


def start_bots(engine: EngineThread, link: MeetingLink, count: int) -> list[Bot]:
    bots = []
    for number in range(1, count + 1):
        events: list[ev.Event] = []
        lock = threading.Lock()

        def listen(
            event: ev.Event, events: list[ev.Event] = events, lock: threading.Lock = lock
        ) -> None:
            with lock:
                events.append(event)

        name = f"Bot {number}"
        bot = Bot(name, Session(engine, listen), events, lock)
        sources = SyntheticSources(name, width=160, height=90, fps=10)
        media = MediaOptions(audio=True, video=True, sources=sources)
        bot.session.join(link, name, media).result(timeout=30)
        bots.append(bot)
    return bots
