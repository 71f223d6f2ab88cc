"""The headless front end: joins a meeting without a window and prints one JSON line per event.

It uses the same engine and Session as the desktop window; it is how the system tests and the
benchmarks drive real clients in separate processes. It is under the same system policy as the
window, through the same decision (`core.link_policy`): a server the policy does not allow is
refused, and so is one the window would ask about, since nobody is there to answer; the
signalling trusts the policy's CA bundle as the window's does.

What it "shows": on an SFU a client receives only the videos it shows (`Session.show_tiles`).
A headless client shows the cameras of the first `show` other participants in the order they
came (by default a page of the window's grid), at its own video size, and prints a `showing`
line whenever that set changes; on the mesh every video arrives whatever is shown.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import json
import math
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any

from visio_desktop.core.errors import VisioError
from visio_desktop.core.kinds import TileKey
from visio_desktop.core.link_policy import LinkOutcome, decide_unattended
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.policy import Policy
from visio_desktop.core.secrets import KeyringSecrets
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.captions import CaptionsOptions
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import NoSources, SyntheticSources

JOIN_TIMEOUT = 30.0


class JoinAbandonedError(VisioError):
    """We stopped joining: stopped while waiting in the lobby, or no answer in time."""


SHOWN_BY_DEFAULT = 15  # the window's first page of the grid: 16 tiles, our own among them


@dataclass(frozen=True)
class HeadlessOptions:
    name: str
    synthetic: bool = False
    wav: Path | None = None
    width: int = 640
    height: int = 360
    fps: int = 30
    duration: float | None = None
    stats_json: Path | None = None
    chat: str | None = None
    caption: str | None = None
    stats_interval: float | None = None
    captions: str | None = None  # caption our own voice: "auto", "fr" or "en"
    show: int = SHOWN_BY_DEFAULT  # the cameras of this many others are received (an SFU)


class JsonLines:
    """Prints records as JSON lines on a thread of its own.

    Events come from the engine thread, which must never wait on a slow reader of stdout: it
    only queues. Past `capacity` unprinted lines, new ones are dropped and counted, and the
    count is printed once the reader catches up.
    """

    def __init__(self, stream: IO[str], capacity: int = 10_000) -> None:
        self._stream = stream
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(capacity)
        self._dropped = 0
        self._thread = threading.Thread(target=self._print, name="json-lines", daemon=True)
        self._thread.start()

    def write(self, record: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._dropped += 1

    def close(self) -> None:
        """Print what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _print(self) -> None:
        while (record := self._queue.get()) is not None:
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                self._line({"event": "dropped_lines", "count": dropped})
            self._line(record)

    def _line(self, record: dict[str, Any]) -> None:
        try:
            self._stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self._stream.flush()
        except (OSError, ValueError):  # the reader went away: nothing left to tell
            pass


def event_record(event: ev.Event) -> dict[str, Any]:
    """An event as plain JSON data (a media track object is left out)."""
    record: dict[str, Any] = {"event": event.name, "t": round(time.time(), 3)}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if field.name == "track":
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        elif isinstance(value, tuple):
            value = [
                dataclasses.asdict(v)
                if dataclasses.is_dataclass(v) and not isinstance(v, type)
                else v
                for v in value
            ]
        elif isinstance(value, Enum):
            value = value.value
        record[field.name] = value
    return record


# Events a person watching the JSON stream cares about; the rest stays quiet.
PRINTED = (
    ev.Joined,
    ev.ParticipantJoined,
    ev.ParticipantLeft,
    ev.ParticipantUpdated,
    ev.ChatReceived,
    ev.CaptionReceived,
    ev.ReactionReceived,
    ev.FirstRemoteFrame,
    ev.ConnectionStateChanged,
    ev.ErrorOccurred,
    ev.Left,
    ev.PeerStateChanged,
    ev.CaptionsStateChanged,
    ev.Waiting,
    ev.LobbyChanged,
    ev.RoomStateChanged,
    ev.Moderated,
    ev.SentAway,
)


