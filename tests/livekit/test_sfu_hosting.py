"""Hosting on the SFU with real engine Sessions: our meeting server's LiveKit front (`serve
--livekit-url`) in front of a real livekit-server on 127.0.0.1, `ServerBackend` choosing the
LiveKit path as it does for any link."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.engine.conftest import WAIT, EventLog
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.roles import Access, Role, RoomState
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.server.runner import EmbeddedServer

MakeSession = Callable[[], tuple[Session, EventLog]]


@pytest.fixture
def make_session() -> Iterator[MakeSession]:
    engine = EngineThread("sfu-hosting")
    engine.start()
    sessions: list[Session] = []

    def make() -> tuple[Session, EventLog]:
        log = EventLog()
        session = Session(engine, log)
        sessions.append(session)
        return session, log

    yield make
    for session in sessions:
        session.leave().result(timeout=WAIT)
    engine.stop()


def create(
    sfu_front: EmbeddedServer, make_session: MakeSession, access: Access = Access.OPEN
) -> tuple[Session, EventLog, MeetingLink]:
    """A host session that created a meeting on the front and joined it."""
    host, log = make_session()
    link = host.create_meeting(sfu_front.base_url, access).result(timeout=WAIT)
    host.join(link, "Hortense", MediaOptions()).result(timeout=WAIT)
    return host, log, link


def test_whoever_created_the_meeting_hosts_it_and_the_next_person_does_not(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    _host, host_log, link = create(sfu_front, make_session)
    joined = host_log.wait_for(ev.Joined)
    (me,) = [p for p in joined.participants if p.id == joined.self_id]
    assert me.role is Role.HOST
    assert joined.room_state.access is Access.OPEN

    guest, guest_log = make_session()
    guest.join(link, "Gaston", MediaOptions()).result(timeout=WAIT)
    seen = guest_log.wait_for(ev.Joined)
    roles = {p.id == seen.self_id: p.role for p in seen.participants}
    assert roles == {True: Role.PARTICIPANT, False: Role.HOST}
    arrival = host_log.wait_for(ev.ParticipantJoined)
    assert arrival.participant.role is Role.PARTICIPANT


def test_a_host_changes_the_rules_and_everyone_follows(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    host, host_log, link = create(sfu_front, make_session)
    host_log.wait_for(ev.Joined)
    guest, guest_log = make_session()
    guest.join(link, "Gaston", MediaOptions()).result(timeout=WAIT)
    guest_log.wait_for(ev.Joined)
    rules = RoomState(Access.LOBBY, mics_locked=True)
    host.set_room_state(rules).result(timeout=WAIT)
    assert guest_log.wait_for(ev.RoomStateChanged).state == rules
    assert host_log.wait_for(ev.RoomStateChanged).state == rules
