"""Our server fronting a real livekit-server (`serve --livekit-url`), in process: La Suite Meet's
REST answers, tokens for one room with a participant's grants only, the rooms LiveKit holds,
and removing a participant."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jwt  # PyJWT, which livekit-api signs with
import pytest
import websockets
from livekit import api
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode, free_port
from tests.livekit.test_signal import Recorder
from visio_desktop.core import wire
from visio_desktop.core.errors import ServerUnreachableError
from visio_desktop.core.protocol import PROTOCOL_VERSION, Error, ErrorCode, Hello, Join, Welcome
from visio_desktop.media.synthetic import SyntheticVideoTrack
from visio_desktop.rtc.livekit.connection import LiveKitConnection
from visio_desktop.server.app import STATE_KEY
from visio_desktop.server.limits import Limits
from visio_desktop.server.livekit_keys import LiveKitKeys
from visio_desktop.server.livekit_rooms import (
    PARTICIPANT_SOURCES,
    LiveKitFront,
    LiveKitRooms,
    ParticipantNotFound,
)
from visio_desktop.server.meet_front import ROOMS_KEY
from visio_desktop.server.runner import RunningServer, start_server
from visio_desktop.server.state import ServerConfig

ROOM = "fro-ntro-oms"
LIMIT = 3
# The keys of La Suite Meet's `get_frontend_configuration` (v1.27).
MEET_CONFIG_KEYS = {
    "LANGUAGE_CODE",
    "recording",
    "background_image",
    "telephony",
    "resource",
    "subtitle",
    "diagnostics",
    "livekit",
    "authenticated_users_can_edit_display_name",
}


@dataclass
class Front:
    server: RunningServer
    http: aiohttp.ClientSession

    @property
    def rooms(self) -> LiveKitRooms:
        return self.server.runner.app[ROOMS_KEY]

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.server.base_url}{path}", params=params) as answer:
            return answer.status, await answer.json()

    async def grant(self, room: str = ROOM, name: str = "Ada") -> dict[str, str]:
        """A member's grant: the meeting is made first, so that its first caller is no owner."""
        self.server.runner.app[STATE_KEY].meetings.ensure(room)
        status, body = await self.get(f"/api/v1.0/rooms/{room}/", username=name)
        assert status == 200, body
        return dict(body["livekit"])


@dataclass
class LeaveRecorder(Recorder):
    leaves: list[lr.LeaveRequest] = field(default_factory=list)

    def signal_message(self, response: lr.SignalResponse) -> None:
        if response.WhichOneof("message") == "leave":
            self.leaves.append(response.leave)
            self.changed.set()


def _config(livekit: LiveKitNode, api_url: str | None = None) -> ServerConfig:
    front = LiveKitFront(url=livekit.url, keys=LiveKitKeys(API_KEY, API_SECRET), api_url=api_url)
    return ServerConfig(
        host="127.0.0.1", port=0, limits=Limits(max_participants=LIMIT), livekit=front
    )


@pytest.fixture
async def front(livekit: LiveKitNode) -> AsyncIterator[Front]:
    server = await start_server(_config(livekit))
    async with aiohttp.ClientSession() as http:
        yield Front(server, http)
    await server.stop()


@pytest.fixture
async def room_service(livekit: LiveKitNode) -> AsyncIterator[api.LiveKitAPI]:
    async with api.LiveKitAPI(livekit.http_url, API_KEY, API_SECRET) as service:
        yield service


async def _identities(service: api.LiveKitAPI, room: str) -> set[str]:
    answer = await service.room.list_participants(api.ListParticipantsRequest(room=room))
    return {p.identity for p in answer.participants}


async def _join(grant: dict[str, str]) -> tuple[LiveKitConnection, LeaveRecorder]:
    recorder = LeaveRecorder()
    connection = LiveKitConnection(recorder)
    await connection.connect(grant["url"], grant["token"], auto_subscribe=True)
    return connection, recorder


async def test_config_has_la_suite_meets_keys(front: Front, livekit: LiveKitNode) -> None:
    status, body = await front.get("/api/v1.0/config/")
    assert status == 200
    assert set(body) == MEET_CONFIG_KEYS
    assert body["livekit"]["url"] == livekit.url
    assert body["livekit"]["default_sources"] == list(PARTICIPANT_SOURCES)
    assert body["recording"]["is_enabled"] is False


