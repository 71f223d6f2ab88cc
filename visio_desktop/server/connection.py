"""One client's WebSocket on the server: limits, the hello/join handshake, and relaying.

Who enters a meeting and how (hosts, access levels, the lobby) is `server.hosting`'s to
decide, and what hosts do to a meeting `server.moderation`'s; this module routes to them.

Each connection writes through its own queue, bounded in bytes, and its own writer task, so a
slow client can never stall a room: when more than `Limits.outbound_queue_bytes` wait for it,
it is cut and its queue released, and only it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable

from aiohttp import WSCloseCode, web

from visio_desktop.core import wire
from visio_desktop.core.errors import FrameTooLargeError, LinkError, ProtocolError
from visio_desktop.core.links import normalise_room
from visio_desktop.core.protocol import (
    CLIENT_MESSAGE_TYPES,
    PROTOCOL_VERSION,
    REACTIONS,
    Admit,
    Caption,
    Chat,
    EndMeeting,
    Error,
    ErrorCode,
    Hello,
    Join,
    Leave,
    LeaveReason,
    MediaPlane,
    Message,
    Moderate,
    ParticipantInfo,
    ParticipantLeft,
    ParticipantUpdated,
    Ping,
    Pong,
    Reaction,
    SetRoomState,
    Signal,
    UpdateState,
    Welcome,
    clean_display_name,
)
from visio_desktop.server import hosting, moderation
from visio_desktop.server.limits import Limits, TokenBucket
from visio_desktop.server.rooms import RoomError, new_participant_id
from visio_desktop.server.state import ServerState

log = logging.getLogger(__name__)


class Connection:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        state: ServerState,
        transport: asyncio.BaseTransport | None,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self._abort: Callable[[], None] = getattr(transport, "abort", lambda: None)
        self.state = state
        self.limits: Limits = state.limits
        self.participant_id = new_participant_id()
        self.greeted = False
        self.room: str | None = None
        self.ticket = ""  # issued when this connection entered its room
        self.waiting: str | None = None  # the room whose lobby this connection waits in
        self.waiting_as: ParticipantInfo | None = None  # who it will be once let in
        self._lobby_timer: asyncio.TimerHandle | None = None
        self._rate = TokenBucket(self.limits.message_burst, self.limits.messages_per_second)
        self._strikes = TokenBucket(
            self.limits.strikes_allowed, self.limits.strikes_forgiven_per_second
        )
        # Each frame with its size in bytes and, when the writer was idle, the time it was
        # queued (else None): how long an idle writer waits to run is the server's own
        # delivery delay, while a frame queued behind others measures this one client.
        self._outbox: deque[tuple[float | None, str, int]] = deque()
        self._idle = False
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._close_code: int = WSCloseCode.OK
        self.closing = False

    def start(self) -> None:
        """Start sending what is queued (on the running loop: none is fetched before)."""
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    # -- outbound ---------------------------------------------------------------------------

    def send(self, message: Message) -> None:
        """Queue `message` for this client; a client too slow to drain its queue is cut."""
        if self.closing:
            return
        frame = wire.encode(message)
        size = len(frame.encode())
        if self._queued_bytes + size > self.limits.outbound_queue_bytes:
            log.warning("dropping %s: it reads too slowly", self.participant_id)
            self.state.dropped_slow_readers += 1
            self._cut()
            return
        self._outbox.append((time.monotonic() if self._idle else None, frame, size))
        self._account(size)
        self._wake.set()

    def _account(self, size: int) -> None:
        self._queued_bytes += size
        self.state.queued_bytes += size

    def close(self, code: int = WSCloseCode.OK) -> None:
        """Send what is queued, then a closing frame."""
        if self.closing:
            return
        self.closing = True
        self._close_code = code
        self._wake.set()

    def _cut(self) -> None:
        """Close without a goodbye: a client that stopped reading would never take one."""
        self.closing = True
        self._close_code = WSCloseCode.POLICY_VIOLATION
        self._outbox.clear()
        self._account(-self._queued_bytes)
        if self._writer is not None:
            self._writer.cancel()
        self._abort()

    async def _write_loop(self) -> None:
        try:
            while True:
                while self._outbox:
                    queued_at, frame, size = self._outbox.popleft()
                    self._account(-size)
                    if queued_at is not None:
                        self.state.delivery.observe(time.monotonic() - queued_at)
                    await self.ws.send_str(frame)
                if self.closing:
                    break
                self._wake.clear()
                self._idle = True
                await self._wake.wait()
                self._idle = False
            await self.ws.close(code=self._close_code)
        except (ConnectionError, RuntimeError) as exc:
            log.debug("writer for %s stopped: %s", self.participant_id, exc)
        finally:
            self._outbox.clear()
            self._account(-self._queued_bytes)

    async def drain(self) -> None:
        """Wait for the writer to finish (after `close`)."""
        if self._writer is None:
            return
        try:
            await self._writer
        except asyncio.CancelledError:  # the writer was cancelled; a cancel of ours goes on
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    # -- inbound ----------------------------------------------------------------------------

    def on_frame(self, frame: str | bytes) -> None:
        """Handle one frame; never raises for anything a client can send."""
        if not self._rate.take():
            self._refuse(ErrorCode.RATE_LIMITED, "too many messages; slow down")
            return
        if isinstance(frame, bytes):
            self._refuse(ErrorCode.BAD_MESSAGE, "binary frames are not part of the protocol")
            return
        try:
            message = wire.decode(frame)
        except ProtocolError as exc:
            too_large = isinstance(exc, FrameTooLargeError)
            self._refuse(ErrorCode.TOO_LARGE if too_large else ErrorCode.BAD_MESSAGE, exc.message)
            return
        if type(message) not in CLIENT_MESSAGE_TYPES:
            self._refuse(ErrorCode.BAD_MESSAGE, f"clients may not send {message.TYPE}")
            return
        try:
            self._dispatch(message)
        except RoomError as exc:
            self._refuse(exc.code, exc.message)

    def _refuse(self, code: ErrorCode, text: str) -> None:
        self.send(Error(code=code, message=text))
        if not self._strikes.take():
            log.warning("closing %s: repeated abuse (%s)", self.participant_id, code)
            self.close(WSCloseCode.POLICY_VIOLATION)

    def _dispatch(self, message: Message) -> None:
        if isinstance(message, Ping):
            self.send(Pong(nonce=message.nonce))
        elif isinstance(message, Hello):
            self._on_hello(message)
        elif not self.greeted:
            self._refuse(ErrorCode.BAD_MESSAGE, "say hello first")
        elif isinstance(message, Join):
            self._on_join(message)
        elif isinstance(message, Pong):
            pass
        elif self.waiting is not None and isinstance(message, Leave):
            hosting.leave_lobby(self)
        elif self.room is None:
            raise RoomError(ErrorCode.NOT_JOINED, "join a meeting first")
        else:
            self._in_room(self.room, message)

    def _on_hello(self, hello: Hello) -> None:
        if self.greeted:
            self._refuse(ErrorCode.BAD_MESSAGE, "hello was already said")
            return
        if hello.protocol != PROTOCOL_VERSION:
            self.send(
                Error(
                    code=ErrorCode.BAD_VERSION,
                    message=f"this server speaks protocol {PROTOCOL_VERSION}, "
                    f"the client {hello.protocol}; update the application",
                )
            )
            self.close(WSCloseCode.POLICY_VIOLATION)
            return
        self.greeted = True
        self.send(
            Welcome(
                protocol=PROTOCOL_VERSION,
                participant_id=self.participant_id,
                ice_servers=self.state.ice_servers,
                media_plane=self.state.media_plane,
                server=self.state.server_name,
            )
        )

    def _on_join(self, join: Join) -> None:
        if self.room is not None or self.waiting is not None:
            raise RoomError(ErrorCode.ALREADY_JOINED, "you are already in a meeting")
        if self.state.media_plane is MediaPlane.SFU:
            raise RoomError(
                ErrorCode.BAD_ROOM,
                "this server holds its meetings on LiveKit: join through its REST API, "
                "GET /api/v1.0/rooms/<room>/?username=<name>",
            )
        busy = self.state.overload()
        if busy is not None:
            self.state.refused_joins += 1
            log.warning("refusing a join: the server is busy (%s)", busy)
            raise RoomError(ErrorCode.SERVER_BUSY, "the meeting server is busy; try again soon")
        try:
            slug = normalise_room(join.room)
        except LinkError as exc:
            raise RoomError(ErrorCode.BAD_ROOM, exc.message) from None
        hosting.join(self, slug, join)

    def _in_room(self, slug: str, message: Message) -> None:
        me = self.participant_id
        rooms = self.state.rooms
        if isinstance(message, Signal):
            rooms.check_peer(slug, me, message.to)
            self.state.send_to(message.to, dataclasses.replace(message, sender=me))
        elif isinstance(message, Chat):
            stamped = dataclasses.replace(
                message,
                sender=me,
                sender_name=self._name(slug),
                sent_at=time.time(),
                message_id=secrets.token_hex(8),
            )
            self.state.broadcast(slug, stamped)
        elif isinstance(message, Caption):
            stamped_caption = dataclasses.replace(message, sender=me, sender_name=self._name(slug))
            self.state.broadcast(slug, stamped_caption, exclude=self)
        elif isinstance(message, Reaction):
            if message.emoji not in REACTIONS:
                raise RoomError(ErrorCode.BAD_MESSAGE, "that reaction is not one of the set")
            self.state.broadcast(slug, dataclasses.replace(message, sender=me), exclude=self)
        elif isinstance(message, UpdateState):
            cleaned = dataclasses.replace(
                message, display_name=clean_display_name(message.display_name)
            )
            cleaned = moderation.check_microphone(self, slug, cleaned)
            info = rooms.update(slug, me, cleaned)
            self.state.broadcast(slug, ParticipantUpdated(participant=info))
        elif isinstance(message, Leave):
            self.leave_room(LeaveReason.LEFT)
        elif isinstance(message, Admit):
            hosting.admit(self, slug, message)
        elif isinstance(message, Moderate):
            moderation.moderate(self, slug, message)
        elif isinstance(message, SetRoomState):
            moderation.set_room_state(self, slug, message)
        elif isinstance(message, EndMeeting):
            moderation.end_meeting(self, slug, message)

    def _name(self, slug: str) -> str:
        room = self.state.rooms.get(slug)
        info = room.participants.get(self.participant_id) if room else None
        return info.display_name if info else ""

    def leave_room(self, reason: LeaveReason) -> None:
        """Out of the room (or of its lobby), telling the others."""
        hosting.leave_lobby(self)
        slug, self.room = self.room, None
        if slug is None:
            return
        record = self.state.meetings.get(slug)
        if record is not None:
            record.cohosts.discard(self.participant_id)
        if self.state.rooms.leave(slug, self.participant_id) is not None:
            left = ParticipantLeft(participant_id=self.participant_id, reason=reason)
            self.state.broadcast(slug, left)

    # -- the lobby --------------------------------------------------------------------------

    def wait_in_lobby(self, slug: str, info: ParticipantInfo) -> None:
        """Wait in room `slug`'s lobby, to enter as `info`: the handshake deadline ends and a
        longer one, `Limits.lobby_wait_seconds`, starts."""
        self.waiting, self.waiting_as = slug, info
        self.state.gate.admit(self.transport)
        self._lobby_timer = asyncio.get_running_loop().call_later(
            self.limits.lobby_wait_seconds, self._waited_too_long
        )

    def stop_waiting(self) -> str | None:
        """No longer waiting; the room whose lobby it was, or None if it was not waiting."""
        slug, self.waiting, self.waiting_as = self.waiting, None, None
        if self._lobby_timer is not None:
            self._lobby_timer.cancel()
            self._lobby_timer = None
        return slug

    def _waited_too_long(self) -> None:
        self._lobby_timer = None
        hosting.turn_away(self, ErrorCode.DENIED, "nobody let you in; try again later")