class HeadlessClient:
    """One participant without a window; `policy` (default: none) is the system policy its
    signalling follows (TLS trust, server-supplied addresses)."""

    def __init__(
        self, engine: EngineThread, out: JsonLines | None, policy: Policy | None = None
    ) -> None:
        self.out = out
        self.finished = threading.Event()
        self.fatal: str | None = None
        self.waiting = threading.Event()  # set while we wait in the meeting's lobby
        backend = functools.partial(ServerBackend, policy=policy or Policy())
        self.session = Session(
            engine, self._on_event, backend_factory=backend, secrets=KeyringSecrets()
        )
        self._show_count = SHOWN_BY_DEFAULT
        self._show_size = (640, 360)
        self._others: list[str] = []  # the other participants, in the order they came
        self._showing: list[str] = []

    def _on_event(self, event: ev.Event) -> None:
        if self.out is not None and isinstance(event, PRINTED):
            self.out.write(event_record(event))
        if isinstance(event, ev.Waiting):
            self.waiting.set()
        if isinstance(event, ev.Joined):
            self._others = [p.id for p in event.participants if p.id != event.self_id]
            self._show()
        elif isinstance(event, ev.ParticipantJoined):
            if event.participant.id not in self._others:
                self._others.append(event.participant.id)
                self._show()
        elif isinstance(event, ev.ParticipantLeft) and event.participant_id in self._others:
            self._others.remove(event.participant_id)
            self._show()
        if (isinstance(event, ev.ErrorOccurred) and event.fatal) or isinstance(event, ev.SentAway):
            self.fatal = event.message
            self.finished.set()

    def _show(self) -> None:
        """Show the cameras, and any shared screens, of the first participants (on the engine
        thread, from events): on an SFU, only the videos shown are received."""
        showing = self._others[: self._show_count]
        if showing == self._showing:
            return
        self._showing = showing
        tiles = {
            key: self._show_size
            for participant in showing
            for key in (TileKey.camera(participant), TileKey.screen(participant))
        }
        self.session.show_tiles(tiles)
        if self.out is not None:
            self.out.write({"event": "showing", "t": round(time.time(), 3), "ids": showing})

    def join(
        self, link: MeetingLink, options: HeadlessOptions, stop: threading.Event | None = None
    ) -> None:
        """Join (after the lobby, if the meeting has one: as long as it takes, until `stop`)
        and say the configured chat line and caption; raises VisioError."""
        self._show_count = max(0, options.show)
        self._show_size = (options.width, options.height)
        sources = (
            SyntheticSources(options.name, options.wav, options.width, options.height, options.fps)
            if options.synthetic
            else NoSources()
        )
        media = MediaOptions(audio=options.synthetic, video=options.synthetic, sources=sources)
        self._enter(self.session.join(link, options.name, media), stop or threading.Event())
        if options.captions is not None:
            language = "" if options.captions == "auto" else options.captions
            self.session.set_captions(True, CaptionsOptions(language=language)).result(
                timeout=JOIN_TIMEOUT
            )
        if options.chat:
            self.session.send_chat(options.chat).result(timeout=JOIN_TIMEOUT)
        if options.caption:
            self.say_caption(options.caption)

    def say_caption(
        self, text: str, language: str = "", pause: Callable[[], bool] | None = None
    ) -> None:
        """A caption as a recognizer produces it: growing partial segments, then the final one.
        `pause` runs between words (pacing a demo); it returns True to stop early."""
        words = text.split()
        segment: str | None = None
        for count in range(1, len(words)):
            partial = " ".join(words[:count])
            segment = self.session.send_caption(
                partial, final=False, language=language, end=float(count), segment_id=segment
            ).result(timeout=JOIN_TIMEOUT)
            if pause is not None and pause():
                return
        self.session.send_caption(
            text, final=True, language=language, end=float(len(words)), segment_id=segment
        ).result(timeout=JOIN_TIMEOUT)

    def _enter(self, joining: concurrent.futures.Future[None], stop: threading.Event) -> None:
        """Wait for the join: JOIN_TIMEOUT for the server, then, in a lobby, until a host
        answers or we are stopped (looking at `stop` twice a second)."""
        deadline = time.monotonic() + JOIN_TIMEOUT
        done: set[concurrent.futures.Future[None]] = set()
        while not done and not stop.is_set():
            if not self.waiting.is_set() and time.monotonic() > deadline:
                break
            done, _ = concurrent.futures.wait([joining], timeout=0.5)
        if not done:
            self.session.leave().result(timeout=JOIN_TIMEOUT)
            raise JoinAbandonedError(
                "left the lobby before a host answered"
                if self.waiting.is_set()
                else f"the meeting server did not answer within {JOIN_TIMEOUT:.0f} s"
            )
        joining.result()

    def stats_record(self) -> dict[str, Any]:
        try:
            remote = self.session.stats().result(timeout=JOIN_TIMEOUT)
        except VisioError:
            remote = []
        return {"remote": [r.to_json() for r in remote]}