async def test_discovery_names_the_sfu_plane(front: Front) -> None:
    status, body = await front.get("/.well-known/visio")
    assert status == 200
    assert body["media_planes"] == ["sfu"]
    assert body["max_participants"] == LIMIT


async def test_a_room_answers_as_la_suite_meet_does(
    front: Front, livekit: LiveKitNode, room_service: api.LiveKitAPI
) -> None:
    status, body = await front.get("/api/v1.0/rooms/FRO-ntroOMS/", username=" Ada\u200b  L. ")
    assert status == 200
    assert body == {
        "id": ROOM,
        "slug": ROOM,
        "is_administrable": True,  # its first caller owns a room nobody made
        "access_level": "public",
        "livekit": {"url": livekit.url, "room": ROOM, "token": body["livekit"]["token"]},
    }
    claims = api.TokenVerifier(API_KEY, API_SECRET).verify(body["livekit"]["token"])
    assert claims.name == "Ada L."
    assert uuid.UUID(claims.identity).version == 4
    assert claims.video == api.VideoGrants(
        room=ROOM,
        room_join=True,
        room_admin=True,  # the owner's, as La Suite Meet grants its owners
        can_publish=True,
        can_publish_sources=list(PARTICIPANT_SOURCES),
        can_subscribe=True,
        can_publish_data=True,
        can_update_own_metadata=True,
    )
    assert claims.attributes is not None and claims.attributes["color"].startswith("hsl(")
    assert claims.attributes["room_role"] == "owner"
    # The room exists on LiveKit before anyone joins, with our limit.
    rooms = await room_service.room.list_rooms(api.ListRoomsRequest(names=[ROOM]))
    assert [(r.name, r.max_participants) for r in rooms.rooms] == [(ROOM, LIMIT)]
    # Each request is a new anonymous participant.
    again = await front.grant(name="Ada L.")
    assert api.TokenVerifier(API_KEY, API_SECRET).verify(again["token"]).identity != (
        claims.identity
    )


async def test_tokens_last_minutes_not_hours(front: Front) -> None:
    token = (await front.grant())["token"]
    payload = jwt.decode(token, API_SECRET, algorithms=["HS256"], issuer=API_KEY)
    assert payload["exp"] - payload["nbf"] == 600
    assert payload["roomConfig"] == {
        "name": ROOM, "maxParticipants": LIMIT, "emptyTimeout": 120, "departureTimeout": 60
    }  # fmt: skip
    assert set(payload) == {
        "sub", "iss", "nbf", "exp", "name", "video", "attributes", "roomConfig"
    }  # fmt: skip


async def test_the_token_joins_that_room_and_publishes(
    front: Front, room_service: api.LiveKitAPI
) -> None:
    first_grant, second_grant = await front.grant(name="First"), await front.grant(name="Second")
    first, _ = await _join(first_grant)
    second, seen = await _join(second_grant)
    try:
        sid = await first.publish(
            "camera", SyntheticVideoTrack("first", 320, 180, 15), lm.TrackSource.CAMERA
        )
        await seen.until(lambda: sid in seen.tracks)
        await seen.tracks[sid].recv()
        identities = await _identities(room_service, ROOM)
        for grant in (first_grant, second_grant):
            claims = api.TokenVerifier(API_KEY, API_SECRET).verify(grant["token"])
            assert claims.identity in identities
        assert await _identities(room_service, "oth-erro-oms") == set()
    finally:
        await first.close()
        await second.close()


async def test_a_room_livekit_dropped_comes_back_with_its_limits(
    front: Front, room_service: api.LiveKitAPI
) -> None:
    """Should LiveKit close the room between the token and the join (nobody came in time),
    the join makes it again from the configuration the token carries."""
    room = "dro-pped-roo"
    grant = await front.grant(room=room)
    await room_service.room.delete_room(api.DeleteRoomRequest(room=room))
    assert (await room_service.room.list_rooms(api.ListRoomsRequest(names=[room]))).rooms == []
    connection, _ = await _join(grant)
    try:
        rooms = await room_service.room.list_rooms(api.ListRoomsRequest(names=[room]))
        assert [(r.max_participants, r.departure_timeout) for r in rooms.rooms] == [(LIMIT, 60)]
    finally:
        await connection.close()


