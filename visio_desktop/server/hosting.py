"""Who enters a meeting, and how: hosts, access levels, tickets and the lobby.

A join becomes one of three things. It enters the room (`Joined`, and `ParticipantJoined` to
the others) when the joiner is a host (the room's first joiner when it had no record, or
whoever gives its host secret), rejoins on a ticket they were issued when they last entered,
or the meeting is open. It is refused with ``locked`` when the meeting is locked. Otherwise the
meeting has a lobby and the joiner waits (`Waiting`): they hear nothing of the room, and its
hosts and co-hosts see the list of who waits (`Lobby`) each time it changes.

A host's `Admit` lets people in exactly as if they had just joined an open meeting, or turns
them away (``denied``, then their connection closes). Someone let into a room that is full
meanwhile gets ``room_full`` and their connection closes too (the host hears the same error):
a waiting connection has no handshake deadline any more, so it must not stay unjoined.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

from visio_desktop.core.protocol import (
    Admit,
    Error,
    ErrorCode,
    Join,
    Joined,
    Lobby,
    ParticipantInfo,
    ParticipantJoined,
    Waiting,
    clean_display_name,
)
from visio_desktop.core.roles import Access, LobbyEntry, Role
from visio_desktop.server.meetings import MeetingRecord
from visio_desktop.server.rooms import RoomError

if TYPE_CHECKING:
    from visio_desktop.server.connection import Connection
    from visio_desktop.server.state import ServerState

_RANK = {Role.PARTICIPANT: 0, Role.COHOST: 1, Role.HOST: 2}


def role_of(state: ServerState, slug: str, participant_id: str) -> Role:
    """The role of a participant in room `slug` (a participant's if they are not there)."""
    room = state.rooms.get(slug)
    info = room.participants.get(participant_id) if room else None
    return info.role if info else Role.PARTICIPANT


def require_moderator(state: ServerState, slug: str, participant_id: str) -> Role:
    """The role of a host or co-host; RoomError forbidden for anyone else."""
    role = role_of(state, slug, participant_id)
    if not role.moderates:
        raise RoomError(ErrorCode.FORBIDDEN, "only a host or co-host may do that")
    return role


def join(conn: Connection, slug: str, request: Join) -> None:
    """Decide what `request` becomes (see the module's docstring); RoomError if refused."""
    state = conn.state
    try:
        record, secret = state.meetings.ensure(slug)
    except OverflowError:
        raise RoomError(
            ErrorCode.SERVER_BUSY, "the meeting server is busy; try again soon"
        ) from None
    role = Role.HOST if secret is not None or record.is_host_secret(request.host_secret) else None
    ticket = ""
    if role is None and record.is_banned(request.ticket):
        raise RoomError(ErrorCode.REMOVED, "you were removed from this meeting")
    if request.ticket in record.tickets:
        ticket = request.ticket
        issued = record.tickets[ticket]
        if role is None or _RANK[issued.role] > _RANK[role]:
            role = issued.role
    info = ParticipantInfo(
        id=conn.participant_id,
        display_name=clean_display_name(request.display_name),
        audio=request.audio,
        video=request.video,
        role=role or Role.PARTICIPANT,
    )
    admitted = ticket != "" and record.tickets[ticket].admitted
    access = record.state.access
    if role is not None or admitted or access is Access.OPEN:
        enter(conn, slug, record, info, ticket=ticket, host_secret=secret or "")
    elif access is Access.LOCKED:
        raise RoomError(ErrorCode.LOCKED, "this meeting is locked: nobody new can enter")
    else:
        _wait(conn, slug, info)


def enter(
    conn: Connection,
    slug: str,
    record: MeetingRecord,
    info: ParticipantInfo,
    *,
    ticket: str = "",
    host_secret: str = "",
) -> None:
    """Put `conn` in the room as `info`; RoomError room_full if there is no place."""
    state = conn.state
    if record.state.mics_locked and not info.role.moderates:
        info = dataclasses.replace(info, audio=False)
    room = state.rooms.join(slug, info)
    stamped = room.participants[conn.participant_id]
    if not ticket:
        ticket = record.issue_ticket(stamped.role)
    if stamped.role is Role.COHOST:
        record.cohosts.add(conn.participant_id)
    conn.room = slug
    conn.ticket = ticket
    state.gate.admit(conn.transport)
    conn.send(
        Joined(
            room=slug,
            participant_id=conn.participant_id,
            participants=tuple(room.participants.values()),
            room_state=record.state,
            ticket=ticket,
            host_secret=host_secret,
        )
    )
    state.broadcast(slug, ParticipantJoined(participant=stamped), exclude=conn)
    if stamped.role.moderates and state.lobbies.get(slug):
        conn.send(Lobby(waiting=tuple(state.lobbies[slug].values())))


def _wait(conn: Connection, slug: str, info: ParticipantInfo) -> None:
    state = conn.state
    lobby = state.lobbies.get(slug, {})
    if len(lobby) >= state.limits.max_waiting:
        raise RoomError(ErrorCode.ROOM_FULL, "too many people are waiting to enter this meeting")
    state.lobbies[slug] = lobby
    lobby[conn.participant_id] = LobbyEntry(
        id=conn.participant_id, display_name=info.display_name, since=time.time()
    )
    conn.wait_in_lobby(slug, info)
    conn.send(Waiting(room=slug, display_name=info.display_name))
    send_lobby(state, slug)


def send_lobby(state: ServerState, slug: str) -> None:
    """Tell the hosts and co-hosts in room `slug` who waits now."""
    room = state.rooms.get(slug)
    if room is None:
        return
    message = Lobby(waiting=tuple(state.lobbies.get(slug, {}).values()))
    for info in room.participants.values():
        connection = state.connections.get(info.id)
        if info.role.moderates and connection is not None:
            connection.send(message)


def leave_lobby(conn: Connection, tell_hosts: bool = True) -> None:
    """`conn` no longer waits (it left, was let in or turned away)."""
    slug = conn.stop_waiting()
    if slug is None:
        return
    lobby = conn.state.lobbies.get(slug, {})
    lobby.pop(conn.participant_id, None)
    if not lobby:
        conn.state.lobbies.pop(slug, None)
    if tell_hosts:
        send_lobby(conn.state, slug)


def turn_away(conn: Connection, code: ErrorCode, text: str) -> None:
    """Out of the lobby with an error, then the connection closes."""
    leave_lobby(conn)
    conn.send(Error(code=code, message=text))
    conn.close()


def admit(conn: Connection, slug: str, message: Admit) -> None:
    """A host lets people in (or not); ids that do not wait in this room are ignored."""
    state = conn.state
    require_moderator(state, slug, conn.participant_id)
    lobby = state.lobbies.get(slug, {})
    waiting = [state.connections[i] for i in message.ids if i in lobby and i in state.connections]
    if not message.allow:
        for waiter in waiting:
            leave_lobby(waiter, tell_hosts=False)
            waiter.send(Error(code=ErrorCode.DENIED, message="the host did not let you in"))
            waiter.close()
    else:
        for waiter in waiting:
            if not let_in(waiter, slug):
                conn.send(
                    Error(code=ErrorCode.ROOM_FULL, message="the meeting is full: not let in")
                )
    if waiting:
        send_lobby(state, slug)


def let_in(waiter: Connection, slug: str) -> bool:
    """Move `waiter` from the lobby into the room; False (and closed) if it is full."""
    record = waiter.state.meetings.get(slug)
    info = waiter.waiting_as
    leave_lobby(waiter, tell_hosts=False)
    if record is None or info is None:
        waiter.close()
        return False
    try:
        enter(waiter, slug, record, info)
    except RoomError as exc:
        waiter.send(Error(code=exc.code, message=exc.message))
        waiter.close()
        return False
    return True


def open_lobby(state: ServerState, slug: str) -> None:
    """Let in everyone waiting in room `slug` (its meeting became open)."""
    lobby = state.lobbies.get(slug, {})
    waiting = [state.connections[i] for i in list(lobby) if i in state.connections]
    for waiter in waiting:
        let_in(waiter, slug)
    if waiting:
        send_lobby(state, slug)
