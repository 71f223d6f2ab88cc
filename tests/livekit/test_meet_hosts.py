"""Hosts on our LiveKit front (`server.meet_front`, `server.meet_hosts`), with a real
livekit-server: meetings with a host secret, the lobby, locked meetings, and the host
endpoints, each checked through LiveKit's own room service."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import pytest
from livekit import api
from livekit.protocol import models as lm

from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode
from tests.livekit.test_meet_front import LeaveRecorder, _config, _identities, _join
from visio_desktop.media.synthetic import SyntheticVideoTrack
from visio_desktop.rtc.livekit.connection import LiveKitConnection
from visio_desktop.rtc.livekit.events import SignallingState
from visio_desktop.server.runner import RunningServer, start_server

T = TypeVar("T")


@dataclass
class Hosts:
    server: RunningServer
    http: aiohttp.ClientSession
    service: api.LiveKitAPI

    def url(self, path: str) -> str:
        return f"{self.server.base_url}/api/v1.0/{path}"

    async def call(
        self, method: str, path: str, body: object = None, token: str | None = None, **kw: Any
    ) -> tuple[int, Any]:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(
            method, self.url(path), json=body, headers=headers, **kw
        ) as answer:
            return answer.status, await answer.json()

    async def create(self, access: str = "open") -> tuple[str, str]:
        status, body = await self.call("POST", "rooms/", {"access": access})
        assert status == 201, body
        return body["slug"], body["host_secret"]

    async def room(self, slug: str, name: str, secret: str = "") -> tuple[int, Any]:
        headers = {"X-Visio-Host-Secret": secret} if secret else {}
        return await self.call("GET", f"rooms/{slug}/", params={"username": name}, headers=headers)

    async def grant(self, slug: str, name: str, secret: str = "") -> dict[str, str]:
        status, body = await self.room(slug, name, secret)
        assert status == 200 and body["livekit"], body
        return dict(body["livekit"])


def identity_of(grant: dict[str, str]) -> str:
    return api.TokenVerifier(API_KEY, API_SECRET).verify(grant["token"]).identity


@pytest.fixture
async def hosts(livekit: LiveKitNode) -> AsyncIterator[Hosts]:
    server = await start_server(_config(livekit))
    async with (
        aiohttp.ClientSession() as http,
        api.LiveKitAPI(livekit.http_url, API_KEY, API_SECRET) as service,
    ):
        yield Hosts(server, http, service)
    await server.stop()


async def test_the_host_secret_makes_the_owner(hosts: Hosts) -> None:
    slug, secret = await hosts.create()
    owner = api.TokenVerifier(API_KEY, API_SECRET).verify(
        (await hosts.grant(slug, "Host", secret))["token"]
    )
    member = api.TokenVerifier(API_KEY, API_SECRET).verify(
        (await hosts.grant(slug, "Guest", "a wrong secret"))["token"]
    )
    assert owner.attributes and owner.attributes["room_role"] == "owner"
    assert owner.video and owner.video.room_admin
    assert member.attributes and member.attributes["room_role"] == "member"
    assert member.video and not member.video.room_admin


async def test_a_locked_meeting_lets_no_member_in(hosts: Hosts) -> None:
    slug, secret = await hosts.create("locked")
    assert await hosts.room(slug, "Guest") == (
        423,
        {"detail": "this meeting is locked: nobody new can enter"},
    )
    status, _ = await hosts.call("POST", f"rooms/{slug}/request-entry/", {"username": "Guest"})
    assert status == 423
    assert (await hosts.room(slug, "Host", secret))[0] == 200


async def test_the_lobby_knock_admit_and_deny(hosts: Hosts) -> None:
    slug, secret = await hosts.create("lobby")
    host_grant = await hosts.grant(slug, "Host", secret)
    host, heard = await _join(host_grant)
    try:
        status, body = await hosts.room(slug, "Guest")
        assert status == 200 and "livekit" not in body and body["id"] == slug
        knock = f"rooms/{slug}/request-entry/"
        status, first = await hosts.call("POST", knock, {"username": "Guest"})
        assert (status, first["status"], first["livekit"]) == (200, "waiting", None)
        status, other = await hosts.call("POST", knock, {"username": "Other"})
        # LiveKit tells the room someone knocks.
        await heard.until(lambda: heard.packets)
        assert json.loads(heard.packets[0].user.payload) == {"type": "participantWaiting"}
        status, listed = await hosts.call(
            "GET", f"rooms/{slug}/waiting-participants/", token=host_grant["token"]
        )
        assert [p["username"] for p in listed["participants"]] == ["Guest", "Other"]
        for entry, allow in ((first, True), (other, False)):
            answer = await hosts.call(
                "POST",
                f"rooms/{slug}/enter/",
                {"participant_id": entry["id"], "allow_entry": allow},
                token=host_grant["token"],
            )
            assert answer[0] == 200
        cookie = {"Cookie": f"lobbyParticipantId={first['id']}"}
        status, admitted = await hosts.call("POST", knock, {"username": "Guest"}, headers=cookie)
        assert admitted["status"] == "accepted" and identity_of(admitted["livekit"]) == first["id"]
        cookie = {"Cookie": f"lobbyParticipantId={other['id']}"}
        status, denied = await hosts.call("POST", knock, {"username": "Other"}, headers=cookie)
        assert (denied["status"], denied["livekit"]) == ("denied", None)
        status, listed = await hosts.call(
            "GET", f"rooms/{slug}/waiting-participants/", token=host_grant["token"]
        )
        assert listed == {"participants": []}
    finally:
        await host.close()


async def test_a_member_can_do_no_host_thing(hosts: Hosts) -> None:
    slug, secret = await hosts.create()
    owner_grant = await hosts.grant(slug, "Host", secret)
    member_grant = await hosts.grant(slug, "Mallory")
    owner, _ = await _join(owner_grant)
    member, _ = await _join(member_grant)
    try:
        sid = await owner.publish(
            "camera", SyntheticVideoTrack("host", 320, 180, 15), lm.TrackSource.CAMERA
        )
        victim = identity_of(owner_grant)
        token = member_grant["token"]
        calls: list[tuple[str, str, object]] = [
            ("POST", "mute-participant/", {"participant_identity": victim, "track_sid": sid}),
            ("POST", "update-participant/", {"participant_identity": victim,
                                             "permission": {"can_publish_sources": []}}),
            ("POST", "remove-participant/", {"participant_identity": victim}),
            ("POST", "update-participant-role/", {"participant_identity": victim,
                                                  "role": "member"}),
            ("PATCH", "", {"access": "locked"}),
            ("POST", "end-meeting/", {}),
            ("GET", "waiting-participants/", None),
            ("POST", "enter/", {"participant_id": "x", "allow_entry": True}),
        ]  # fmt: skip
        for method, path, body in calls:
            status, answer = await hosts.call(method, f"rooms/{slug}/{path}", body, token=token)
            assert status == 403, (path, answer)
        before = await hosts.service.room.get_participant(
            api.RoomParticipantIdentity(room=slug, identity=victim)
        )
        assert before.attributes["room_role"] == "owner"
        assert [t.sid for t in before.tracks if not t.muted] == [sid]
        assert set(before.permission.can_publish_sources) != set()
        rooms = await hosts.service.room.list_rooms(api.ListRoomsRequest(names=[slug]))
        assert [r.metadata for r in rooms.rooms] == [""]
        assert (await hosts.room(slug, "Newcomer"))[0] == 200  # still open
    finally:
        await member.close()
        await owner.close()


async def livekit_says(
    read: Callable[[], Awaitable[T]], check: Callable[[T], bool], within: float = 10.0
) -> T:
    """What LiveKit's room service reads once `check` holds: LiveKit applies a change on the
    room's node and its store follows, so a read right after the request may be older."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        seen = await read()
        if check(seen):
            return seen
        assert asyncio.get_running_loop().time() < deadline, f"LiveKit still says {seen}"
        await asyncio.sleep(0.05)  # a poll of LiveKit's view, not a guess at timing


