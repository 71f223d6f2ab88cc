"""Who may do what in a meeting: roles, access levels and the moderation actions of hosts.

The server decides all of these and stamps them (`ParticipantInfo.role`, `RoomState`); a client
only asks. The same words are used on every kind of server: our mesh server speaks them over its
WebSocket (`core.protocol`), and on LiveKit rooms the client maps them to La Suite Meet's API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

NAME_LIMIT = 64


class Role(StrEnum):
    PARTICIPANT = "participant"
    COHOST = "cohost"  # made so by a host, for this meeting; may do all a host does but end it
    HOST = "host"  # created the meeting, or joined with its host secret

    @property
    def moderates(self) -> bool:
        return self is not Role.PARTICIPANT


class Access(StrEnum):
    OPEN = "open"  # anyone with the link enters
    LOBBY = "lobby"  # everyone but hosts waits for a host to let them in
    LOCKED = "locked"  # nobody new enters (hosts and people rejoining on their ticket do)


class Moderation(StrEnum):
    """What a host (or co-host) does to one participant, or to everyone for MUTE."""

    MUTE = "mute"
    STOP_VIDEO = "stop_video"
    STOP_SCREEN = "stop_screen"
    LOWER_HAND = "lower_hand"
    REMOVE = "remove"
    MAKE_COHOST = "make_cohost"
    REVOKE_COHOST = "revoke_cohost"


@dataclass(frozen=True)
class RoomState:
    """A meeting's rules, as its server holds them."""

    access: Access = Access.OPEN
    mics_locked: bool = False  # participants (not hosts) cannot turn their microphone on


def _limit(max_len: int) -> Any:
    return field(metadata={"max_len": max_len})


@dataclass(frozen=True)
class LobbyEntry:
    """Someone waiting in the lobby, as hosts see them."""

    id: str = _limit(64)
    display_name: str = _limit(NAME_LIMIT)
    since: float = 0.0  # when they knocked, in seconds since the epoch (server clock)