def run_join(
    link: MeetingLink,
    options: HeadlessOptions,
    stop: threading.Event,
    *,
    stdout: IO[str] = sys.stdout,
    stderr: IO[str] = sys.stderr,
    on_started: Callable[[HeadlessClient], None] | None = None,
    policy: Policy | None = None,
    known_hosts: Iterable[str] = (),
) -> int:
    """Join, stay until `stop` is set, the duration ends or the meeting ends; 0 on success.
    A link that `policy` refuses, or that the window would ask about (a host not in
    `known_hosts`, the hosts the user joined before), is refused before anything connects, and
    so are captions the policy turns off; a language the policy sets wins over the option."""
    policy = policy or Policy()
    decision = decide_unattended(link, policy, known_hosts)
    if decision.outcome is LinkOutcome.REFUSE:
        stderr.write(f"visio-desktop: {decision.message}\n")
        return 1
    if options.captions is not None and policy.captions_on is False:  # as the window: never on
        stderr.write("visio-desktop: captions are turned off by this computer's policy.\n")
        return 1
    if options.captions is not None and policy.captions_language is not None:
        options = dataclasses.replace(options, captions=policy.captions_language)
    engine = EngineThread()
    engine.start()
    out = JsonLines(stdout)
    client = HeadlessClient(engine, out, policy)
    try:
        try:
            client.join(link, options, stop)
        except VisioError as exc:
            stderr.write(f"visio-desktop: {exc.message}\n")
            return 1
        if on_started is not None:
            on_started(client)
        stay(client, options, stop)
        if options.stats_json is not None:
            options.stats_json.write_text(json.dumps(client.stats_record(), indent=2) + "\n")
        if client.fatal is not None:
            stderr.write(f"visio-desktop: {client.fatal}\n")
            return 1
        client.session.leave().result(timeout=JOIN_TIMEOUT)
        return 0
    finally:
        engine.stop()
        out.close()


def stay(client: HeadlessClient, options: HeadlessOptions, stop: threading.Event) -> None:
    """Stay in the meeting until stopped, the duration ends or the meeting ends for us,
    printing a stats line every `stats_interval` seconds if asked to."""
    start = time.monotonic()
    end = math.inf if options.duration is None else start + options.duration
    tick = options.stats_interval or math.inf
    next_report = start + tick
    while not client.finished.is_set():
        now = time.monotonic()
        if now >= end:
            return
        if now >= next_report and client.out is not None:
            client.out.write({"event": "stats", **client.stats_record()})
            next_report += tick
        # Wake for the next report, the end, or at least twice a second to see `finished`.
        if stop.wait(timeout=min(next_report, end, now + 0.5) - now):
            return
