"""Real sessions in one process: the embedded server on 127.0.0.1 and the engine thread."""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

import pytest
from aiortc.mediastreams import MediaStreamTrack

from tests.engine import fakes
from tests.engine.fake_plane import FakePlanes
from tests.engine.fakes import FakeBackend, Pulse
from tests.engine.meeting_rig import Rig
from visio_desktop.core.kinds import PeerState, Slot
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import ReconnectPolicy
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.rtc.ice import gather_loopback_only
from visio_desktop.server.runner import EmbeddedServer

E = TypeVar("E", bound=ev.Event)
WAIT = 20.0
# Rejoin attempts over about two seconds, so that giving up is quick to observe.
QUICK_RECONNECT = ReconnectPolicy(delays=(0.1, 0.2, 0.4, 0.8), quick_for=1.0, quick_every=0.1)


class EventLog:
    """Collects a session's events (emitted on the engine thread) for the test thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[ev.Event] = queue.Queue()
        self.seen: list[ev.Event] = []

    def __call__(self, event: ev.Event) -> None:
        self._queue.put(event)

    def wait_for(
        self, kind: type[E], where: Callable[[E], bool] = lambda e: True, timeout: float = WAIT
    ) -> E:
        """The first event of `kind` matching `where`, waiting up to `timeout` seconds for it."""
        for event in self.seen:
            if isinstance(event, kind) and where(event):
                self.seen.remove(event)
                return event
        deadline = time.monotonic() + timeout  # other events may keep coming meanwhile
        while True:
            try:
                event = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {kind.__name__} within {timeout} s") from None
            if isinstance(event, kind) and where(event):
                return event
            self.seen.append(event)


def frame_from(
    participant_id: str, kind: Slot = Slot.CAMERA
) -> Callable[[ev.FirstRemoteFrame], bool]:
    """Matches the first remote frame in slot `kind` from `participant_id`."""
    return lambda e: (e.participant_id, e.kind) == (participant_id, kind)


@pytest.fixture
def loopback() -> Iterator[None]:
    """ICE gathers 127.0.0.1 only, for peer connections within the test."""
    gather_loopback_only(True)
    yield
    gather_loopback_only(False)


@pytest.fixture
def link(server: EmbeddedServer) -> MeetingLink:
    return parse_link(f"{server.base_url}/abc-defg-hij")


@pytest.fixture
def make_session(engine: EngineThread) -> Iterator[Callable[[], tuple[Session, EventLog]]]:
    sessions: list[Session] = []

    def make() -> tuple[Session, EventLog]:
        log = EventLog()
        session = Session(engine, log, reconnect=QUICK_RECONNECT)
        sessions.append(session)
        return session, log

    yield make
    for session in sessions:
        session.leave().result(timeout=WAIT)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    pulse = Pulse()
    rig = Rig(pulse, fakes.EventLog(pulse), FakeBackend(pulse), FakePlanes(pulse))
    yield rig
    for meeting in rig.meetings:
        await meeting.close()


class PlaneRecord:
    """`rtc.plane.PlaneEvents` for a media plane tested on its own: remote tracks and peer
    states, in the order they came."""

    def __init__(self) -> None:
        self.tracks: asyncio.Queue[tuple[str, Slot, MediaStreamTrack]] = asyncio.Queue()
        self.states: list[tuple[str, PeerState]] = []

    def track_arrived(self, participant_id: str, slot: Slot, track: MediaStreamTrack) -> None:
        self.tracks.put_nowait((participant_id, slot, track))

    def peer_state_changed(self, participant_id: str, state: PeerState) -> None:
        self.states.append((participant_id, state))
