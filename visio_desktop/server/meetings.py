"""Meeting records: what a meeting keeps while nobody is in it, and what it keeps on disk.

A record is made by ``POST /api/v1.0/rooms/`` or by the first join of a room nobody made
(its first joiner becomes host). It holds the host secret as a SHA-256 hash only, the rules
(`RoomState`), who is co-host, the tickets issued to people who entered (a ticket rejoins
without waiting again) and the tickets of people a host removed.

With a data folder, the lasting part of each record (slug, secret hash, rules, last use, and
the SHA-256 of each removed person's ticket, so that a removal outlives a restart) is written
to ``meetings.json`` there, atomically and readable by the owner only, after each change; it
is read back when the server starts, and a file that cannot be read is logged and set aside
(``meetings.json.corrupt``). Co-hosts and the other tickets belong to one run of the server
and are not written.

Synchronous, like `server.rooms`, except for the writing itself: a change takes a snapshot of
the records on the caller's thread (the server's event loop), and a thread of the book's own
turns it into JSON and writes it (up to about 1.5 MB at the 10,000-record cap), so the loop
never waits on the disk. Changes made while a write is under way are written once, as the
newest snapshot, after it. `flush` waits for the file to hold every change so far; the server
calls it when it stops, and leaving the interpreter waits for the thread too.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import new_room_slug, normalise_room
from visio_desktop.core.roles import Access, Role, RoomState

log = logging.getLogger(__name__)

FILE_NAME = "meetings.json"
_FILE_VERSION = 1


def hash_secret(secret: str) -> str:
    """How a host secret is kept: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Ticket:
    """What an issued ticket gives back on a rejoin."""

    role: Role = Role.PARTICIPANT
    admitted: bool = True  # entered the room (directly or from the lobby)


