"""Two fronts to one real livekit-server sharing one real redis-server (`serve --livekit-url …
--redis-url …`), as behind a load balancer: whichever front a request reaches, it sees the
same meetings, lobbies, bans and roles. And a front whose Redis goes away answers 503 and
keeps running."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from livekit import api
from livekit.api.access_token import Claims
from livekit.protocol import models as lm

from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode, RedisServer, free_port, start_redis
from tests.livekit.test_meet_front import _config, _identities, _join
from tests.livekit.test_meet_hosts import _rejoin_until_removed
from tests.livekit.test_meet_store import redis_url
from visio_desktop.core.links import new_room_slug
from visio_desktop.server.runner import RunningServer, start_server


@dataclass
class Front:
    """One front, called over HTTP as a client or a load balancer would."""

    server: RunningServer
    http: aiohttp.ClientSession

    async def call(
        self,
        method: str,
        path: str,
        body: object = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> tuple[int, Any]:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = f"{self.server.base_url}/api/v1.0/{path}"
        async with self.http.request(
            method, url, json=body, headers=headers, params=params
        ) as answer:
            return answer.status, await answer.json()

    async def room(self, slug: str, name: str, secret: str = "") -> tuple[int, Any]:
        headers = {"X-Visio-Host-Secret": secret} if secret else {}
        return await self.call("GET", f"rooms/{slug}/", headers=headers, username=name)

    async def knock(self, slug: str, name: str, entry_id: str = "") -> dict[str, Any]:
        cookie = {"Cookie": f"lobbyParticipantId={entry_id}"} if entry_id else {}
        status, body = await self.call(
            "POST", f"rooms/{slug}/request-entry/", {"username": name}, headers=cookie
        )
        assert status == 200, body
        return dict(body)


def claims_of(token: str) -> Claims:
    return api.TokenVerifier(API_KEY, API_SECRET).verify(token)


def role_of(token: str) -> str:
    return (claims_of(token).attributes or {}).get("room_role", "")


async def start_front(livekit: LiveKitNode, url: str, port: int = 0) -> RunningServer:
    return await start_server(dataclasses.replace(_config(livekit), redis_url=url, port=port))


@pytest.fixture
async def fronts(livekit: LiveKitNode, redis: RedisServer) -> AsyncIterator[tuple[Front, Front]]:
    first = await start_front(livekit, redis_url(redis))
    second = await start_front(livekit, redis_url(redis))
    async with aiohttp.ClientSession() as http:
        yield Front(first, http), Front(second, http)
    await second.stop()
    await first.stop()


@pytest.fixture
async def room_service(livekit: LiveKitNode) -> AsyncIterator[api.LiveKitAPI]:
    async with api.LiveKitAPI(livekit.http_url, API_KEY, API_SECRET) as service:
        yield service


async def test_a_meeting_made_on_one_front_is_hosted_through_the_other(
    fronts: tuple[Front, Front],
) -> None:
    a, b = fronts
    status, made = await a.call("POST", "rooms/", {"access": "lobby"})
    assert status == 201, made
    slug, secret = made["slug"], made["host_secret"]
    status, hosted = await b.room(slug, "Host", secret)
    assert status == 200 and hosted["is_administrable"] is True
    assert role_of(hosted["livekit"]["token"]) == "owner"
    status, guest = await b.room(slug, "Guest", "not-the-secret")
    assert status == 200 and guest["is_administrable"] is False and "livekit" not in guest
    assert guest["access_level"] == "restricted"


async def test_a_knock_on_one_front_is_let_in_through_the_other(
    fronts: tuple[Front, Front],
) -> None:
    a, b = fronts
    _, made = await a.call("POST", "rooms/", {"access": "lobby"})
    slug = made["slug"]
    _, hosted = await a.room(slug, "Host", made["host_secret"])
    host_token = hosted["livekit"]["token"]
    knocked = await a.knock(slug, "Guest")
    assert (knocked["status"], knocked["livekit"]) == ("waiting", None)
    status, listed = await b.call("GET", f"rooms/{slug}/waiting-participants/", token=host_token)
    assert status == 200 and [p["id"] for p in listed["participants"]] == [knocked["id"]]
    status, _ = await b.call(
        "POST",
        f"rooms/{slug}/enter/",
        {"participant_id": knocked["id"], "allow_entry": True},
        token=host_token,
    )
    assert status == 200
    admitted = await a.knock(slug, "Guest", knocked["id"])
    assert admitted["status"] == "accepted"
    assert claims_of(admitted["livekit"]["token"]).identity == knocked["id"]
    _, listed = await a.call("GET", f"rooms/{slug}/waiting-participants/", token=host_token)
    assert listed == {"participants": []}


async def test_someone_removed_through_one_front_is_refused_by_the_other(
    fronts: tuple[Front, Front], room_service: api.LiveKitAPI
) -> None:
    """A guest let in and made co-host through A is a co-host on B too; removed through A,
    B refuses them both as a co-host and at the lobby."""
    a, b = fronts
    _, made = await a.call("POST", "rooms/", {"access": "lobby"})
    slug = made["slug"]
    _, hosted = await b.room(slug, "Host", made["host_secret"])
    host_token = hosted["livekit"]["token"]
    knocked = await a.knock(slug, "Guest")
    await b.call(
        "POST",
        f"rooms/{slug}/enter/",
        {"participant_id": knocked["id"], "allow_entry": True},
        token=host_token,
    )
    grant = (await b.knock(slug, "Guest", knocked["id"]))["livekit"]
    guest, recorder = await _join(grant)
    try:
        assert knocked["id"] in await _identities(room_service, slug)
        role = {"participant_identity": knocked["id"], "role": "admin"}
        status, _ = await a.call(
            "POST", f"rooms/{slug}/update-participant-role/", role, token=host_token
        )
        assert status == 200
        waiting = f"rooms/{slug}/waiting-participants/"
        assert (await b.call("GET", waiting, token=grant["token"]))[0] == 200
        removal = {"participant_identity": knocked["id"]}
        status, _ = await a.call(
            "POST", f"rooms/{slug}/remove-participant/", removal, token=host_token
        )
        assert status == 200
        await recorder.until(lambda: recorder.leaves)
        assert recorder.leaves[0].reason == lm.DisconnectReason.PARTICIPANT_REMOVED
        assert (await b.call("GET", waiting, token=grant["token"]))[0] == 403
        again = await b.knock(slug, "Guest", knocked["id"])
        assert (again["status"], again["livekit"]) == ("denied", None)
    finally:
        await guest.close()


async def test_someone_removed_through_one_front_is_removed_again_by_the_other(
    livekit_with_webhooks: LiveKitNode,
    webhook_port: int,
    redis: RedisServer,
) -> None:
    """LiveKit's webhooks reach front B only; a guest removed through front A who rejoins on
    their still valid token is removed again by B, which reads A's ban in Redis."""
    node = livekit_with_webhooks
    a_server = await start_front(node, redis_url(redis))
    b_server = await start_front(node, redis_url(redis), port=webhook_port)
    try:
        async with (
            aiohttp.ClientSession() as http,
            api.LiveKitAPI(node.http_url, API_KEY, API_SECRET) as service,
        ):
            a = Front(a_server, http)
            _, made = await a.call("POST", "rooms/", {"access": "open"})
            slug = made["slug"]
            _, hosted = await a.room(slug, "Host", made["host_secret"])
            _, invited = await a.room(slug, "Guest")
            owner_grant, guest_grant = hosted["livekit"], invited["livekit"]
            guest = claims_of(guest_grant["token"]).identity
            owner, _ = await _join(owner_grant)
            member, left = await _join(guest_grant)
            try:
                status, _ = await a.call(
                    "POST",
                    f"rooms/{slug}/remove-participant/",
                    {"participant_identity": guest},
                    token=owner_grant["token"],
                )
                assert status == 200
                await left.until(lambda: left.leaves)
                await _rejoin_until_removed(guest_grant)
                assert guest not in await _identities(service, slug)
            finally:
                await member.close()
                await owner.close()
    finally:
        await b_server.stop()
        await a_server.stop()


