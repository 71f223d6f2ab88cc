"""What a front to LiveKit remembers of each meeting beyond its record: the lobby, the people a
host removed, and roles a host changed during the call.

La Suite Meet's lobby: someone who may not enter at once knocks (``request-entry``) and gets an
entry id (the ``lobbyParticipantId`` cookie); they ask again every second, and an entry not
asked about for `ENTRY_TTL_SECONDS` is forgotten. A host lets them in or not (``enter``); let
in, their next knock carries a LiveKit token whose identity is the entry id.

The ban list holds LiveKit identities (and so entry ids) a host removed: nothing is granted to
them again in that meeting, and they are removed again should they rejoin LiveKit on a token
still valid (`server.meet_webhook`).

Pure and synchronous; the clock is injectable for tests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

ENTRY_TTL_SECONDS = 3.0  # La Suite Meet's lobby forgets an entry this long after its last poll


class RoomRole(StrEnum):
    """La Suite Meet's `room_role` attribute and what it allows."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def moderates(self) -> bool:
        return self is not RoomRole.MEMBER


class EntryStatus(StrEnum):
    WAITING = "waiting"
    ACCEPTED = "accepted"
    DENIED = "denied"


@dataclass
class LobbyKnock:
    id: str
    username: str
    status: EntryStatus = EntryStatus.WAITING
    since: float = 0.0
    last_poll: float = 0.0


@dataclass
class SfuMeeting:
    """One meeting's lobby, ban list and role changes."""

    entries: dict[str, LobbyKnock] = field(default_factory=dict)  # by id, in knocking order
    banned: set[str] = field(default_factory=set)  # LiveKit identities / entry ids
    roles: dict[str, RoomRole] = field(default_factory=dict)  # changed by a host, by identity


class SfuMeetings:
    """Every meeting's `SfuMeeting`, made when first needed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._meetings: dict[str, SfuMeeting] = {}

    def get(self, slug: str) -> SfuMeeting:
        meeting = self._meetings.get(slug)
        if meeting is None:
            meeting = self._meetings[slug] = SfuMeeting()
        return meeting

    def is_banned(self, slug: str, identity: str) -> bool:
        meeting = self._meetings.get(slug)
        return meeting is not None and identity in meeting.banned

    def ban(self, slug: str, identity: str) -> None:
        meeting = self.get(slug)
        meeting.banned.add(identity)
        meeting.entries.pop(identity, None)
        meeting.roles.pop(identity, None)

    def role(self, slug: str, identity: str, granted: RoomRole) -> RoomRole:
        """The role of `identity` now: as a host last set it, else as its token says."""
        meeting = self._meetings.get(slug)
        changed = meeting.roles.get(identity) if meeting is not None else None
        return changed or granted

    def set_role(self, slug: str, identity: str, role: RoomRole) -> None:
        self.get(slug).roles[identity] = role

    # -- the lobby ---------------------------------------------------------------------------

    def _prune(self, meeting: SfuMeeting) -> None:
        limit = self.clock() - ENTRY_TTL_SECONDS
        for key in [k for k, e in meeting.entries.items() if e.last_poll < limit]:
            del meeting.entries[key]

    def knock(self, slug: str, entry_id: str | None, username: str) -> tuple[LobbyKnock, bool]:
        """The entry of whoever knocks with `entry_id` (a new one if unknown or expired), and
        whether it is new. The caller checks the ban list first."""
        meeting = self.get(slug)
        self._prune(meeting)
        now = self.clock()
        entry = meeting.entries.get(entry_id) if entry_id else None
        if entry is None:
            entry = LobbyKnock(str(uuid.uuid4()), username, since=now, last_poll=now)
            meeting.entries[entry.id] = entry
            return entry, True
        entry.last_poll = now
        return entry, False

    def waiting(self, slug: str) -> list[LobbyKnock]:
        meeting = self.get(slug)
        self._prune(meeting)
        return [e for e in meeting.entries.values() if e.status is EntryStatus.WAITING]

    def decide(self, slug: str, entry_id: str, allow: bool) -> bool:
        """Let a waiting entry in or not; False when there is no such entry (any more)."""
        meeting = self.get(slug)
        self._prune(meeting)
        entry = meeting.entries.get(entry_id)
        if entry is None:
            return False
        entry.status = EntryStatus.ACCEPTED if allow else EntryStatus.DENIED
        return True

    def close(self, slug: str) -> None:
        """The meeting ended: whoever still waits is turned away."""
        meeting = self.get(slug)
        for entry in meeting.entries.values():
            entry.status = EntryStatus.DENIED
        meeting.roles.clear()