async def test_the_token_opens_nothing_else(front: Front, livekit: LiveKitNode) -> None:
    """A participant's token cannot list rooms, remove others or create rooms."""
    token = (await front.grant())["token"]
    async with api.LiveKitAPI(livekit.http_url, token=token) as service:
        for call in (
            service.room.list_rooms(api.ListRoomsRequest()),
            service.room.create_room(api.CreateRoomRequest(name="oth-erro-oms")),
            service.room.remove_participant(
                api.RoomParticipantIdentity(room=ROOM, identity="someone")
            ),
        ):
            with pytest.raises(api.TwirpError) as refused:
                await call
            assert refused.value.status in (401, 403)


async def test_a_removed_participant_is_gone(front: Front, room_service: api.LiveKitAPI) -> None:
    grant = await front.grant(room="rem-oved-one")
    identity = api.TokenVerifier(API_KEY, API_SECRET).verify(grant["token"]).identity
    connection, recorder = await _join(grant)
    try:
        assert identity in await _identities(room_service, "rem-oved-one")
        await front.rooms.remove_participant("rem-oved-one", identity)
        assert identity not in await _identities(room_service, "rem-oved-one")
        await recorder.until(lambda: recorder.leaves)
        assert recorder.leaves[0].reason == lm.DisconnectReason.PARTICIPANT_REMOVED
        with pytest.raises(ParticipantNotFound):
            await front.rooms.remove_participant("rem-oved-one", identity)
    finally:
        await connection.close()


async def test_a_full_room_is_refused_before_a_token(front: Front, livekit: LiveKitNode) -> None:
    """The front says the room is full; and LiveKit, which holds the limit, refuses one more
    even with a token handed out before it filled."""
    grants = [await front.grant(room="ful-lroo-mss") for _ in range(LIMIT + 1)]
    joined = [await _join(grant) for grant in grants[:LIMIT]]
    try:
        status, body = await front.get("/api/v1.0/rooms/ful-lroo-mss/", username="Late")
        assert status == 409
        assert "full" in body["detail"]
        with pytest.raises(ServerUnreachableError) as refused:
            await _join(grants[LIMIT])
        # LiveKit refuses the WebSocket with a bare HTTP 500, and says why in its log only.
        assert "HTTP 500" in str(refused.value)
        assert "room has exceeded its max participants" in livekit.log()
    finally:
        for connection, _ in joined:
            await connection.close()


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/api/v1.0/rooms/not-a-room/", {}, 400, "not a valid room name"),
        ("/api/v1.0/rooms/abc-defg-hijk/", {}, 400, "not a valid room name"),
        ("/api/v1.0/rooms/abc-defg-hij/", {"username": "x" * 2000}, 400, "longer"),
        ("/api/v1.0/rooms/", {}, 404, "Not found"),
        ("/api/v1.0/users/me/", {}, 404, "Not found"),
    ],
)
async def test_bad_requests_get_json_errors(
    front: Front, path: str, params: dict[str, str], status: int, says: str
) -> None:
    answer_status, body = await front.get(path, **params)
    assert answer_status == status
    assert says in body["detail"]


async def test_two_usernames_are_refused(front: Front) -> None:
    url = f"{front.server.base_url}/api/v1.0/rooms/{ROOM}/?username=a&username=b"
    async with front.http.get(url) as answer:
        assert answer.status == 400
        assert "one username" in (await answer.json())["detail"]


async def test_livekit_unreachable_is_a_clear_503(livekit: LiveKitNode) -> None:
    server = await start_server(_config(livekit, api_url=f"http://127.0.0.1:{free_port()}"))
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{server.base_url}/api/v1.0/rooms/{ROOM}/"
            async with http.get(url) as answer:
                assert answer.status == 503
                assert "unreachable" in (await answer.json())["detail"]
    finally:
        await server.stop()


