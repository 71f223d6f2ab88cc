"""`FrontStore` in Redis (``serve --livekit-url … --redis-url redis://…``): every front behind
a load balancer reads and writes the same meetings, so any of them answers any request.

Keys, all under ``visio-front:{<slug>}:`` (one hash tag per meeting, so that a Redis Cluster
keeps a meeting's keys together and its scripts may touch them all):

- ``meeting``: a hash {secret_sha256, access, mics_locked}, forgotten `RECORD_TTL_SECONDS`
  after its last use. It is made by one Lua script that writes only if there is none, so of
  fronts racing to make a meeting nobody made exactly one makes it and gives out its secret.
- ``entry:<id>``: a lobby entry, a hash {username, status, since} that expires
  `ENTRY_TTL_SECONDS` after its last knock (Redis' own expiry: the fronts' clocks do not
  matter); ``lobby``, a sorted set of entry ids by knocking time, is pruned as it is read.
- ``banned``: a set of removed identities; ``roles``: a hash identity → role a host set. Both
  outlive the tokens they concern (`SHARED_TTL_SECONDS`).

Any Redis failure (unreachable, timeout, refused) becomes `StoreUnavailable`; it is logged
once when Redis goes away and once when it is back, with its address but never a password.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from visio_desktop.core.links import new_room_slug
from visio_desktop.core.roles import Access, RoomState
from visio_desktop.server.front_store import StoreUnavailable
from visio_desktop.server.meetings import MeetingRecord, hash_secret, new_secret
from visio_desktop.server.sfu_lobby import ENTRY_TTL_SECONDS, EntryStatus, LobbyKnock, RoomRole

log = logging.getLogger(__name__)

PREFIX = "visio-front"
RECORD_TTL_SECONDS = 90 * 24 * 3600  # a meeting unused this long is forgotten
SHARED_TTL_SECONDS = 24 * 3600  # bans and role changes: far beyond a token's lifetime
_TIMEOUT_SECONDS = 2.0
_T = TypeVar("_T")

# KEYS[1] the record; ARGV: secret hash, access, ttl. Returns {made, hash fields...}.
_ENSURE = """
local made = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'secret_sha256', ARGV[1], 'access', ARGV[2], 'mics_locked', '0')
  made = 1
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {made, redis.call('HGETALL', KEYS[1])}
"""
# KEYS[1] a hash that must exist; ARGV: field, value, field, value… Returns 1, or 0 if none.
_UPDATE_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""
# KEYS[1] the lobby's sorted set; ARGV[1] the key prefix of its entries. Denies every entry.
_DENY_ALL = """
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'status', 'denied') end
end
return 1
"""


def redis_address(url: str) -> str:
    """Where `url` points, for logs: scheme, host, port and database, never a password."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class RedisFrontStore:
    """`FrontStore` shared by every front that reaches the same Redis (see the module)."""

    def __init__(
        self,
        url: str,
        default_access: Access,
        entry_ttl: float = ENTRY_TTL_SECONDS,
        password: str | None = None,
    ) -> None:
        """`password` serves when `url` names none."""
        self.address = redis_address(url)
        self.default_access = default_access
        self.entry_ttl = entry_ttl
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url,
            decode_responses=True,
            password=password,
            socket_timeout=_TIMEOUT_SECONDS,
            socket_connect_timeout=_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),
        )
        self._ensure = self._redis.register_script(_ENSURE)
        self._update_existing = self._redis.register_script(_UPDATE_EXISTING)
        self._deny_all = self._redis.register_script(_DENY_ALL)
        self._healthy = True

    @staticmethod
    def key(slug: str, name: str) -> str:
        return f"{PREFIX}:{{{slug}}}:{name}"

    async def _call(self, what: Callable[[], Awaitable[_T]]) -> _T:
        """Run one exchange with Redis; its failures become `StoreUnavailable`."""
        try:
            result = await what()
        except RedisError as exc:
            if self._healthy:
                log.error("Redis at %s fails (%s): answering 503 until it is back",
                          self.address, type(exc).__name__)  # fmt: skip
            self._healthy = False
            raise StoreUnavailable from None
        if not self._healthy:
            log.warning("Redis at %s answers again", self.address)
            self._healthy = True
        return result

    async def ping(self) -> bool:
        """Whether Redis answers now (logged if not)."""
        try:
            await self._call(self._redis.ping)
        except StoreUnavailable:
            return False
        return True

    # -- records -----------------------------------------------------------------------------

    @staticmethod
    def _record(slug: str, fields: dict[str, str]) -> MeetingRecord:
        state = RoomState(
            access=Access(fields.get("access", str(Access.OPEN))),
            mics_locked=fields.get("mics_locked") == "1",
        )
        return MeetingRecord(slug, fields["secret_sha256"], state)

    async def get(self, slug: str) -> MeetingRecord | None:
        key = self.key(slug, "meeting")
        fields: dict[str, str] = await self._call(lambda: self._redis.hgetall(key))  # type: ignore[arg-type,return-value]
        return self._record(slug, fields) if fields.get("secret_sha256") else None

    async def _make(self, slug: str, access: Access) -> tuple[MeetingRecord, str | None]:
        secret = new_secret()
        key = self.key(slug, "meeting")
        args: list[str | int] = [hash_secret(secret), str(access), RECORD_TTL_SECONDS]
        made, flat = await self._call(lambda: self._ensure(keys=[key], args=args))
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        return self._record(slug, fields), secret if made else None

    async def create(self, access: Access | None = None) -> tuple[MeetingRecord, str]:
        while True:
            record, secret = await self._make(new_room_slug(), access or self.default_access)
            if secret is not None:  # else the fresh slug was taken: draw another
                return record, secret

    async def ensure(self, slug: str) -> tuple[MeetingRecord, str | None]:
        return await self._make(slug, self.default_access)

    async def set_state(self, slug: str, state: RoomState) -> bool:
        key = self.key(slug, "meeting")
        args = ["access", str(state.access), "mics_locked", "1" if state.mics_locked else "0"]
        done = await self._call(lambda: self._update_existing(keys=[key], args=args))
        return bool(done)

    # -- bans and roles ----------------------------------------------------------------------

    async def is_banned(self, slug: str, identity: str) -> bool:
        key = self.key(slug, "banned")
        found = await self._call(lambda: self._redis.sismember(key, identity))
        return bool(found)

    async def ban(self, slug: str, identity: str) -> None:
        banned, roles = self.key(slug, "banned"), self.key(slug, "roles")

        async def run() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.sadd(banned, identity)
                pipe.expire(banned, SHARED_TTL_SECONDS)
                pipe.hdel(roles, identity)
                pipe.delete(self.key(slug, f"entry:{identity}"))
                pipe.zrem(self.key(slug, "lobby"), identity)
                await pipe.execute()

        await self._call(run)

    async def role(self, slug: str, identity: str, granted: RoomRole) -> RoomRole:
        key = self.key(slug, "roles")
        changed = await self._call(lambda: self._redis.hget(key, identity))
        try:
            return RoomRole(str(changed)) if changed else granted
        except ValueError:
            return granted

    async def set_role(self, slug: str, identity: str, role: RoomRole) -> None:
        key = self.key(slug, "roles")

        async def run() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, identity, str(role))
                pipe.expire(key, SHARED_TTL_SECONDS)
                await pipe.execute()

        await self._call(run)

    # -- the lobby ---------------------------------------------------------------------------

    async def knock(
        self, slug: str, entry_id: str | None, username: str, accept: bool = False
    ) -> tuple[LobbyKnock, bool]:
        ttl_ms = max(1, int(self.entry_ttl * 1000))
        if entry_id:
            key = self.key(slug, f"entry:{entry_id}")

            async def touch() -> list[Any]:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.hgetall(key)
                    pipe.pexpire(key, ttl_ms)
                    return await pipe.execute()

            fields: dict[str, str] = (await self._call(touch))[0]
            if fields.get("username") is not None:
                entry = self._entry(entry_id, fields)
                if accept and entry.status is not EntryStatus.ACCEPTED:
                    await self.decide(slug, entry_id, True)
                    entry.status = EntryStatus.ACCEPTED
                return entry, False
        return await self._new_entry(slug, username, accept, ttl_ms), True

    async def _new_entry(self, slug: str, username: str, accept: bool, ttl_ms: int) -> LobbyKnock:
        status = EntryStatus.ACCEPTED if accept else EntryStatus.WAITING
        entry = LobbyKnock(str(uuid.uuid4()), username, status, since=time.time())
        key = self.key(slug, f"entry:{entry.id}")
        lobby = self.key(slug, "lobby")
        mapping: dict[str | bytes, str | bytes] = {
            "username": username,
            "status": str(status),
            "since": str(entry.since),
        }

        async def run() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
                pipe.pexpire(key, ttl_ms)
                pipe.zadd(lobby, {entry.id: entry.since})
                pipe.expire(lobby, SHARED_TTL_SECONDS)
                await pipe.execute()

        await self._call(run)
        return entry

    @staticmethod
    def _entry(entry_id: str, fields: dict[str, str]) -> LobbyKnock:
        try:
            status = EntryStatus(fields.get("status", ""))
        except ValueError:
            status = EntryStatus.WAITING
        since = float(fields.get("since") or 0.0)
        return LobbyKnock(entry_id, fields.get("username", ""), status, since=since)

    async def waiting(self, slug: str) -> list[LobbyKnock]:
        lobby = self.key(slug, "lobby")
        ids = cast(list[str], await self._call(lambda: self._redis.zrange(lobby, 0, -1)))

        async def read() -> list[Any]:
            async with self._redis.pipeline(transaction=False) as pipe:
                for entry_id in ids:
                    pipe.hgetall(self.key(slug, f"entry:{entry_id}"))
                return await pipe.execute()

        found = await self._call(read) if ids else []
        gone = [i for i, fields in zip(ids, found, strict=True) if not fields]
        if gone:
            await self._call(lambda: self._redis.zrem(lobby, *gone))
        entries = [self._entry(i, f) for i, f in zip(ids, found, strict=True) if f]
        return [e for e in entries if e.status is EntryStatus.WAITING]

    async def decide(self, slug: str, entry_id: str, allow: bool) -> bool:
        key = self.key(slug, f"entry:{entry_id}")
        status = EntryStatus.ACCEPTED if allow else EntryStatus.DENIED
        args = ["status", str(status)]
        done = await self._call(lambda: self._update_existing(keys=[key], args=args))
        return bool(done)

    async def close(self, slug: str) -> None:
        lobby, roles = self.key(slug, "lobby"), self.key(slug, "roles")
        prefix = self.key(slug, "entry:")

        async def run() -> None:
            await self._deny_all(keys=[lobby], args=[prefix])
            await self._redis.delete(roles)

        await self._call(run)

    async def aclose(self) -> None:
        await self._redis.aclose()