@dataclass
class MeetingRecord:
    slug: str
    secret_hash: str
    state: RoomState = RoomState()
    last_used: float = field(default_factory=time.time)
    cohosts: set[str] = field(default_factory=set)  # participant ids
    tickets: dict[str, Ticket] = field(default_factory=dict)
    banned: set[str] = field(default_factory=set)  # SHA-256 of removed people's tickets

    def is_host_secret(self, secret: str) -> bool:
        """Whether `secret` is this meeting's host secret (empty never is)."""
        return bool(secret) and hmac.compare_digest(hash_secret(secret), self.secret_hash)

    def ban(self, ticket: str) -> None:
        """The person holding `ticket` was removed: it never enters this meeting again."""
        self.banned.add(hash_secret(ticket))
        self.tickets.pop(ticket, None)

    def is_banned(self, ticket: str) -> bool:
        return bool(ticket) and hash_secret(ticket) in self.banned

    def issue_ticket(self, role: Role) -> str:
        ticket = secrets.token_urlsafe(24)
        self.tickets[ticket] = Ticket(role=role)
        return ticket

    def to_json(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "secret_sha256": self.secret_hash,
            "access": str(self.state.access),
            "mics_locked": self.state.mics_locked,
            "last_used": self.last_used,
            "banned_sha256": sorted(self.banned),
        }

    @classmethod
    def from_json(cls, data: object) -> MeetingRecord:
        """A record read from disk; ValueError (or KeyError, TypeError) if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("a meeting is not an object")
        secret_hash = data["secret_sha256"]
        mics_locked = data["mics_locked"]
        last_used = data["last_used"]
        if not isinstance(secret_hash, str) or len(secret_hash) != 64:
            raise ValueError("bad secret hash")
        if not isinstance(mics_locked, bool) or not isinstance(last_used, int | float):
            raise ValueError("bad meeting fields")
        try:
            slug = normalise_room(str(data["slug"]))
        except LinkError as exc:
            raise ValueError(exc.message) from None
        banned = data.get("banned_sha256", [])  # not in files written before removals were
        if not isinstance(banned, list) or not all(_is_sha256(b) for b in banned):
            raise ValueError("bad list of removed tickets")
        state = RoomState(access=Access(data["access"]), mics_locked=mics_locked)
        return cls(slug, secret_hash.lower(), state, float(last_used), banned=set(banned))


def _is_sha256(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


class MeetingBook:
    """Every meeting record of one server, at most `capacity` of them.

    Past the capacity, the least recently used record whose room is empty (`in_use` says
    which are not) is dropped to make room for a new one.
    """

    def __init__(
        self,
        capacity: int,
        default_access: Access,
        folder: Path | None = None,
        in_use: Callable[[str], bool] = lambda slug: False,
    ) -> None:
        self.capacity = capacity
        self.default_access = default_access
        self.path = folder / FILE_NAME if folder is not None else None
        self.in_use = in_use
        self._records: dict[str, MeetingRecord] = {}
        self._writer = _FileWriter(self.path) if self.path is not None else None
        self.load()

    def __len__(self) -> int:
        return len(self._records)

    def get(self, slug: str) -> MeetingRecord | None:
        return self._records.get(slug)

    def create(self, access: Access | None = None) -> tuple[MeetingRecord, str]:
        """A new meeting on a fresh slug, and its host secret (given out this once)."""
        slug = new_room_slug()
        while slug in self._records:
            slug = new_room_slug()
        return self._add(slug, access or self.default_access)

    def ensure(self, slug: str) -> tuple[MeetingRecord, str | None]:
        """The record of `slug`, made now if there is none: then with its new host secret."""
        record = self._records.get(slug)
        if record is not None:
            record.last_used = time.time()
            return record, None
        return self._add(slug, self.default_access)

    def _add(self, slug: str, access: Access) -> tuple[MeetingRecord, str]:
        self._make_room_for_one()
        secret = new_secret()
        record = MeetingRecord(slug, hash_secret(secret), RoomState(access=access))
        self._records[slug] = record
        self.save()
        return record, secret

    def _make_room_for_one(self) -> None:
        if len(self._records) < self.capacity:
            return
        unused = [r for r in self._records.values() if not self.in_use(r.slug)]
        if not unused:
            raise OverflowError("every meeting record is in use")
        oldest = min(unused, key=lambda r: r.last_used)
        del self._records[oldest.slug]

    def set_state(self, record: MeetingRecord, state: RoomState) -> None:
        record.state = state
        self.save()

    # -- disk --------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the records on disk, if any; a file that cannot be read is logged and ignored."""
        if self.path is None or not self.path.exists():
            return
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(document, dict) or document.get("version") != _FILE_VERSION:
                raise ValueError("not a meetings file of version 1")
            meetings = document["meetings"]
            if not isinstance(meetings, list):
                raise ValueError("meetings is not a list")
            records = [MeetingRecord.from_json(item) for item in meetings]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            aside = self.path.with_name(f"{FILE_NAME}.corrupt")
            log.error("ignoring the meetings file %s, which cannot be read (%s); kept as %s",
                      self.path, exc, aside)  # fmt: skip
            with contextlib.suppress(OSError):
                os.replace(self.path, aside)
            return
        records.sort(key=lambda r: r.last_used)
        for record in records[-self.capacity :]:
            self._records[record.slug] = record

    def save(self) -> None:
        """Have the records written (see the module doc); a failure is logged."""
        if self._writer is None:
            return
        self._writer.write(
            {"version": _FILE_VERSION, "meetings": [r.to_json() for r in self._records.values()]}
        )

    def flush(self) -> None:
        """Wait until the file holds every change saved so far."""
        if self._writer is not None:
            self._writer.flush()


class _FileWriter:
    """Writes the newest document given to it, in a thread of its own (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pending: dict[str, object] | None = None
        self._busy = False
        # Not a daemon: the interpreter waits for a write under way, or queued, when it exits.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="meetings-file")

    def write(self, document: dict[str, object]) -> None:
        with self._lock:
            self._pending = document
            if self._busy:
                return  # the write under way takes this one up after it
            self._busy = True
        self._thread.submit(self._drain)

    def flush(self) -> None:
        self._thread.submit(lambda: None).result()  # one thread: it runs after every write

    def _drain(self) -> None:
        while True:
            with self._lock:
                document, self._pending = self._pending, None
                if document is None:
                    self._busy = False
                    return
            self._write(document)

    def _write(self, document: dict[str, object]) -> None:
        tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(document, out)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.error("could not write the meetings file %s: %s", self.path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()