async def test_keys_livekit_does_not_know_are_a_clear_502(livekit: LiveKitNode) -> None:
    config = _config(livekit)
    assert config.livekit is not None
    wrong = dataclasses.replace(config.livekit, keys=LiveKitKeys(API_KEY, "w" * 40))
    server = await start_server(dataclasses.replace(config, livekit=wrong))
    try:
        url = f"{server.base_url}/api/v1.0/rooms/{ROOM}/"
        async with aiohttp.ClientSession() as http, http.get(url) as answer:
            assert answer.status == 502
            assert "API key" in (await answer.json())["detail"]
    finally:
        await server.stop()


async def test_the_websocket_refuses_joins(front: Front) -> None:
    assert front.server.runner.app[STATE_KEY].media_plane == "sfu"
    async with front.http.ws_connect(f"{front.server.base_url}/ws") as ws:
        await ws.send_str(wire.encode(Hello(protocol=PROTOCOL_VERSION, client="test")))
        welcome = wire.decode(await ws.receive_str(timeout=10))
        assert isinstance(welcome, Welcome) and welcome.media_plane == "sfu"
        await ws.send_str(wire.encode(Join(room=ROOM, display_name="Ada")))
        refused = wire.decode(await ws.receive_str(timeout=10))
        assert isinstance(refused, Error) and refused.code is ErrorCode.BAD_ROOM
        assert "/api/v1.0/rooms/" in refused.message


def _admin_token(room: str) -> str:
    """A moderator's token, as whoever decides moderation would mint it with the API key."""
    grants = api.VideoGrants(room=room, room_join=True, room_admin=True)
    token = api.AccessToken(API_KEY, API_SECRET).with_identity("moderator").with_grants(grants)
    return token.to_jwt()


async def test_remove_participant_over_http_as_la_suite_meet(
    front: Front, room_service: api.LiveKitAPI
) -> None:
    room = "htt-prem-ove"
    grant = await front.grant(room=room)
    identity = api.TokenVerifier(API_KEY, API_SECRET).verify(grant["token"]).identity
    url = f"{front.server.base_url}/api/v1.0/rooms/{room}/remove-participant/"
    body = {"participant_identity": identity}

    async def post(token: str | None, payload: object = body) -> tuple[int, Any]:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        async with front.http.post(url, json=payload, headers=headers) as answer:
            return answer.status, await answer.json()

    connection, recorder = await _join(grant)
    try:
        assert (await post(None))[0] == 401
        assert (await post("not-a-token"))[0] == 403
        assert (await post(grant["token"]))[0] == 403  # a participant is no moderator
        assert (await post(_admin_token("oth-erro-oms")))[0] == 403  # of another room
        assert await post(_admin_token(room), {}) == (
            400,
            {"participant_identity": ["This field is required."]},
        )
        assert await post(_admin_token(room)) == (200, {"status": "success"})
        await recorder.until(lambda: recorder.leaves)
        assert identity not in await _identities(room_service, room)
        assert await post(_admin_token(room)) == (404, {"error": "Participant not found"})
    finally:
        await connection.close()


async def test_livekit_renews_the_short_token_at_once(front: Front) -> None:
    """Why ten minutes is enough: LiveKit sends a fresh token (SignalResponse.refresh_token) as
    soon as the session starts, then every few minutes, with the same grants. A client keeps
    the newest one to resume with; the one from the front only has to last until it joins."""
    grant = await front.grant(room="ren-ewed-tok")
    query = urlencode({"access_token": grant["token"], "protocol": 15, "auto_subscribe": 0})
    async with (
        asyncio.timeout(20),
        websockets.connect(f"{grant['url']}/rtc?{query}") as ws,
    ):
        kinds = []
        while True:
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            response = lr.SignalResponse.FromString(frame)
            kinds.append(response.WhichOneof("message"))
            if kinds[-1] == "refresh_token":
                break
    assert kinds[0] == "join"
    verifier = api.TokenVerifier(API_KEY, API_SECRET)
    fresh, first = verifier.verify(response.refresh_token), verifier.verify(grant["token"])
    assert (fresh.identity, fresh.video) == (first.identity, first.video)
    payload = jwt.decode(response.refresh_token, API_SECRET, algorithms=["HS256"], issuer=API_KEY)
    assert payload["exp"] - payload["nbf"] == 600