async def test_hosts_mute_lock_remove_and_end(hosts: Hosts) -> None:
    slug, secret = await hosts.create()
    owner_grant = await hosts.grant(slug, "Host", secret)
    member_grant = await hosts.grant(slug, "Guest")
    owner, _ = await _join(owner_grant)
    member, left = await _join(member_grant)
    guest = identity_of(member_grant)
    token = owner_grant["token"]
    connections: list[LiveKitConnection] = [owner, member]
    try:
        sid = await member.publish(
            "camera", SyntheticVideoTrack("guest", 320, 180, 15), lm.TrackSource.CAMERA
        )
        body = {"participant_identity": guest, "track_sid": sid}
        assert (await hosts.call("POST", f"rooms/{slug}/mute-participant/", body, token=token))[
            0
        ] == 200
        target = api.RoomParticipantIdentity(room=slug, identity=guest)
        await livekit_says(
            lambda: hosts.service.room.get_participant(target),
            lambda p: [t.muted for t in p.tracks if t.sid == sid] == [True],
        )

        rules = {"access": "lobby", "mics_locked": True}
        assert await hosts.call("PATCH", f"rooms/{slug}/", rules, token=token) == (200, rules)
        named = api.ListRoomsRequest(names=[slug])
        await livekit_says(
            lambda: hosts.service.room.list_rooms(named),
            lambda r: (
                bool(r.rooms) and json.loads(r.rooms[0].metadata or "null") == {"visio": rules}
            ),
        )
        sources = await livekit_says(
            lambda: hosts.service.room.get_participant(target),
            lambda p: lm.TrackSource.MICROPHONE not in p.permission.can_publish_sources,
        )
        assert lm.TrackSource.CAMERA in sources.permission.can_publish_sources

        body = {"participant_identity": guest}
        assert (await hosts.call("POST", f"rooms/{slug}/remove-participant/", body, token=token))[
            0
        ] == 200
        await left.until(lambda: left.leaves)
        assert guest not in await _identities(hosts.service, slug)
        # The removed identity cannot knock its way back in.
        cookie = {"Cookie": f"lobbyParticipantId={guest}"}
        status, again = await hosts.call(
            "POST", f"rooms/{slug}/request-entry/", {"username": "Guest"}, headers=cookie
        )
        assert (status, again["status"]) == (200, "denied")

        admin_grant = await hosts.grant(slug, "Helper", secret)  # the owner's secret again
        helper = await _promoted_member(hosts, slug, token, connections)
        assert (await hosts.call("POST", f"rooms/{slug}/end-meeting/", {}, token=helper))[0] == 403
        status, _ = await hosts.call(
            "POST", f"rooms/{slug}/end-meeting/", {}, token=admin_grant["token"]
        )
        assert status == 200
        await livekit_says(lambda: hosts.service.room.list_rooms(named), lambda r: not r.rooms)
    finally:
        for connection in connections:
            await connection.close()


