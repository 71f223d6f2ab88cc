"""Where a front to LiveKit (`serve --livekit-url`) keeps what it knows of meetings: their
records (slug, host-secret hash, rules: `server.meetings`), their lobbies, the people a host
removed and the roles a host changed (`server.sfu_lobby`).

`FrontStore` is that in a few async calls. `MemoryFrontStore` keeps it in the process, for a
single front (its records written to ``--data-dir`` if given); `server.redis_store` keeps it in
Redis (``--redis-url``), so that any number of fronts behind a load balancer share it. A store
that cannot be reached raises `StoreUnavailable`, which the front answers with HTTP 503.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from visio_desktop.core.errors import VisioError
from visio_desktop.core.roles import Access, RoomState
from visio_desktop.server.meetings import MeetingBook, MeetingRecord
from visio_desktop.server.sfu_lobby import EntryStatus, LobbyKnock, RoomRole, SfuMeetings


class StoreUnavailable(VisioError):
    """The front's store could not be reached or failed; nothing was decided."""

    def __init__(self, message: str = "the meeting store is unavailable; try again soon") -> None:
        super().__init__(message)


class StoreFull(VisioError):
    """Every meeting record is in use: no new one can be made now."""

    def __init__(self) -> None:
        super().__init__("the meeting server is busy; try again soon")


class FrontStore(Protocol):
    """Meeting records, lobbies, bans and role changes of the meetings a front serves."""

    async def get(self, slug: str) -> MeetingRecord | None:
        """The record of `slug`, or None if nobody made that meeting."""

    async def create(self, access: Access | None = None) -> tuple[MeetingRecord, str]:
        """A new meeting on a fresh slug, and its host secret (given out this once)."""

    async def ensure(self, slug: str) -> tuple[MeetingRecord, str | None]:
        """The record of `slug`, made now if there is none: then with its new host secret.
        Of callers racing for a new slug, on any front, exactly one gets the secret."""

    async def set_state(self, slug: str, state: RoomState) -> bool:
        """Change a meeting's rules; False if there is no such meeting."""

    async def is_banned(self, slug: str, identity: str) -> bool: ...

    async def ban(self, slug: str, identity: str) -> None:
        """Remove `identity` for good: from the lobby, its role change, and future grants."""

    async def role(self, slug: str, identity: str, granted: RoomRole) -> RoomRole:
        """The role of `identity` now: as a host last set it, else `granted` (its token's)."""

    async def set_role(self, slug: str, identity: str, role: RoomRole) -> None: ...

    async def knock(
        self, slug: str, entry_id: str | None, username: str, accept: bool = False
    ) -> tuple[LobbyKnock, bool]:
        """The lobby entry of whoever knocks with `entry_id` (a new one if unknown or
        expired), and whether it is new; `accept` lets it in at once (an open meeting)."""

    async def waiting(self, slug: str) -> list[LobbyKnock]:
        """Who waits in the lobby, in knocking order."""

    async def decide(self, slug: str, entry_id: str, allow: bool) -> bool:
        """Let a lobby entry in or not; False when there is no such entry (any more)."""

    async def close(self, slug: str) -> None:
        """The meeting ended: whoever still waits is turned away; role changes are forgotten."""

    async def ping(self) -> bool:
        """Whether the store answers now (a store that does not logs why)."""

    async def aclose(self) -> None:
        """Let go of connections, if any."""


class MemoryFrontStore:
    """`FrontStore` in this process: for a single front."""

    def __init__(self, book: MeetingBook, meetings: SfuMeetings | None = None) -> None:
        self.book = book
        self.meetings = meetings or SfuMeetings()

    async def get(self, slug: str) -> MeetingRecord | None:
        return self.book.get(slug)

    async def create(self, access: Access | None = None) -> tuple[MeetingRecord, str]:
        try:
            return self.book.create(access)
        except OverflowError:
            raise StoreFull from None

    async def ensure(self, slug: str) -> tuple[MeetingRecord, str | None]:
        try:
            return self.book.ensure(slug)
        except OverflowError:
            raise StoreFull from None

    async def set_state(self, slug: str, state: RoomState) -> bool:
        record = self.book.get(slug)
        if record is None:
            return False
        self.book.set_state(record, state)
        return True

    async def is_banned(self, slug: str, identity: str) -> bool:
        return self.meetings.is_banned(slug, identity)

    async def ban(self, slug: str, identity: str) -> None:
        self.meetings.ban(slug, identity)

    async def role(self, slug: str, identity: str, granted: RoomRole) -> RoomRole:
        return self.meetings.role(slug, identity, granted)

    async def set_role(self, slug: str, identity: str, role: RoomRole) -> None:
        self.meetings.set_role(slug, identity, role)

    async def knock(
        self, slug: str, entry_id: str | None, username: str, accept: bool = False
    ) -> tuple[LobbyKnock, bool]:
        entry, new = self.meetings.knock(slug, entry_id, username)
        if accept:
            entry.status = EntryStatus.ACCEPTED
        return dataclasses.replace(entry), new

    async def waiting(self, slug: str) -> list[LobbyKnock]:
        return [dataclasses.replace(e) for e in self.meetings.waiting(slug)]

    async def decide(self, slug: str, entry_id: str, allow: bool) -> bool:
        return self.meetings.decide(slug, entry_id, allow)

    async def close(self, slug: str) -> None:
        self.meetings.close(slug)

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None
