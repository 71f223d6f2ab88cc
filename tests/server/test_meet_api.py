"""The La Suite Meet REST client against stand-ins on 127.0.0.1 shaped like La Suite Meet's
answers (src/backend/core/api in suitenumerique/meet), including malformed and hostile ones."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.server.conftest import ServeApp
from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError, Unreachable
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.policy import Policy
from visio_desktop.core.protocol import PROTOCOL_VERSION, ErrorCode
from visio_desktop.signaling.meet_api import (
    ServerKind,
    fetch_config,
    fetch_room,
    host_request,
    identify_server,
    set_hand,
)

SLUG = "abc-defg-hij"
ROOM_ID = "6f1c3a52-2d3e-4c0b-9a43-1f2e3d4c5b6a"
TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"


def meet_config(livekit_url: str) -> dict[str, Any]:
    """GET /api/v1.0/config/ as get_frontend_configuration writes it."""
    return {
        "LANGUAGE_CODE": "fr",
        "recording": {"is_enabled": False, "available_modes": [], "expiration_days": None},
        "background_image": {"upload_is_enabled": False, "max_count_by_user": 5},
        "telephony": {"enabled": False},
        "resource": {"default_access_level": "public"},
        "subtitle": {"enabled": True},
        "diagnostics": {"connection_test_enabled": False},
        "livekit": {
            "url": livekit_url,
            "force_wss_protocol": False,
            "enable_firefox_proxy_workaround": False,
            "default_sources": ["camera", "microphone", "screen_share", "screen_share_audio"],
        },
        "authenticated_users_can_edit_display_name": False,
    }


def meet_room(livekit_url: str, **changes: Any) -> dict[str, Any]:
    """GET /api/v1.0/rooms/<slug>/ for a public room, as RoomSerializer writes it."""
    room = {
        "id": ROOM_ID,
        "name": SLUG,
        "slug": SLUG,
        "configuration": {},
        "access_level": "public",
        "pin_code": "1234567890",
        "livekit": {"url": livekit_url, "room": ROOM_ID, "token": TOKEN},
    }
    room.update(changes)
    return room


Routes = dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]


@pytest.fixture
def stand_in(serve_app: ServeApp) -> Callable[[Routes], Awaitable[MeetingLink]]:
    """Serves `routes` (path -> handler, GET unless the path starts with "POST ") on
    127.0.0.1; gives the meeting link to its room."""

    async def start(routes: Routes) -> MeetingLink:
        app = web.Application()
        for path, handler in routes.items():
            method, _, route = path.rpartition(" ")
            app.router.add_route(method or "GET", route, handler)
        port = await serve_app(app)
        return parse_link(f"http://127.0.0.1:{port}/{SLUG}")

    return start


def answer(document: Any, status: int = 200) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(document, status=status)

    return handler


def livekit_on(link: MeetingLink, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{link.port}/livekit"


async def meet_link(stand_in: Callable[[Routes], Awaitable[MeetingLink]], room: Any) -> MeetingLink:
    """A La Suite Meet stand-in whose room endpoint answers `room` (a function of the link)."""
    holder: dict[str, MeetingLink] = {}

    async def get_room(request: web.Request) -> web.Response:
        return web.json_response(room(holder["link"]))

    holder["link"] = await stand_in({f"/api/v1.0/rooms/{SLUG}/": get_room})
    return holder["link"]


async def test_a_la_suite_meet_server_is_told_from_ours(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    async def config(request: web.Request) -> web.Response:
        return web.json_response(meet_config(f"http://127.0.0.1:{request.url.port}/livekit"))

    link = await stand_in({"/api/v1.0/config/": config})
    found = await identify_server(link)
    assert found.kind is ServerKind.MEET
    assert found.config is not None and found.config.subtitles
    assert found.config.livekit_url == f"http://127.0.0.1:{link.port}/livekit"
    assert found.config == await fetch_config(link)


async def test_a_web_app_answering_every_path_with_its_page_is_still_la_suite_meet(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>Visio</title>", content_type="text/html")

    async def config(request: web.Request) -> web.Response:
        return web.json_response(meet_config(f"https://127.0.0.1:{request.url.port}"))

    link = await stand_in({"/.well-known/visio": page, "/api/v1.0/config/": config})
    assert (await identify_server(link)).kind is ServerKind.MEET


async def test_our_server_is_recognised_by_its_discovery(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    async def discovery(request: web.Request) -> web.Response:
        websocket = f"ws://127.0.0.1:{request.url.port}/ws"
        document = {
            "protocol": PROTOCOL_VERSION,
            "websocket": websocket,
            "ice_servers": [],
            "media_planes": ["sfu"],
            "features": ["chat"],
            "max_participants": 50,
        }
        return web.json_response(document)  # fmt: skip

    link = await stand_in({"/.well-known/visio": discovery})
    found = await identify_server(link)
    assert found.kind is ServerKind.VISIO
    assert found.discovery is not None and [str(p) for p in found.discovery.media_planes] == ["sfu"]


async def test_a_server_that_is_neither_is_not_a_meeting_server(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    link = await stand_in({"/api/v1.0/config/": answer(["not", "a", "config"])})
    with pytest.raises(ServerUnreachableError, match="not a meeting server"):
        await identify_server(link)


async def test_a_public_room_gives_a_grant_for_the_user_name(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    seen: list[str] = []
    holder: dict[str, MeetingLink] = {}

    async def get_room(request: web.Request) -> web.Response:
        seen.append(request.query["username"])
        return web.json_response(meet_room(livekit_on(holder["link"])))

    link = holder["link"] = await stand_in({f"/api/v1.0/rooms/{SLUG}/": get_room})
    grant = await fetch_room(link, "Amélie & co")
    assert grant == LiveKitGrant(f"ws://127.0.0.1:{link.port}/livekit", ROOM_ID, TOKEN)
    assert seen == ["Amélie & co"]
    assert TOKEN not in repr(grant)


async def test_an_unregistered_room_has_no_id_but_a_grant(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    def room(link: MeetingLink) -> dict[str, Any]:
        livekit = {"url": livekit_on(link), "room": SLUG, "token": TOKEN}
        return {"id": None, "slug": SLUG, "is_administrable": False, "access_level": "public",
                "livekit": livekit}  # fmt: skip

    grant = await fetch_room(await meet_link(stand_in, room), "Bob")
    assert grant.room == SLUG


async def test_a_livekit_server_elsewhere_needs_the_policy_to_name_it(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    link = await meet_link(stand_in, lambda link: meet_room(livekit_on(link, "localhost")))
    with pytest.raises(ServerRejectedError, match="unsafe media server address") as caught:
        await fetch_room(link, "Bob")
    assert caught.value.code is ErrorCode.BAD_REDIRECT
    grant = await fetch_room(link, "Bob", policy=Policy(allowed_servers=("localhost",)))
    assert grant.url == f"ws://localhost:{link.port}/livekit"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/livekit",
        "javascript:alert(1)",
        "wss://user:pw@127.0.0.1/",
        "ftp://127.0.0.1/",
        "http://127.0.0.2:7880",
    ],
)
async def test_hostile_livekit_addresses_are_refused(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]], url: str
) -> None:
    link = await meet_link(stand_in, lambda link: meet_room(url))
    with pytest.raises((ServerRejectedError, ServerUnreachableError)):
        await fetch_room(link, "Bob")


async def lobby_link(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]], answers: list[str]
) -> tuple[MeetingLink, list[tuple[str, str]]]:
    """A La Suite Meet stand-in whose room has a lobby: `request-entry` answers each status of
    `answers` in turn (the last one with the grant when it is "accepted"). Gives the link and
    the (cookie, username) each knock carried."""
    knocks: list[tuple[str, str]] = []
    holder: dict[str, MeetingLink] = {}

    async def get_room(request: web.Request) -> web.Response:
        room = meet_room(livekit_on(holder["link"]), access_level="restricted")
        del room["livekit"], room["pin_code"]
        return web.json_response(room)

    async def request_entry(request: web.Request) -> web.Response:
        knocks.append(
            (request.cookies.get("lobbyParticipantId", ""), (await request.json())["username"])
        )
        status = answers[min(len(knocks), len(answers)) - 1]
        livekit = {"url": livekit_on(holder["link"]), "room": ROOM_ID, "token": TOKEN}
        body = {
            "status": status,
            "username": "x",
            "id": "p1",
            "color": "#000",
            "livekit": livekit if status == "accepted" else None,
        }
        response = web.json_response(body)
        if len(knocks) == 1:
            response.set_cookie("lobbyParticipantId", "p1")
        return response  # fmt: skip

    holder["link"] = await stand_in(
        {
            f"/api/v1.0/rooms/{SLUG}/": get_room,
            f"POST /api/v1.0/rooms/{ROOM_ID}/request-entry/": request_entry,
        }
    )
    return holder["link"], knocks


async def test_in_a_room_with_a_lobby_we_knock_and_wait_until_a_host_lets_us_in(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    link, knocks = await lobby_link(stand_in, ["waiting", "waiting", "accepted"])
    told: list[int] = []
    grant = await fetch_room(link, "Bob", waiting=lambda: told.append(len(knocks)))
    assert grant == LiveKitGrant(f"ws://127.0.0.1:{link.port}/livekit", ROOM_ID, TOKEN)
    assert told == [1]  # told once, after the first knock
    # Each knock after the first carries the cookie the lobby set, as the web app's do.
    assert knocks == [("", "Bob"), ("p1", "Bob"), ("p1", "Bob")]


async def test_a_host_who_says_no_is_a_plain_refusal(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    link, knocks = await lobby_link(stand_in, ["waiting", "denied"])
    with pytest.raises(ServerRejectedError, match="did not let you in") as caught:
        await fetch_room(link, "Bob")
    assert caught.value.code is ErrorCode.DENIED
    assert len(knocks) == 2


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (404, ServerRejectedError, "no meeting"),
        (403, ServerRejectedError, "sign in"),
        (401, ServerRejectedError, "sign in"),
        (429, ServerRejectedError, "too many requests"),
        (500, ServerUnreachableError, "HTTP 500"),
        (302, ServerUnreachableError, "HTTP 302"),
    ],
)
async def test_refusals_become_our_errors(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
    status: int,
    error: type[Exception],
    words: str,
) -> None:
    async def refuse(request: web.Request) -> web.Response:
        headers = {"Location": "https://evil.example/"} if status == 302 else None
        return web.json_response({"detail": "No Room matches the given query."}, status=status,
                                 headers=headers)  # fmt: skip

    link = await stand_in({f"/api/v1.0/rooms/{SLUG}/": refuse})
    with pytest.raises(error, match=words):
        await fetch_room(link, "Bob")


@pytest.mark.parametrize(
    "room",
    [
        b"<html>",
        b"[]",
        b'{"slug": 5}',
        b'{"slug": "abc-defg-hij", "livekit": "yes"}',
        b'{"slug": "abc-defg-hij", "livekit": {"url": "wss://x", "room": "r"}}',
        b'{"slug": "abc-defg-hij", "livekit": {"url": "wss://x", "room": "r", "token": "nope"}}',
        b'{"slug": "abc-defg-hij", "livekit": {"url": 7, "room": "r", "token": "a.b.c"}}',
        b'{"slug": "a", "livekit": {"url": "wss://x", "room": "r\\u0000", "token": "a.b.c"}}',
        b'{"slug": "abc-defg-hij", "livekit": {"url": "wss://x y", "room": "r", "token": "a.b.c"}}',
        b'{"slug": "' + b"s" * 300 + b'"}',
        b"[" * 100_000,
    ],
)
async def test_malformed_rooms_are_unreadable(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]], room: bytes
) -> None:
    async def get_room(request: web.Request) -> web.Response:
        return web.Response(body=room, content_type="application/json")

    link = await stand_in({f"/api/v1.0/rooms/{SLUG}/": get_room})
    with pytest.raises(ServerUnreachableError, match="unreadable room"):
        await fetch_room(link, "Bob")


async def test_a_huge_answer_is_refused_unread(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    async def flood(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(200):
            await response.write(b" " * 8192)
        return response

    link = await stand_in({f"/api/v1.0/rooms/{SLUG}/": flood, "/api/v1.0/config/": flood})
    with pytest.raises(ServerUnreachableError, match="too much data"):
        await fetch_room(link, "Bob")
    with pytest.raises(ServerUnreachableError, match="too much data"):
        await fetch_config(link)


@pytest.mark.parametrize(
    "config",
    [
        {"livekit": {}},
        {"livekit": {"url": "wss://127.0.0.1", "force_wss_protocol": "yes"}},
        {"livekit": "wss://127.0.0.1"},
    ],
)
async def test_malformed_configurations_are_unreadable(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]], config: dict[str, Any]
) -> None:
    link = await stand_in({"/api/v1.0/config/": answer(config)})
    with pytest.raises(ServerUnreachableError, match="unreadable configuration"):
        await fetch_config(link)


async def test_a_configuration_pointing_elsewhere_is_refused(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    link = await stand_in({"/api/v1.0/config/": answer(meet_config("wss://livekit.evil.example"))})
    with pytest.raises(ServerRejectedError, match="unsafe media server address"):
        await identify_server(link)


async def test_a_server_that_is_not_there_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    link = parse_link(f"http://127.0.0.1:{port}/{SLUG}")
    with pytest.raises(ServerUnreachableError) as caught:
        await fetch_room(link, "Bob")
    assert caught.value.reason is Unreachable.REFUSED


async def test_the_hand_is_raised_through_the_server_with_the_livekit_token(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    calls: list[tuple[str, Any]] = []

    async def toggle(request: web.Request) -> web.Response:
        calls.append((request.headers["Authorization"], await request.json()))
        return web.json_response({"status": "success"})

    link = await stand_in({f"POST /api/v1.0/rooms/{ROOM_ID}/toggle-hand/": toggle})
    grant = LiveKitGrant("ws://127.0.0.1/livekit", ROOM_ID, TOKEN)
    await set_hand(link, grant, True)
    await set_hand(link, grant, False)
    assert calls == [(f"Bearer {TOKEN}", {"raised": True}), (f"Bearer {TOKEN}", {"raised": False})]
    with pytest.raises(ServerRejectedError):
        await set_hand(link, LiveKitGrant("ws://127.0.0.1/livekit", "other", TOKEN), True)


async def test_a_host_secret_is_sent_in_its_header_and_only_when_given(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    seen: list[str | None] = []
    holder: dict[str, MeetingLink] = {}

    async def get_room(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Visio-Host-Secret"))
        return web.json_response(meet_room(livekit_on(holder["link"])))

    link = holder["link"] = await stand_in({f"/api/v1.0/rooms/{SLUG}/": get_room})
    await fetch_room(link, "Alice", host_secret="s3cret")
    await fetch_room(link, "Bob")
    assert seen == ["s3cret", None]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"detail": "this meeting is locked: nobody new can enter"}, "^This meeting is locked"),
        ({"detail": 5}, "^This meeting is locked: nobody new can enter.$"),
        ("<html>", "^This meeting is locked: nobody new can enter.$"),
    ],
)
async def test_a_locked_meeting_is_a_locked_refusal(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]], body: Any, words: str
) -> None:
    link = await stand_in({f"/api/v1.0/rooms/{SLUG}/": answer(body, status=423)})
    with pytest.raises(ServerRejectedError, match=words) as caught:
        await fetch_room(link, "Bob")
    assert caught.value.code is ErrorCode.LOCKED


async def test_a_host_request_carries_the_livekit_token_and_a_refusal_is_forbidden(
    stand_in: Callable[[Routes], Awaitable[MeetingLink]],
) -> None:
    calls: list[tuple[str, Any]] = []

    async def mute(request: web.Request) -> web.Response:
        calls.append((request.headers["Authorization"], await request.json()))
        return web.json_response({"status": "success"})

    link = await stand_in(
        {
            f"POST /api/v1.0/rooms/{ROOM_ID}/mute-participant/": mute,
            f"POST /api/v1.0/rooms/{ROOM_ID}/end-meeting/": answer(
                {"detail": "only hosts may end the meeting"}, status=403
            ),
        }
    )
    grant = LiveKitGrant("ws://127.0.0.1/livekit", ROOM_ID, TOKEN)
    body = {"participant_identity": "bob", "track_sid": "TR_1"}
    answered = await host_request(link, grant, "POST", "mute-participant/", body)
    assert answered == {"status": "success"}
    assert calls == [(f"Bearer {TOKEN}", body)]
    with pytest.raises(ServerRejectedError, match=r"^Only hosts may end") as caught:
        await host_request(link, grant, "POST", "end-meeting/")
    assert caught.value.code is ErrorCode.FORBIDDEN