async def _promoted_member(
    hosts: Hosts, slug: str, owner_token: str, connections: list[LiveKitConnection]
) -> str:
    """A member joins a lobby meeting through the lobby, and the owner makes them admin."""
    knock = f"rooms/{slug}/request-entry/"
    _, entry = await hosts.call("POST", knock, {"username": "Co"})
    await hosts.call(
        "POST",
        f"rooms/{slug}/enter/",
        {"participant_id": entry["id"], "allow_entry": True},
        token=owner_token,
    )
    cookie = {"Cookie": f"lobbyParticipantId={entry['id']}"}
    _, entry = await hosts.call("POST", knock, {"username": "Co"}, headers=cookie)
    connection, _ = await _join(entry["livekit"])
    connections.append(connection)
    body = {"participant_identity": entry["id"], "role": "admin"}
    status, _ = await hosts.call(
        "POST", f"rooms/{slug}/update-participant-role/", body, token=owner_token
    )
    assert status == 200
    token = str(entry["livekit"]["token"])
    status, _ = await hosts.call("GET", f"rooms/{slug}/waiting-participants/", token=token)
    assert status == 200  # an admin now
    return token


async def test_a_removed_participant_rejoining_on_its_token_is_removed_again(
    livekit_with_webhooks: LiveKitNode, webhook_port: int
) -> None:
    config = dataclasses.replace(_config(livekit_with_webhooks), port=webhook_port)
    server = await start_server(config)
    node = livekit_with_webhooks
    try:
        async with (
            aiohttp.ClientSession() as http,
            api.LiveKitAPI(node.http_url, API_KEY, API_SECRET) as service,
        ):
            hosts = Hosts(server, http, service)
            slug, secret = await hosts.create()
            owner_grant = await hosts.grant(slug, "Host", secret)
            member_grant = await hosts.grant(slug, "Guest")
            guest = identity_of(member_grant)
            owner, _ = await _join(owner_grant)
            member, left = await _join(member_grant)
            try:
                body = {"participant_identity": guest}
                status, _ = await hosts.call(
                    "POST", f"rooms/{slug}/remove-participant/", body, token=owner_grant["token"]
                )
                assert status == 200
                await left.until(lambda: left.leaves)
                # The same token, still valid: LiveKit lets it in, tells our front (a webhook),
                # and our front removes it again.
                await _rejoin_until_removed(member_grant)
                assert guest not in await _identities(service, slug)
            finally:
                await member.close()
                await owner.close()
    finally:
        await server.stop()


async def _rejoin_until_removed(grant: dict[str, str]) -> None:
    """Join again with `grant` until LiveKit sends us away: with a leave, or (removed before
    the session was fully up) by ending the session, which cannot be resumed. While the
    removed session is still being torn down, LiveKit may first answer a rejoin with a leave
    asking to reconnect (STATE_MISMATCH): that rejoin is made again, a few times at most."""
    reasons: list[int] = []
    for _ in range(_REJOINS):
        reasons = await _rejoin_once(grant)
        if reasons != [lm.DisconnectReason.STATE_MISMATCH]:
            break
    assert all(reason == lm.DisconnectReason.PARTICIPANT_REMOVED for reason in reasons), reasons


_REJOINS = 5


async def _rejoin_once(grant: dict[str, str]) -> list[int]:
    """The reasons of the leaves LiveKit sent one rejoin on `grant`."""
    recorder = LeaveRecorder()
    connection = LiveKitConnection(recorder)
    joining = asyncio.ensure_future(connection.connect(grant["url"], grant["token"]))
    joining.add_done_callback(lambda _: recorder.changed.set())
    try:
        await recorder.until(lambda: recorder.leaves or SignallingState.LOST in recorder.states)
    finally:
        joining.cancel()
        await asyncio.gather(joining, return_exceptions=True)
        await connection.close()
    return [leave.reason for leave in recorder.leaves]
