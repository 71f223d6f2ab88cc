"""Hosts, the lobby and moderation on the mesh, end to end: real sessions (engine, aiortc on
127.0.0.1, synthetic media) on the real embedded server, in the order people meet them."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable

import numpy as np
import pytest

from tests.engine.conftest import WAIT, EventLog, frame_from
from tests.engine.netchange_call import until
from tests.engine.test_session import synthetic
from tests.memory_keyring import MemoryKeyring
from visio_desktop.core.errors import ServerRejectedError
from visio_desktop.core.kinds import MediaKind, Slot, TileKey
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.protocol import ErrorCode, LeaveReason
from visio_desktop.core.roles import Access, Moderation, Role, RoomState
from visio_desktop.core.secrets import KeyringSecrets
from visio_desktop.engine import events as ev
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.playout import FrameSource
from visio_desktop.media.synthetic import SyntheticAudioTrack, SyntheticVideoTrack
from visio_desktop.server.runner import EmbeddedServer

MakeSession = Callable[[], tuple[Session, EventLog]]


def host_meeting(
    make_session: MakeSession, server: EmbeddedServer, access: Access
) -> tuple[Session, EventLog, MeetingLink, str]:
    """A meeting created by its host (whose session keeps the host secret), host inside."""
    host, log = make_session()
    link = host.create_meeting(server.base_url, access).result(timeout=WAIT)
    host.join(link, "Host", synthetic("Host")).result(timeout=WAIT)
    joined = log.wait_for(ev.Joined)
    assert [p.role for p in joined.participants if p.id == joined.self_id] == [Role.HOST]
    assert joined.room_state.access is access
    return host, log, link, joined.self_id


def knock(
    make_session: MakeSession, link: MeetingLink, name: str
) -> tuple[Session, EventLog, concurrent.futures.Future[None]]:
    """Someone joins a lobby meeting: their join waits until a host answers."""
    session, log = make_session()
    joining = session.join(link, name, synthetic(name))
    waiting = log.wait_for(ev.Waiting)
    assert (waiting.room, waiting.display_name) == (link.room, name)
    assert not joining.done()
    return session, log, joining


def test_a_newcomer_waits_in_the_lobby_and_is_let_in_with_their_devices(
    make_session: MakeSession, server: EmbeddedServer
) -> None:
    host, host_log, link, host_id = host_meeting(make_session, server, Access.LOBBY)
    _, guest_log, joining = knock(make_session, link, "Mairie de Lyon")
    lobby = host_log.wait_for(ev.LobbyChanged, lambda e: len(e.waiting) == 1)
    assert lobby.waiting[0].display_name == "Mairie de Lyon"
    host.send_chat("before the guest").result(timeout=WAIT)
    host_log.wait_for(ev.ChatReceived)  # the server stamped and relayed it

    host.admit((lobby.waiting[0].id,)).result(timeout=WAIT)
    joining.result(timeout=WAIT)
    joined = guest_log.wait_for(ev.Joined)
    roles = {p.id: p.role for p in joined.participants}
    assert roles == {host_id: Role.HOST, joined.self_id: Role.PARTICIPANT}
    assert host_log.wait_for(ev.LobbyChanged).waiting == ()
    arrived = host_log.wait_for(ev.ParticipantJoined).participant
    assert (arrived.id, arrived.audio, arrived.video) == (joined.self_id, True, True)
    # Media both ways, from the devices chosen before waiting; nothing from before.
    guest_log.wait_for(ev.FirstRemoteFrame, frame_from(host_id, Slot.CAMERA))
    host_log.wait_for(ev.FirstRemoteFrame, frame_from(joined.self_id, Slot.CAMERA))
    host.send_chat("after").result(timeout=WAIT)
    assert guest_log.wait_for(ev.ChatReceived).text == "after"


def test_two_knock_at_once_one_is_admitted_and_one_denied(
    make_session: MakeSession, server: EmbeddedServer
) -> None:
    host, host_log, link, _ = host_meeting(make_session, server, Access.LOBBY)
    _, a_log, a_joining = knock(make_session, link, "Préfecture")
    _, b_log, b_joining = knock(make_session, link, "Inconnu")
    both = host_log.wait_for(ev.LobbyChanged, lambda e: len(e.waiting) == 2).waiting
    ids = {entry.display_name: entry.id for entry in both}
    host.admit((ids["Préfecture"],)).result(timeout=WAIT)
    host.admit((ids["Inconnu"],), allow=False).result(timeout=WAIT)
    a_joining.result(timeout=WAIT)
    with pytest.raises(ServerRejectedError) as refused:
        b_joining.result(timeout=WAIT)
    assert refused.value.code is ErrorCode.DENIED
    away = b_log.wait_for(ev.SentAway)
    assert away.code is ErrorCode.DENIED and away.message
    assert not any(isinstance(e, ev.Joined | ev.TrackAdded) for e in b_log.seen)
    assert a_log.wait_for(ev.Joined)
    host_log.wait_for(ev.LobbyChanged, lambda e: e.waiting == ())


def test_a_host_mutes_removes_and_ends_the_meeting(
    make_session: MakeSession, server: EmbeddedServer
) -> None:
    host, host_log, link, _ = host_meeting(make_session, server, Access.OPEN)
    one, one_log = make_session()
    two, two_log = make_session()
    one.join(link, "Agent 1", synthetic("Agent 1")).result(timeout=WAIT)
    one_id = one_log.wait_for(ev.Joined).self_id
    two.join(link, "Agent 2", synthetic("Agent 2")).result(timeout=WAIT)
    two_id = two_log.wait_for(ev.Joined).self_id
    two_log.wait_for(ev.FirstRemoteFrame, frame_from(one_id, Slot.CAMERA))

    # Muted by the host: told who did it, the microphone is off, and may come back on.
    host.moderate(Moderation.MUTE, one_id).result(timeout=WAIT)
    muted = one_log.wait_for(ev.Moderated)
    assert (muted.action, muted.by_name) == (Moderation.MUTE, "Host")
    host_log.wait_for(
        ev.ParticipantUpdated, lambda e: e.participant.id == one_id and not e.participant.audio
    )
    assert one.set_media(MediaKind.AUDIO, True).result(timeout=WAIT)

    # Microphones locked: a participant cannot turn theirs back on.
    host.set_room_state(RoomState(Access.OPEN, mics_locked=True)).result(timeout=WAIT)
    assert one_log.wait_for(ev.RoomStateChanged).state.mics_locked
    host.moderate(Moderation.MUTE).result(timeout=WAIT)  # everyone but the hosts
    one_log.wait_for(ev.Moderated)
    two_log.wait_for(ev.Moderated)
    assert not one.set_media(MediaKind.AUDIO, True).result(timeout=WAIT)

    # Removed: gone from everyone's meeting, their connections closed, sent away for good.
    host.moderate(Moderation.REMOVE, one_id).result(timeout=WAIT)
    away = one_log.wait_for(ev.SentAway)
    assert (away.code, away.by_name) == (ErrorCode.REMOVED, "Host")
    for log in (host_log, two_log):
        left = log.wait_for(ev.ParticipantLeft, lambda e: e.participant_id == one_id)
        assert left.reason is LeaveReason.REMOVED
    one_log.wait_for(ev.Left)

    # Ended for everyone.
    host.end_meeting().result(timeout=WAIT)
    for log in (two_log, host_log):
        assert log.wait_for(ev.SentAway).code is ErrorCode.ENDED
    assert two_id


def test_a_participant_cannot_act_as_host(
    make_session: MakeSession, server: EmbeddedServer
) -> None:
    host, host_log, link, host_id = host_meeting(make_session, server, Access.OPEN)
    guest, guest_log = make_session()
    guest.join(link, "Guest", synthetic("Guest")).result(timeout=WAIT)
    guest_log.wait_for(ev.Joined)
    guest.moderate(Moderation.REMOVE, host_id).result(timeout=WAIT)
    refused = guest_log.wait_for(ev.ErrorOccurred)
    assert "host" in refused.message
    guest.end_meeting().result(timeout=WAIT)
    guest_log.wait_for(ev.ErrorOccurred)
    host.send_chat("still here").result(timeout=WAIT)
    assert guest_log.wait_for(ev.ChatReceived).text == "still here"
    assert not any(isinstance(e, ev.SentAway | ev.ParticipantLeft) for e in host_log.seen)


def test_a_locked_meeting_turns_newcomers_away(
    make_session: MakeSession, server: EmbeddedServer
) -> None:
    _, _, link, _ = host_meeting(make_session, server, Access.LOCKED)
    late, late_log = make_session()
    with pytest.raises(ServerRejectedError) as refused:
        late.join(link, "Late", synthetic("Late")).result(timeout=WAIT)
    assert refused.value.code is ErrorCode.LOCKED
    assert late_log.wait_for(ev.SentAway).code is ErrorCode.LOCKED


def test_the_host_secret_survives_a_restart_of_the_client(
    server: EmbeddedServer, memory_keyring: MemoryKeyring
) -> None:
    first = EngineThread()
    first.start()
    try:
        link = (
            Session(first, EventLog(), secrets=KeyringSecrets())
            .create_meeting(server.base_url, Access.LOBBY)
            .result(timeout=WAIT)
        )
    finally:
        first.stop()
    assert len(memory_keyring.values) == 1  # in the keyring, nowhere else

    again = EngineThread()  # the application started again
    again.start()
    log = EventLog()
    session = Session(again, log, secrets=KeyringSecrets())
    try:
        session.join(link, "Host again", synthetic("Host")).result(timeout=WAIT)
        joined = log.wait_for(ev.Joined)
        me = next(p for p in joined.participants if p.id == joined.self_id)
        assert me.role is Role.HOST  # straight in, not waiting in its own lobby
    finally:
        session.leave().result(timeout=WAIT)
        again.stop()


def test_whoever_leaves_the_lobby_leaves_the_hosts_list(
    make_session: MakeSession, server: EmbeddedServer
) -> None:
    _, host_log, link, _ = host_meeting(make_session, server, Access.LOBBY)
    guest, _, joining = knock(make_session, link, "Guest")
    host_log.wait_for(ev.LobbyChanged, lambda e: len(e.waiting) == 1)
    guest.leave().result(timeout=WAIT)
    assert host_log.wait_for(ev.LobbyChanged).waiting == ()
    with pytest.raises(concurrent.futures.CancelledError):  # the join ended with the leave
        joining.result(timeout=WAIT)


class Speakers:
    """Stands for a session's playout and tiles: pulls each participant's audio as the speakers
    would, and records the tiles frames are shown in."""

    def __init__(self) -> None:
        self.sources: dict[str, FrameSource] = {}
        self.tiles: list[str] = []

    def push(self, participant_id: str, frame: object) -> None:
        raise AssertionError("Opus audio is pulled from our jitter buffer, never pushed")

    def attach(self, participant_id: str, source: FrameSource) -> None:
        self.sources[participant_id] = source

    def remove_participant(self, participant_id: str) -> None:
        self.sources.pop(participant_id, None)

    def show(self, key: TileKey, frame: object) -> None:  # the video sink
        self.tiles.append(str(key))

    def loudest(self, participant_id: str, frames: int = 50) -> int:
        """The loudest sample of `participant_id`'s next `frames` frames (20 ms each), taken
        at the pace the speakers play them."""
        peak = 0
        for _ in range(frames):
            time.sleep(0.02)  # the pace of the speakers' callback, not a guess at an event
            frame = self.sources[participant_id].next_frame()
            if frame is not None:
                peak = max(peak, int(np.abs(frame.astype(np.int32)).max(initial=0)))
        return peak


def test_a_muted_client_that_keeps_sending_is_not_heard(
    engine: EngineThread, server: EmbeddedServer
) -> None:
    """The mesh has no middlebox to stop a muted person's audio: a hostile client muted by a
    host (microphones locked) sends its microphone anyway, straight on its peer connections.
    The host's side hears nothing of it, though the packets arrive; nor does a tile show a
    camera the host stopped. Once the host unlocks and the person turns the microphone on,
    they are heard again."""
    speakers = Speakers()
    host_log, guest_log = EventLog(), EventLog()
    host = Session(engine, host_log, audio_out=speakers, video_sink=speakers.show)
    guest = Session(engine, guest_log)
    try:
        link = host.create_meeting(server.base_url, Access.OPEN).result(timeout=WAIT)
        host.join(link, "Host", synthetic("Host")).result(timeout=WAIT)
        guest.join(link, "Guest", synthetic("Guest")).result(timeout=WAIT)
        guest_id = guest_log.wait_for(ev.Joined).self_id
        until(lambda: guest_id in speakers.sources, "the guest's audio never came")
        assert speakers.loudest(guest_id) > 1000  # the guest's tone

        host.set_room_state(RoomState(Access.OPEN, mics_locked=True)).result(timeout=WAIT)
        host.moderate(Moderation.MUTE, guest_id).result(timeout=WAIT)
        host_log.wait_for(
            ev.ParticipantUpdated,
            lambda e: e.participant.id == guest_id and not e.participant.audio,
        )
        guest_log.wait_for(ev.Moderated)
        meeting = guest._meeting
        assert meeting is not None
        # What a hostile client does: its microphone goes back on without a word to the server.
        hostile = SyntheticAudioTrack.tone(pattern=(1.0, 0.0))  # no pause: no DTX gap
        engine.call_soon(lambda: meeting.local.outgoing[Slot.AUDIO].replace(hostile))
        assert host._meeting is not None
        played = host._meeting.remote.audio_figures(guest_id)
        assert played is not None
        real = played.real
        # The hostile audio arrives at the host's side (frames decoded from real packets),
        # and what the speakers get of it is silence.
        meeting_there = host._meeting

        def real_frames() -> int:
            figures = meeting_there.remote.audio_figures(guest_id)
            return figures.real if figures is not None else 0

        until(lambda: real_frames() >= real + 25, "the hostile audio did not arrive")
        assert speakers.loudest(guest_id) == 0
        assert real_frames() >= real + 50  # and went on arriving meanwhile

        # The same for a camera a host stopped: its frames arrive, no tile shows them.
        host.moderate(Moderation.STOP_VIDEO, guest_id).result(timeout=WAIT)
        host_log.wait_for(
            ev.ParticipantUpdated,
            lambda e: e.participant.id == guest_id and not e.participant.video,
        )
        # The server stamps the camera off before the guest's own client has turned it off:
        # the hostile camera goes on after that, or the client's obedience would replace it.
        guest_log.wait_for(ev.Moderated, lambda e: e.action is Moderation.STOP_VIDEO)
        camera = SyntheticVideoTrack("hostile", 320, 180, fps=15)
        engine.call_soon(lambda: meeting.local.outgoing[Slot.CAMERA].replace(camera))
        stopped_at = len(speakers.tiles)
        video = host._meeting.remote.counter(guest_id, Slot.CAMERA)
        assert video is not None
        shown = video.frames
        until(lambda: video.frames >= shown + 15, "the hostile video did not arrive")
        assert str(TileKey.camera(guest_id)) not in speakers.tiles[stopped_at:]

        engine.call_soon(lambda: meeting.local.outgoing[Slot.AUDIO].replace(None))
        host.set_room_state(RoomState(Access.OPEN, mics_locked=False)).result(timeout=WAIT)
        guest_log.wait_for(ev.RoomStateChanged, lambda e: not e.state.mics_locked)
        assert guest.set_media(MediaKind.AUDIO, True).result(timeout=WAIT)
        host_log.wait_for(
            ev.ParticipantUpdated, lambda e: e.participant.id == guest_id and e.participant.audio
        )
        assert speakers.loudest(guest_id) > 1000  # heard again
    finally:
        for session in (guest, host):
            session.leave().result(timeout=WAIT)
