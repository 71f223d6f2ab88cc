"""Synthetic participants for the window tests: real sessions on an engine of their own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from av import VideoFrame
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from visio_desktop.core.kinds import TileKey
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.desktop import Desktop
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.tiles import VideoTile


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


def start_bots(engine: EngineThread, link: MeetingLink, count: int, first: int = 1) -> list[Bot]:
    """`count` participants named "Bot `first`", "Bot `first + 1`"..., each in the meeting
    when this returns."""
    bots = []
    for number in range(first, first + count):
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


class Colleague:
    """A participant on its own engine who records its events and the sizes of the video
    frames it receives, per tile key (a participant, or a participant's screen)."""

    def __init__(self, engine: EngineThread, link: MeetingLink) -> None:
        self._lock = threading.Lock()
        self._events: list[ev.Event] = []
        self.sizes: dict[TileKey, set[tuple[int, int]]] = {}
        self.session = Session(engine, self._event, video_sink=self._frame)
        sources = SyntheticSources("Colleague", width=160, height=90, fps=10)
        self.session.join(link, "Colleague", MediaOptions(video=True, sources=sources)).result(30)
        joined = [e for e in self.seen() if isinstance(e, ev.Joined)]
        self.id = joined[0].self_id

    def _event(self, event: ev.Event) -> None:
        with self._lock:
            self._events.append(event)

    def _frame(self, key: TileKey, frame: VideoFrame) -> None:
        with self._lock:
            self.sizes.setdefault(key, set()).add((frame.width, frame.height))

    def got_size(self, key: TileKey, size: tuple[int, int]) -> bool:
        with self._lock:
            return size in self.sizes.get(key, set())

    def tester_id(self) -> str:
        """The id of the window's participant, there before us or arrived after."""
        for event in self.seen():
            if isinstance(event, ev.Joined):
                infos = list(event.participants)
            elif isinstance(event, ev.ParticipantJoined):
                infos = [event.participant]
            else:
                continue
            for info in infos:
                if info.display_name == "Tester":
                    return info.id
        raise LookupError("Tester is not in the meeting")

    def seen(self) -> list[ev.Event]:
        with self._lock:
            return list(self._events)

    def sees_tester_sharing(self) -> bool | None:
        """What the newest update about the window's participant says (None: none yet)."""
        updates = [
            e.participant
            for e in self.seen()
            if isinstance(e, ev.ParticipantUpdated) and e.participant.display_name == "Tester"
        ]
        return updates[-1].screen if updates else None


def join_with_colleague(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, engine: EngineThread, *, video: bool
) -> tuple[MeetingLink, Colleague]:
    """The window joins a meeting on the embedded server as "Tester" (microphone off), then a
    colleague joins on `engine`."""
    window = desktop.window
    link = parse_link(f"{server.base_url}/abc-defg-hij")
    window.join_now(link, "Tester", audio=False, video=video)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=30_000)
    return link, Colleague(engine, link)


def wait_until_tiles_move(qtbot: QtBot, tiles: list[VideoTile], timeout_ms: int) -> None:
    """Each tile has shown a frame, and then a different picture: its video is live."""
    qtbot.waitUntil(lambda: all(tile.frames_shown > 0 for tile in tiles), timeout=timeout_ms)
    first: list[QImage] = [tile.grab().toImage() for tile in tiles]
    qtbot.waitUntil(
        lambda: all(
            tile.grab().toImage() != image for tile, image in zip(tiles, first, strict=True)
        ),
        timeout=timeout_ms,
    )
