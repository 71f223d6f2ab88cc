"""What hosts and co-hosts do to a meeting and its participants, checked and carried out.

Every request here comes from someone in the room; anyone who is not a host or co-host is
refused with ``forbidden`` (a strike, like other refusals) and nothing changes. A co-host may
do what a host does except end the meeting, make or revoke co-hosts, and remove a host. The
server stamps each result (media off, hand down, role) into the room and tells everyone with
`ParticipantUpdated`, and the participant acted on with `Moderated`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from visio_desktop.core.protocol import (
    EndMeeting,
    Error,
    ErrorCode,
    LeaveReason,
    MeetingEnded,
    Moderate,
    Moderated,
    ParticipantInfo,
    ParticipantLeft,
    ParticipantUpdated,
    RoomStateChanged,
    SetRoomState,
    UpdateState,
)
from visio_desktop.core.roles import Access, Moderation, Role
from visio_desktop.server.hosting import (
    leave_lobby,
    open_lobby,
    require_moderator,
    role_of,
    send_lobby,
)
from visio_desktop.server.rooms import RoomError

if TYPE_CHECKING:
    from visio_desktop.server.connection import Connection
    from visio_desktop.server.state import ServerState

# Each action that stamps a participant, and the fields it sets.
_STAMPS: dict[Moderation, dict[str, object]] = {
    Moderation.MUTE: {"audio": False},
    Moderation.STOP_VIDEO: {"video": False},
    Moderation.STOP_SCREEN: {"screen": False},
    Moderation.LOWER_HAND: {"hand_raised": False},
    Moderation.MAKE_COHOST: {"role": Role.COHOST},
    Moderation.REVOKE_COHOST: {"role": Role.PARTICIPANT},
}


def moderate(conn: Connection, slug: str, message: Moderate) -> None:
    state = conn.state
    role = require_moderator(state, slug, conn.participant_id)
    room = state.rooms.get(slug)
    assert room is not None  # require_moderator found us in it
    me = room.participants[conn.participant_id]
    if message.action is Moderation.MUTE and not message.target:
        for info in list(room.participants.values()):
            if not info.role.moderates:
                _stamp(state, slug, info, me, Moderation.MUTE)
        return
    target = room.participants.get(message.target)
    if target is None or target.id == me.id:
        raise RoomError(ErrorCode.UNKNOWN_PARTICIPANT, "no such participant in this meeting")
    action = message.action
    if action in (Moderation.MAKE_COHOST, Moderation.REVOKE_COHOST):
        if role is not Role.HOST:
            raise RoomError(ErrorCode.FORBIDDEN, "only a host may make or revoke co-hosts")
        if target.role is Role.HOST:
            raise RoomError(ErrorCode.FORBIDDEN, "a host stays a host")
    if action is Moderation.REMOVE:
        if target.role is Role.HOST and role is not Role.HOST:
            raise RoomError(ErrorCode.FORBIDDEN, "a co-host cannot remove a host")
        _remove(state, slug, target, me)
        return
    _stamp(state, slug, target, me, action)


def _stamp(
    state: ServerState, slug: str, target: ParticipantInfo, by: ParticipantInfo, action: Moderation
) -> None:
    room = state.rooms.get(slug)
    record = state.meetings.get(slug)
    if room is None or record is None:
        return
    stamped = dataclasses.replace(target, **_STAMPS[action])  # type: ignore[arg-type]
    room.participants[target.id] = stamped
    if action is Moderation.MAKE_COHOST:
        record.cohosts.add(target.id)
    elif action is Moderation.REVOKE_COHOST:
        record.cohosts.discard(target.id)
    connection = state.connections.get(target.id)
    if action in (Moderation.MAKE_COHOST, Moderation.REVOKE_COHOST) and connection is not None:
        ticket = record.tickets.get(connection.ticket)
        if ticket is not None:
            ticket.role = stamped.role
    state.broadcast(slug, ParticipantUpdated(participant=stamped))
    if connection is not None:
        connection.send(Moderated(action=action, by=by.id, by_name=by.display_name))
        if action is Moderation.MAKE_COHOST and state.lobbies.get(slug):
            send_lobby(state, slug)


def _remove(state: ServerState, slug: str, target: ParticipantInfo, by: ParticipantInfo) -> None:
    record = state.meetings.get(slug)
    connection = state.connections.get(target.id)
    if connection is not None:
        connection.send(Moderated(action=Moderation.REMOVE, by=by.id, by_name=by.display_name))
        if record is not None and connection.ticket:
            record.ban(connection.ticket)
            state.meetings.save()
        connection.room = None
        connection.close()
    state.rooms.leave(slug, target.id)
    if record is not None:
        record.cohosts.discard(target.id)
    state.broadcast(slug, ParticipantLeft(participant_id=target.id, reason=LeaveReason.REMOVED))


def set_room_state(conn: Connection, slug: str, message: SetRoomState) -> None:
    state = conn.state
    require_moderator(state, slug, conn.participant_id)
    record = state.meetings.get(slug)
    room = state.rooms.get(slug)
    if record is None or room is None:
        return
    state.meetings.set_state(record, message.state)
    me = room.participants[conn.participant_id]
    state.broadcast(slug, RoomStateChanged(state=message.state, by=me.id, by_name=me.display_name))
    if message.state.access is Access.OPEN:
        open_lobby(state, slug)


def check_microphone(conn: Connection, slug: str, update: UpdateState) -> UpdateState:
    """`update` as the room allows it: with the microphones locked, a participant's audio stays
    off (and they are told so)."""
    record = conn.state.meetings.get(slug)
    if (
        update.audio
        and record is not None
        and record.state.mics_locked
        and not role_of(conn.state, slug, conn.participant_id).moderates
    ):
        conn.send(Error(code=ErrorCode.FORBIDDEN, message="a host has locked the microphones"))
        return dataclasses.replace(update, audio=False)
    return update


def end_meeting(conn: Connection, slug: str, message: EndMeeting) -> None:
    """A host ends the meeting: everyone in the room and its lobby is told, then let go."""
    state = conn.state
    role = require_moderator(state, slug, conn.participant_id)
    if role is not Role.HOST:
        raise RoomError(ErrorCode.FORBIDDEN, "only a host may end the meeting")
    room = state.rooms.get(slug)
    if room is None:
        return
    me = room.participants[conn.participant_id]
    ended = MeetingEnded(by=me.id, by_name=me.display_name)
    waiting = [state.connections[i] for i in state.lobbies.get(slug, {}) if i in state.connections]
    for waiter in waiting:
        leave_lobby(waiter, tell_hosts=False)
        waiter.send(ended)
        waiter.close()
    for participant_id in list(room.participants):
        state.rooms.leave(slug, participant_id)
        connection = state.connections.get(participant_id)
        if connection is not None:
            connection.room = None
            connection.send(ended)
            connection.close()
    record = state.meetings.get(slug)
    if record is not None:
        record.cohosts.clear()
        record.tickets.clear()