async def test_racing_first_joins_on_both_fronts_make_exactly_one_owner(
    fronts: tuple[Front, Front],
) -> None:
    a, b = fronts
    for _ in range(3):
        slug = new_room_slug()
        answers = await asyncio.gather(
            *(front.room(slug, f"Racer {i}") for i in range(4) for front in (a, b))
        )
        assert all(status == 200 for status, _ in answers), answers
        owners = [body for _, body in answers if body["is_administrable"]]
        assert len(owners) == 1
        assert role_of(owners[0]["livekit"]["token"]) == "owner"


async def test_a_front_whose_redis_goes_away_answers_503_and_keeps_running(
    livekit: LiveKitNode,
) -> None:
    redis = start_redis()
    server = await start_front(livekit, redis_url(redis))
    try:
        async with aiohttp.ClientSession() as http:
            front = Front(server, http)
            status, made = await front.call("POST", "rooms/", {"access": "lobby"})
            assert status == 201
            redis.stop()
            slug = made["slug"]
            status, body = await front.room(slug, "Host", made["host_secret"])
            assert status == 503 and "unavailable" in body["detail"]
            status, body = await front.call("POST", f"rooms/{slug}/request-entry/", {})
            assert status == 503 and "detail" in body
            status, body = await front.call("POST", "rooms/", {})
            assert status == 503 and "detail" in body
            status, body = await front.call("GET", "config/")
            assert status == 200 and body["livekit"]["url"] == livekit.url
    finally:
        await server.stop()
        if redis.process.poll() is None:
            redis.stop()


async def test_a_front_starts_without_its_redis_and_says_so(
    livekit: LiveKitNode, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/1"
    server = await start_front(livekit, url)
    try:
        async with aiohttp.ClientSession() as http:
            status, body = await Front(server, http).room(new_room_slug(), "Ada")
            assert status == 503 and "unavailable" in body["detail"]
    finally:
        await server.stop()
    failures = [r for r in caplog.records if "Redis at" in r.getMessage()]
    assert len(failures) == 1  # once, not at every request
    assert f"127.0.0.1:{url.rsplit(':', 1)[1]}" in failures[0].getMessage()
    assert "hunter2" not in caplog.text
