"""Hosting on the SFU with real engine Sessions: our meeting server's LiveKit front (`serve
--livekit-url`) in front of a real livekit-server on 127.0.0.1, `ServerBackend` choosing the
LiveKit path as it does for any link."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from livekit import api

from tests.engine.conftest import WAIT, EventLog
from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode
from tests.screen_sources import fake_screen
from visio_desktop.core.errors import ServerRejectedError
from visio_desktop.core.kinds import MediaKind
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
    sfu_front: EmbeddedServer,
    make_session: MakeSession,
    access: Access = Access.OPEN,
    media: MediaOptions | None = None,
) -> tuple[Session, EventLog, MeetingLink]:
    """A host session that created a meeting on the front and joined it."""
    host, log = make_session()
    link = host.create_meeting(sfu_front.base_url, access).result(timeout=WAIT)
    host.join(link, "Host", media or MediaOptions()).result(timeout=WAIT)
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
    guest.join(link, "Guest", MediaOptions()).result(timeout=WAIT)
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
    guest.join(link, "Guest", MediaOptions()).result(timeout=WAIT)
    guest_log.wait_for(ev.Joined)
    rules = RoomState(Access.LOBBY, mics_locked=True)
    host.set_room_state(rules).result(timeout=WAIT)
    assert guest_log.wait_for(ev.RoomStateChanged).state == rules
    assert host_log.wait_for(ev.RoomStateChanged).state == rules


def synthetic(name: str) -> MediaOptions:
    return MediaOptions(
        audio=True, video=True, sources=SyntheticSources(name, width=320, height=180, fps=15)
    )


def identities_in(livekit: LiveKitNode, room: str) -> set[str]:
    """Who LiveKit itself has in `room` (its room service)."""

    async def ask() -> set[str]:
        async with api.LiveKitAPI(livekit.http_url, API_KEY, API_SECRET) as service:
            asked = api.ListParticipantsRequest(room=room)
            answer = await service.room.list_participants(asked)
            return {p.identity for p in answer.participants}

    return asyncio.run(ask())


def test_a_host_mutes_removes_and_ends_the_meeting(
    sfu_front: EmbeddedServer, make_session: MakeSession, livekit: LiveKitNode
) -> None:
    host, host_log, link = create(sfu_front, make_session)
    host_log.wait_for(ev.Joined)
    guest, guest_log = make_session()
    guest.join(link, "Guest", synthetic("Guest")).result(timeout=WAIT)
    guest_id = guest_log.wait_for(ev.Joined).self_id
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.audio
    )

    host.moderate(Moderation.MUTE, guest_id).result(timeout=WAIT)
    assert guest_log.wait_for(ev.Moderated).action is Moderation.MUTE

    other, other_log = make_session()
    other.join(link, "Participant", MediaOptions()).result(timeout=WAIT)
    other_log.wait_for(ev.Joined)
    host.moderate(Moderation.REMOVE, guest_id).result(timeout=WAIT)
    assert guest_log.wait_for(ev.SentAway).code is ErrorCode.REMOVED
    host_log.wait_for(ev.ParticipantLeft, lambda e: e.participant_id == guest_id)
    present = identities_in(livekit, link.room)
    assert guest_id not in present and len(present) == 2  # the SFU forwards nothing of theirs

    host.end_meeting().result(timeout=WAIT)
    assert other_log.wait_for(ev.SentAway).code is ErrorCode.ENDED


def test_a_host_sees_who_knocks_and_lets_one_in_and_not_the_other(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    host, host_log, link = create(sfu_front, make_session, Access.LOBBY)
    host_id = host_log.wait_for(ev.Joined).self_id
    guest, guest_log = make_session()
    joining = guest.join(link, "Mairie de Lyon", synthetic("Guest"))
    assert guest_log.wait_for(ev.Waiting).display_name == "Mairie de Lyon"
    intruder, intruder_log = make_session()
    refused = intruder.join(link, "Inconnu", MediaOptions())
    intruder_log.wait_for(ev.Waiting)
    both = host_log.wait_for(ev.LobbyChanged, lambda e: len(e.waiting) == 2).waiting
    ids = {entry.display_name: entry.id for entry in both}
    assert not joining.done() and not refused.done()

    host.admit((ids["Mairie de Lyon"],)).result(timeout=WAIT)
    host.admit((ids["Inconnu"],), allow=False).result(timeout=WAIT)
    joining.result(timeout=WAIT)
    joined = guest_log.wait_for(ev.Joined)
    roles = {p.id: p.role for p in joined.participants}
    assert roles == {host_id: Role.HOST, joined.self_id: Role.PARTICIPANT}
    with pytest.raises(ServerRejectedError) as turned_away:
        refused.result(timeout=WAIT)
    assert turned_away.value.code is ErrorCode.DENIED
    assert not any(isinstance(e, ev.Joined) for e in intruder_log.seen)
    host_log.wait_for(ev.LobbyChanged, lambda e: e.waiting == ())
    arrived = host_log.wait_for(ev.ParticipantJoined).participant
    assert (arrived.id, arrived.display_name) == (joined.self_id, "Mairie de Lyon")
    host_log.wait_for(ev.FirstRemoteFrame, lambda e: e.participant_id == joined.self_id)


def test_someone_who_stops_waiting_leaves_the_hosts_list(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    _host, host_log, link = create(sfu_front, make_session, Access.LOBBY)
    host_log.wait_for(ev.Joined)
    guest, guest_log = make_session()
    guest.join(link, "Guest", MediaOptions())
    guest_log.wait_for(ev.Waiting)
    host_log.wait_for(ev.LobbyChanged, lambda e: len(e.waiting) == 1)
    guest.leave().result(timeout=WAIT)
    host_log.wait_for(ev.LobbyChanged, lambda e: e.waiting == ())


def test_each_host_action_reaches_the_guest_and_a_participant_may_do_none(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    host, host_log, link = create(sfu_front, make_session)
    host_id = host_log.wait_for(ev.Joined).self_id
    guest, guest_log = make_session()
    guest.join(link, "Guest", synthetic("Guest")).result(timeout=WAIT)
    guest_id = guest_log.wait_for(ev.Joined).self_id
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.video
    )
    guest.moderate(Moderation.REMOVE, host_id).result(timeout=WAIT)
    assert "permission" in guest_log.wait_for(ev.ErrorOccurred).message
    guest.end_meeting().result(timeout=WAIT)
    guest_log.wait_for(ev.ErrorOccurred)

    host.moderate(Moderation.STOP_VIDEO, guest_id).result(timeout=WAIT)
    assert guest_log.wait_for(ev.Moderated).action is Moderation.STOP_VIDEO
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and not e.participant.video
    )
    guest.share_screen(fake_screen).result(timeout=WAIT)
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.screen
    )
    host.moderate(Moderation.STOP_SCREEN, guest_id).result(timeout=WAIT)
    assert guest_log.wait_for(ev.Moderated).action is Moderation.STOP_SCREEN
    guest_log.wait_for(ev.ScreenShareChanged, lambda e: not e.sharing)
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and not e.participant.screen
    )
    guest.raise_hand(True).result(timeout=WAIT)
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.hand_raised
    )
    host.moderate(Moderation.LOWER_HAND, guest_id).result(timeout=WAIT)
    host_log.wait_for(
        ev.ParticipantUpdated,
        lambda e: e.participant.id == guest_id and not e.participant.hand_raised,
    )
    host.moderate(Moderation.MAKE_COHOST, guest_id).result(timeout=WAIT)
    guest_log.wait_for(
        ev.ParticipantUpdated,
        lambda e: e.participant.id == guest_id and e.participant.role is Role.COHOST,
    )
    host_log.wait_for(
        ev.ParticipantUpdated,
        lambda e: e.participant.id == guest_id and e.participant.role is Role.COHOST,
    )
    host.moderate(Moderation.REVOKE_COHOST, guest_id).result(timeout=WAIT)
    host_log.wait_for(
        ev.ParticipantUpdated,
        lambda e: e.participant.id == guest_id and e.participant.role is Role.PARTICIPANT,
    )
    assert not any(isinstance(e, ev.SentAway) for e in host_log.seen + guest_log.seen)


def test_mute_all_the_microphone_lock_and_a_locked_meeting(
    sfu_front: EmbeddedServer, make_session: MakeSession
) -> None:
    """Through the front and LiveKit, between real clients: muting everyone leaves the host's
    microphone on; with the microphones locked a participant cannot turn theirs on again; a
    locked meeting turns a newcomer away in plain words."""
    host, host_log, link = create(sfu_front, make_session, media=synthetic("Host"))
    host_id = host_log.wait_for(ev.Joined).self_id
    guest, guest_log = make_session()
    guest.join(link, "Guest", synthetic("Guest")).result(timeout=WAIT)
    guest_id = guest_log.wait_for(ev.Joined).self_id
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.audio
    )

    host.moderate(Moderation.MUTE).result(timeout=WAIT)  # everyone but the hosts
    assert guest_log.wait_for(ev.Moderated).action is Moderation.MUTE
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and not e.participant.audio
    )
    host.set_room_state(RoomState(Access.OPEN, mics_locked=True)).result(timeout=WAIT)
    guest_log.wait_for(ev.RoomStateChanged, lambda e: e.state.mics_locked)
    assert not guest.set_media(MediaKind.AUDIO, True).result(timeout=WAIT)
    # The host's microphone stayed on through it all, and may go off and on again.
    assert not [e for e in host_log.seen if isinstance(e, ev.Moderated)]
    assert host.set_media(MediaKind.AUDIO, False).result(timeout=WAIT)
    assert host.set_media(MediaKind.AUDIO, True).result(timeout=WAIT)
    guest_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == host_id and e.participant.audio
    )

    host.set_room_state(RoomState(Access.LOCKED)).result(timeout=WAIT)
    guest_log.wait_for(ev.RoomStateChanged, lambda e: e.state.access is Access.LOCKED)
    late, late_log = make_session()
    with pytest.raises(ServerRejectedError) as refused:
        late.join(link, "Late", MediaOptions()).result(timeout=WAIT)
    assert refused.value.code is ErrorCode.LOCKED
    assert late_log.wait_for(ev.SentAway).code is ErrorCode.LOCKED
