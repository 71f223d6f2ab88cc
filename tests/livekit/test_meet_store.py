"""The front's store (`server.front_store`), in this process and in a real redis-server
(`server.redis_store`): the same behaviour from both, and Redis' failures as StoreUnavailable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from tests.livekit.rig import RedisServer, free_port, start_redis
from visio_desktop.core.links import new_room_slug
from visio_desktop.core.roles import Access, RoomState
from visio_desktop.server.front_store import FrontStore, MemoryFrontStore, StoreUnavailable
from visio_desktop.server.meetings import MeetingBook
from visio_desktop.server.redis_store import RedisFrontStore, redis_address
from visio_desktop.server.sfu_lobby import EntryStatus, RoomRole, SfuMeetings

ENTRY_TTL = 0.3  # the Redis store's lobby entries expire this fast here


def redis_url(redis: RedisServer, db: int = 1) -> str:
    return f"redis://{redis.address}/{db}"


@dataclass
class Stores:
    """Two handles on one store: two fronts' views of the same meetings (for the memory
    store, one object twice), and how to let lobby entries expire."""

    first: FrontStore
    second: FrontStore
    expire_entries: Callable[[], Awaitable[None]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[Stores]:
    if request.param == "memory":
        clock = Clock()
        memory = MemoryFrontStore(MeetingBook(100, Access.OPEN), SfuMeetings(clock))

        async def advance() -> None:
            clock.now += 10

        yield Stores(memory, memory, advance)
        return
    redis: RedisServer = request.getfixturevalue("redis")
    url = redis_url(redis)
    first = RedisFrontStore(url, Access.OPEN, entry_ttl=ENTRY_TTL)
    second = RedisFrontStore(url, Access.OPEN, entry_ttl=ENTRY_TTL)

    async def wait() -> None:  # Redis' own expiry: nothing to advance
        await asyncio.sleep(ENTRY_TTL * 2)

    yield Stores(first, second, wait)
    await first.aclose()
    await second.aclose()


async def test_a_meeting_nobody_made_is_made_once_with_its_secret(stores: Stores) -> None:
    slug = new_room_slug()
    assert await stores.first.get(slug) is None
    record, secret = await stores.first.ensure(slug)
    assert secret is not None and record.is_host_secret(secret)
    again, none = await stores.second.ensure(slug)
    assert none is None and again.is_host_secret(secret)
    assert not again.is_host_secret("") and not again.is_host_secret("guess")
    assert (again.slug, again.state) == (slug, RoomState(access=Access.OPEN))


async def test_racing_first_joins_make_exactly_one_owner(stores: Stores) -> None:
    slug = new_room_slug()
    answers = await asyncio.gather(
        *(store.ensure(slug) for _ in range(10) for store in (stores.first, stores.second))
    )
    secrets = [secret for _, secret in answers if secret is not None]
    assert len(secrets) == 1
    assert all(record.is_host_secret(secrets[0]) for record, _ in answers)


async def test_made_meetings_and_their_rules_are_seen_everywhere(stores: Stores) -> None:
    record, secret = await stores.first.create(Access.LOBBY)
    seen = await stores.second.get(record.slug)
    assert seen is not None and seen.is_host_secret(secret)
    assert seen.state == RoomState(access=Access.LOBBY)
    locked = RoomState(access=Access.LOCKED, mics_locked=True)
    assert await stores.second.set_state(record.slug, locked)
    seen = await stores.first.get(record.slug)
    assert seen is not None and seen.state == locked
    assert not await stores.first.set_state(new_room_slug(), locked)
    assert await stores.first.get(new_room_slug()) is None


async def test_the_lobby_knock_list_and_decide(stores: Stores) -> None:
    slug = new_room_slug()
    guest, new = await stores.first.knock(slug, None, "Guest")
    assert new and guest.status is EntryStatus.WAITING and guest.username == "Guest"
    other, _ = await stores.second.knock(slug, "not-an-entry", "Other")
    assert other.id not in (guest.id, "not-an-entry")
    again, new = await stores.second.knock(slug, guest.id, "Guest")
    assert not new and again.id == guest.id
    assert [e.username for e in await stores.second.waiting(slug)] == ["Guest", "Other"]
    assert await stores.second.decide(slug, guest.id, True)
    assert await stores.first.decide(slug, other.id, False)
    assert not await stores.first.decide(slug, "not-an-entry", True)
    assert await stores.first.waiting(slug) == []
    admitted, _ = await stores.first.knock(slug, guest.id, "Guest")
    refused, _ = await stores.first.knock(slug, other.id, "Other")
    assert (admitted.status, refused.status) == (EntryStatus.ACCEPTED, EntryStatus.DENIED)
    opened, new = await stores.first.knock(slug, None, "Open", accept=True)
    assert new and opened.status is EntryStatus.ACCEPTED
    assert await stores.second.waiting(slug) == []


async def test_an_entry_nobody_asks_about_is_forgotten(stores: Stores) -> None:
    slug = new_room_slug()
    guest, _ = await stores.first.knock(slug, None, "Guest")
    await stores.expire_entries()
    assert await stores.second.waiting(slug) == []
    assert not await stores.second.decide(slug, guest.id, True)
    later, new = await stores.first.knock(slug, guest.id, "Guest")
    assert new and later.id != guest.id


async def test_bans_roles_and_the_end_of_a_meeting(stores: Stores) -> None:
    slug = new_room_slug()
    guest, _ = await stores.first.knock(slug, None, "Guest")
    waiting, _ = await stores.first.knock(slug, None, "Waiting")
    await stores.first.set_role(slug, guest.id, RoomRole.ADMIN)
    assert await stores.second.role(slug, guest.id, RoomRole.MEMBER) is RoomRole.ADMIN
    assert await stores.second.role(slug, "someone", RoomRole.MEMBER) is RoomRole.MEMBER
    await stores.second.ban(slug, guest.id)
    assert await stores.first.is_banned(slug, guest.id)
    assert not await stores.first.is_banned(slug, waiting.id)
    assert not await stores.first.is_banned(new_room_slug(), guest.id)
    assert await stores.first.role(slug, guest.id, RoomRole.MEMBER) is RoomRole.MEMBER
    assert [e.id for e in await stores.first.waiting(slug)] == [waiting.id]
    await stores.first.set_role(slug, "cohost", RoomRole.ADMIN)
    await stores.second.close(slug)
    turned_away, _ = await stores.first.knock(slug, waiting.id, "Waiting")
    assert turned_away.status is EntryStatus.DENIED
    assert await stores.first.role(slug, "cohost", RoomRole.MEMBER) is RoomRole.MEMBER
    assert await stores.first.is_banned(slug, guest.id)


async def test_a_redis_that_is_not_there_is_unavailable() -> None:
    store = RedisFrontStore(f"redis://:hunter2@127.0.0.1:{free_port()}/0", Access.OPEN)
    try:
        assert not await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.ensure(new_room_slug())
        with pytest.raises(StoreUnavailable):
            await store.knock(new_room_slug(), None, "Guest")
    finally:
        await store.aclose()


def test_the_address_logged_has_no_password() -> None:
    assert redis_address("redis://:hunter2@10.0.0.30:6379/1") == "redis://10.0.0.30:6379/1"
    assert redis_address("rediss://user:pw@redis.example.fr/0") == "rediss://redis.example.fr/0"


async def test_a_redis_with_a_password_takes_it_from_the_store_only() -> None:
    redis = start_redis()
    try:
        redis.command("CONFIG", "SET", "requirepass", "hunter2")
        url = redis_url(redis)
        refused = RedisFrontStore(url, Access.OPEN)
        allowed = RedisFrontStore(url, Access.OPEN, password="hunter2")
        try:
            with pytest.raises(StoreUnavailable):
                await refused.ensure(new_room_slug())
            _, secret = await allowed.ensure(new_room_slug())
            assert secret is not None
        finally:
            await refused.aclose()
            await allowed.aclose()
    finally:
        redis.stop()
