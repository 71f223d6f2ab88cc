"""Hosting on the SFU with real engine Sessions: our meeting server's LiveKit front (`serve
--livekit-url`) in front of a real livekit-server on 127.0.0.1, `ServerBackend` choosing the
LiveKit path as it does for any link."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.engine.conftest import WAIT, EventLog
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.protocol import ErrorCode
from visio_desktop.core.roles import Access, Moderation, Role, RoomState
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
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


def synthetic(name: str) -> MediaOptions:
    return MediaOptions(
        audio=True, video=True, sources=SyntheticSources(name, width=320, height=180, fps=15)
    )


def test_a_host_mutes_removes_and_ends_the_meeting(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    host, host_log, link = create(sfu_front, make_session)
    host_log.wait_for(ev.Joined)
    guest, guest_log = make_session()
    guest.join(link, "Gaston", synthetic("Gaston")).result(timeout=WAIT)
    guest_id = guest_log.wait_for(ev.Joined).self_id
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.audio
    )

    host.moderate(Moderation.MUTE, guest_id).result(timeout=WAIT)
    assert guest_log.wait_for(ev.Moderated).action is Moderation.MUTE

    other, other_log = make_session()
    other.join(link, "Odile", MediaOptions()).result(timeout=WAIT)
    other_log.wait_for(ev.Joined)
    host.moderate(Moderation.REMOVE, guest_id).result(timeout=WAIT)
    assert guest_log.wait_for(ev.SentAway).code is ErrorCode.REMOVED
    host_log.wait_for(ev.ParticipantLeft, lambda e: e.participant_id == guest_id)

    host.end_meeting().result(timeout=WAIT)
    assert other_log.wait_for(ev.SentAway).code is ErrorCode.ENDED
