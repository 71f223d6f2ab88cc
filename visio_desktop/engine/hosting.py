"""What hosts decide, as one meeting sees it: our host secret and ticket at each join, the
meeting's rules (access level, locked microphones), the lobby list, and what a host does to us.

The server decides and stamps all of it (`core.roles`); this side only asks, follows and
tells the front end. The host secret of a meeting we created (or were the first in) is kept in
the OS keyring (`core.secrets`), so that joining again, from any session, makes us host again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from visio_desktop.core.kinds import MediaKind
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.protocol import (
    Admit,
    EndMeeting,
    ErrorCode,
    Joined,
    Lobby,
    MeetingEnded,
    Message,
    Moderate,
    Moderated,
    ParticipantInfo,
    RoomStateChanged,
    SetRoomState,
)
from visio_desktop.core.roles import Moderation, RoomState
from visio_desktop.core.secrets import SecretStore, host_secret_key
from visio_desktop.engine import events as ev

log = logging.getLogger(__name__)

# Refusals that end a meeting for good: a rejoin would be refused the same way.
FINAL_REFUSALS = frozenset({ErrorCode.DENIED, ErrorCode.REMOVED, ErrorCode.ENDED, ErrorCode.LOCKED})

_TURNED_OFF = {Moderation.MUTE: MediaKind.AUDIO, Moderation.STOP_VIDEO: MediaKind.VIDEO}


class Moderatable(Protocol):
    """The meeting, as a host's decision reaches it."""

    async def set_media(self, kind: MediaKind, on: bool) -> bool: ...

    async def share_screen(self, source: None) -> None: ...

    async def send_away(self, code: ErrorCode, message: str, by_name: str) -> None:
        """End the meeting here for good (no rejoin), after SentAway."""
        ...


class Hosting:
    def __init__(
        self,
        link: MeetingLink,
        secrets: SecretStore,
        send: Callable[[Message], Awaitable[None]],
        emit: ev.Listener,
    ) -> None:
        self._link = link
        self._secrets = secrets
        self._send = send
        self._emit = emit
        self.ticket = ""
        self.room_state = RoomState()

    async def host_secret(self) -> str:
        """Ours for this meeting, or "". The keyring may block (D-Bus, an unlock prompt):
        it is read off the engine loop."""
        key = host_secret_key(self._link)
        return await asyncio.to_thread(self._secrets.get, key) or ""

    async def admitted(self, joined: Joined) -> None:
        """Keep what a join handed us: the ticket to rejoin with, the host secret of a room we
        were the first in (into the keyring, off the engine loop), and the room's rules."""
        if joined.ticket:
            self.ticket = joined.ticket
        if joined.host_secret:
            key = host_secret_key(self._link)
            await asyncio.to_thread(self._secrets.set, key, joined.host_secret)
            log.info("this meeting's host secret is kept in the keyring")
        self.room_state = joined.room_state

    def may_unmute(self, me: ParticipantInfo | None) -> bool:
        """False while a host has locked the microphones and we are not one of the hosts."""
        return not self.room_state.mics_locked or (me is not None and me.role.moderates)

    async def handle(self, message: Message, meeting: Moderatable) -> bool:
        """Follow one server message of ours; False when it is not one of them."""
        if isinstance(message, Lobby):
            self._emit(ev.LobbyChanged(message.waiting))
        elif isinstance(message, RoomStateChanged):
            self.room_state = message.state
            self._emit(ev.RoomStateChanged(message.state, message.by_name))
        elif isinstance(message, Moderated):
            await self._moderated(message, meeting)
        elif isinstance(message, MeetingEnded):
            by = message.by_name
            text = f"{by} ended the meeting for everyone." if by else "The meeting has ended."
            await meeting.send_away(ErrorCode.ENDED, text, by)
        else:
            return False
        return True

    async def _moderated(self, message: Moderated, meeting: Moderatable) -> None:
        action, by = message.action, message.by_name
        if action is Moderation.REMOVE:
            text = f"{by} removed you from the meeting." if by else "You were removed."
            await meeting.send_away(ErrorCode.REMOVED, text, by)
            return
        kind = _TURNED_OFF.get(action)
        if kind is not None:
            await meeting.set_media(kind, False)
        elif action is Moderation.STOP_SCREEN:
            await meeting.share_screen(None)
        self._emit(ev.Moderated(action, by))

    # -- what a host asks (the server refuses anyone else) -----------------------------------

    async def admit(self, ids: tuple[str, ...], allow: bool) -> None:
        await self._send(Admit(ids=ids, allow=allow))

    async def set_room_state(self, state: RoomState) -> None:
        await self._send(SetRoomState(state=state))

    async def moderate(self, action: Moderation, target: str = "") -> None:
        await self._send(Moderate(action=action, target=target))

    async def end_meeting(self) -> None:
        await self._send(EndMeeting())
