"""How quickly hosts' decisions reach everyone on the mesh, as one JSON document.

Real sessions (engine threads, aiortc on 127.0.0.1, synthetic media) on the embedded server:
- remove: a host removes a participant; the time until another participant's meeting has
  dropped them (ParticipantLeft, peer connection closed), against the same participant
  leaving by themselves as the baseline measured in the same run;
- admit: a host admits someone waiting in the lobby; the time until their join completes
  (Joined: roster and rules in hand), against a join into an open meeting;
- mute: a host mutes a participant; the time until that participant's microphone is off.

Medians over runs.

    .venv/bin/python benchmarks/hosting.py [--runs 7]
"""

from __future__ import annotations

import argparse
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from visio_desktop.core.roles import Access, Moderation, RoomState
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.server.runner import EmbeddedServer

from figures import machine, medians, ratio, report

WAIT = 30.0
E = TypeVar("E", bound=ev.Event)


class Log:
    """A session's events, stamped with the time they were emitted."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[float, ev.Event]] = queue.Queue()

    def __call__(self, event: ev.Event) -> None:
        self.events.put((time.perf_counter(), event))

    def wait(self, kind: type[E], where: Callable[[E], bool] = lambda e: True) -> float:
        """When the first matching event came (earlier ones are dropped)."""
        return self.get(kind, where)[0]

    def get(self, kind: type[E], where: Callable[[E], bool] = lambda e: True) -> tuple[float, E]:
        """The first matching event and when it came (earlier ones are dropped)."""
        while True:
            at, event = self.events.get(timeout=WAIT)
            if isinstance(event, kind) and where(event):
                return at, event


def media(name: str) -> MediaOptions:
    sources = SyntheticSources(name, width=320, height=180, fps=15)
    return MediaOptions(audio=True, video=True, sources=sources)


def self_id(log: Log) -> str:
    return log.get(ev.Joined)[1].self_id


def one_run(engine: EngineThread, server: EmbeddedServer) -> dict[str, float]:
    """One meeting: a host and two participants, then the three measures."""
    logs = [Log() for _ in range(4)]
    host, one, two, late = (Session(engine, log) for log in logs)
    host_log, one_log, two_log, late_log = logs
    figures: dict[str, float] = {}
    try:
        link = host.create_meeting(server.base_url, Access.OPEN).result(timeout=WAIT)
        host.join(link, "Host", media("Host")).result(timeout=WAIT)
        one.join(link, "One", media("One")).result(timeout=WAIT)
        one_id = self_id(one_log)
        two.join(link, "Two", media("Two")).result(timeout=WAIT)
        two_id = self_id(two_log)
        two_log.wait(ev.FirstRemoteFrame, lambda e: e.participant_id == one_id)

        start = time.perf_counter()
        host.moderate(Moderation.MUTE, one_id).result(timeout=WAIT)
        figures["mute_ms"] = (one_log.wait(ev.Moderated) - start) * 1000

        start = time.perf_counter()
        host.moderate(Moderation.REMOVE, one_id).result(timeout=WAIT)
        gone = two_log.wait(ev.ParticipantLeft, lambda e: e.participant_id == one_id)
        figures["remove_ms"] = (gone - start) * 1000

        start = time.perf_counter()
        two.leave().result(timeout=WAIT)  # the baseline: leaving by oneself
        figures["leave_ms"] = (
            host_log.wait(ev.ParticipantLeft, lambda e: e.participant_id == two_id) - start
        ) * 1000

        start = time.perf_counter()
        late.join(link, "Late", media("Late")).result(timeout=WAIT)
        figures["open_join_ms"] = (late_log.wait(ev.Joined) - start) * 1000
        late.leave().result(timeout=WAIT)

        host.set_room_state(RoomState(Access.LOBBY)).result(timeout=WAIT)
        host_log.wait(ev.RoomStateChanged)
        joining = late.join(link, "Late", media("Late"))
        lobby = host_log.get(ev.LobbyChanged, lambda e: len(e.waiting) == 1)[1]
        start = time.perf_counter()
        host.admit((lobby.waiting[0].id,)).result(timeout=WAIT)
        joining.result(timeout=WAIT)
        figures["admit_ms"] = (late_log.wait(ev.Joined) - start) * 1000
    finally:
        for session in (host, one, two, late):
            session.leave().result(timeout=WAIT)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    server = EmbeddedServer()
    server.start()
    engine = EngineThread("benchmark")
    engine.start()
    try:
        runs = [one_run(engine, server) for _ in range(args.runs)]
    finally:
        engine.stop()
        server.stop()
    figures = medians(runs)
    report(
        "hosting",
        {
            "source": "embedded server on 127.0.0.1, mesh, synthetic 320x180 at 15 fps",
            "runs": args.runs,
            "machine": machine(),
            "median_ms": figures,
            "remove_vs_leave": ratio(figures["remove_ms"], figures["leave_ms"]),
            "admit_vs_open_join": ratio(figures["admit_ms"], figures["open_join_ms"]),
        },
    )


if __name__ == "__main__":
    main()
