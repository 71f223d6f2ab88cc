"""The part of La Suite Meet's REST API a client needs to join a meeting held on LiveKit.

`serve --livekit-url` serves it beside discovery: `GET /api/v1.0/config/` (the web app's
configuration, with `livekit.url`) and `GET /api/v1.0/rooms/<slug>/?username=…`, which answers
the room and, when the caller may enter, `{"livekit": {"url", "room", "token"}}`. Errors are
JSON `{"detail": …}`, as Django REST framework writes them.

Every room has a meeting record (`server.meetings`: made by ``POST /api/v1.0/rooms/``, or by
the first request for a room nobody made, whose caller becomes its owner). Records, lobbies,
bans and role changes are in the front's store (`server.front_store`): this process's memory,
or Redis shared by every front (``--redis-url``). Whoever gives the
host secret (header ``X-Visio-Host-Secret``) gets a token with `room_role` "owner" and room
admin; anyone else "member". Then the access level: open, a token at once; lobby, no
`livekit` for a member, who knocks (``POST rooms/<slug>/request-entry/``, La Suite Meet's
lobby, `server.sfu_lobby`); locked, HTTP 423 for a member. In a meeting whose microphones are
locked, a member's token does not let them publish a microphone.

Hosts see who waits (``GET rooms/<slug>/waiting-participants/``) and decide
(``POST rooms/<slug>/enter/ {participant_id, allow_entry}``); LiveKit tells the room someone
knocks with a data packet ``{"type": "participantWaiting"}``. The host endpoints are in
`server.meet_hosts`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from visio_desktop.core.protocol import clean_display_name
from visio_desktop.core.roles import Access
from visio_desktop.server.front_store import FrontStore
from visio_desktop.server.livekit_rooms import (
    LiveKitFront,
    LiveKitRooms,
    RoomServiceError,
    new_identity,
    participant_color,
    participant_token,
)
from visio_desktop.server.meet_common import (
    API_PREFIX,
    FRONT_KEY,
    FrontState,
    Refusal,
    caller,
    error,
    json_body,
    slug_of,
    store_errors,
)
from visio_desktop.server.meet_hosts import add_host_routes
from visio_desktop.server.meet_webhook import add_webhook
from visio_desktop.server.meetings import MeetingRecord
from visio_desktop.server.sfu_lobby import EntryStatus, RoomRole

log = logging.getLogger(__name__)

ROOMS_KEY = web.AppKey("livekit_rooms", LiveKitRooms)
HOST_SECRET_HEADER = "X-Visio-Host-Secret"
LOBBY_COOKIE = "lobbyParticipantId"
LOCKED_DETAIL = "this meeting is locked: nobody new can enter"
PARTICIPANT_WAITING = json.dumps({"type": "participantWaiting"}).encode()
# Longer names are cut to the meeting's limit; far longer ones are a mistake worth saying.
_USERNAME_MAX_CHARS = 1024
_ACCESS_LEVELS = {Access.OPEN: "public", Access.LOBBY: "restricted", Access.LOCKED: "restricted"}


def add_meet_api(
    app: web.Application, front: LiveKitFront, max_participants: int, store: FrontStore
) -> None:
    """Serve the REST subset on `app`, and open and close the room service and the store
    with it."""
    rooms = LiveKitRooms(front, max_participants)
    app[ROOMS_KEY] = rooms
    app[FRONT_KEY] = FrontState(rooms, store)
    app.middlewares.append(store_errors)
    app.router.add_get(f"{API_PREFIX}/config/", _config)
    app.router.add_get(f"{API_PREFIX}/rooms/{{slug}}/", _room)
    app.router.add_get(f"{API_PREFIX}/rooms/{{slug}}", _room)
    app.router.add_post(f"{API_PREFIX}/rooms/{{slug}}/request-entry/", _request_entry)
    app.router.add_get(f"{API_PREFIX}/rooms/{{slug}}/waiting-participants/", _waiting)
    app.router.add_post(f"{API_PREFIX}/rooms/{{slug}}/enter/", _enter)
    add_host_routes(app)
    add_webhook(app)
    app.router.add_route("*", f"{API_PREFIX}/{{tail:.*}}", _not_found)
    app.cleanup_ctx.append(_room_service)


async def _room_service(app: web.Application) -> AsyncIterator[None]:
    await app[FRONT_KEY].store.ping()  # a store not there is logged now, not at the first call
    yield
    await app[ROOMS_KEY].close()
    await app[FRONT_KEY].store.aclose()


def meet_configuration(front: LiveKitFront) -> dict[str, object]:
    """What La Suite Meet's `get_frontend_configuration` answers, with the features a front
    does not offer (recordings, uploads, telephony, subtitles) switched off."""
    return {
        "LANGUAGE_CODE": "en-us",
        "recording": {
            "is_enabled": False,
            "available_modes": [],
            "expiration_days": None,
            "max_duration": None,
        },
        "background_image": {
            "upload_is_enabled": False,
            "max_count_by_user": 0,
            "max_size": 0,
            "allowed_extensions": [],
            "allowed_mimetypes": [],
        },
        "telephony": {"enabled": False},
        "resource": {"default_access_level": "public"},
        "subtitle": {"enabled": False},
        "diagnostics": {"connection_test_enabled": False},
        "livekit": {
            "url": front.url,
            "force_wss_protocol": False,
            "enable_firefox_proxy_workaround": False,
            "default_sources": list(front.sources),
        },
        "authenticated_users_can_edit_display_name": True,
    }


async def _config(request: web.Request) -> web.Response:
    return web.json_response(meet_configuration(request.app[ROOMS_KEY].front))


async def _not_found(request: web.Request) -> web.Response:
    return error(404, "Not found.")


def _username(request: web.Request, given: object = None) -> str:
    names = request.query.getall("username", []) if given is None else [given]
    if len(names) > 1:
        raise Refusal(400, "give one username")
    if names and (not isinstance(names[0], str) or len(names[0]) > _USERNAME_MAX_CHARS):
        raise Refusal(400, f"the username is longer than {_USERNAME_MAX_CHARS} characters")
    return clean_display_name(str(names[0]) if names else "")


def _grant(
    front: FrontState, record: MeetingRecord, identity: str, name: str, role: RoomRole
) -> dict[str, str]:
    rooms = front.rooms
    sources = rooms.front.sources
    if record.state.mics_locked and not role.moderates:
        sources = tuple(s for s in sources if s != "microphone")
    token = participant_token(
        rooms.front,
        record.slug,
        identity,
        name,
        rooms.max_participants,
        role=str(role),
        sources=sources,
    )
    return {"url": rooms.front.url, "room": record.slug, "token": token}


async def _room(request: web.Request) -> web.Response:
    """The room and, when the caller may enter now, a token to join it: a fresh identity."""
    front = request.app[FRONT_KEY]
    try:
        slug = slug_of(request)
        name = _username(request)
        record, made_secret = await front.store.ensure(slug)
        given = request.headers.get(HOST_SECRET_HEADER, "")
        owner = made_secret is not None or record.is_host_secret(given)
        role = RoomRole.OWNER if owner else RoomRole.MEMBER
        if not owner and record.state.access is Access.LOCKED:
            return error(423, LOCKED_DETAIL)
        answer: dict[str, object] = {
            "id": slug,
            "slug": slug,
            "is_administrable": owner,
            "access_level": _ACCESS_LEVELS[record.state.access],
        }
        if owner or record.state.access is Access.OPEN:
            await front.rooms.ensure_room(slug)
            answer["livekit"] = _grant(front, record, new_identity(), name, role)
        return web.json_response(answer)
    except Refusal as refusal:
        return refusal.response
    except RoomServiceError as exc:
        return error(exc.status, exc.message)


async def _request_entry(request: web.Request) -> web.Response:
    """Knock, or ask again (La Suite Meet's lobby; see `server.sfu_lobby`)."""
    front = request.app[FRONT_KEY]
    try:
        slug = slug_of(request)
        name = _username(request, (await json_body(request)).get("username", ""))
    except Refusal as refusal:
        return refusal.response
    record = await front.store.get(slug)
    if record is None:
        return error(404, "Not found.")
    cookie = request.cookies.get(LOBBY_COOKIE) or None
    if cookie is not None and await front.store.is_banned(slug, cookie):
        return _entry_answer(cookie, name, EntryStatus.DENIED, None)
    if record.state.access is Access.LOCKED:
        return error(423, LOCKED_DETAIL)
    is_open = record.state.access is Access.OPEN
    entry, new = await front.store.knock(slug, cookie, name, accept=is_open)
    grant = None
    if entry.status is EntryStatus.ACCEPTED:
        try:
            await front.rooms.ensure_room(slug)
        except RoomServiceError as exc:
            return error(exc.status, exc.message)
        grant = _grant(front, record, entry.id, entry.username, RoomRole.MEMBER)
    elif new:
        try:
            await front.rooms.send_data(slug, PARTICIPANT_WAITING)
        except RoomServiceError:
            log.info("could not tell meeting %s that someone waits (no one there?)", slug)
    return _entry_answer(entry.id, entry.username, entry.status, grant)


def _entry_answer(
    entry_id: str, name: str, status: EntryStatus, grant: dict[str, str] | None
) -> web.Response:
    response = web.json_response(
        {
            "status": str(status),
            "id": entry_id,
            "username": name,
            "color": participant_color(entry_id),
            "livekit": grant,
        }
    )
    response.set_cookie(LOBBY_COOKIE, entry_id, httponly=True, samesite="Lax")
    return response


async def _waiting(request: web.Request) -> web.Response:
    """Who waits in the lobby (hosts only)."""
    front = request.app[FRONT_KEY]
    try:
        slug = slug_of(request)
        await caller(request, slug)
    except Refusal as refusal:
        return refusal.response
    people = [
        {
            "id": e.id,
            "username": e.username,
            "status": str(e.status),
            "color": participant_color(e.id),
        }
        for e in await front.store.waiting(slug)
    ]
    return web.json_response({"participants": people})


async def _enter(request: web.Request) -> web.Response:
    """Let someone waiting in, or not (hosts only)."""
    front = request.app[FRONT_KEY]
    try:
        slug = slug_of(request)
        await caller(request, slug)
        body = await json_body(request)
        entry_id = body.get("participant_id")
        allow = body.get("allow_entry")
        if not isinstance(entry_id, str) or not isinstance(allow, bool):
            raise Refusal(400, "give participant_id and allow_entry (true or false)")
    except Refusal as refusal:
        return refusal.response
    if not await front.store.decide(slug, entry_id, allow):
        return error(404, "Participant not found.")
    return web.json_response({"message": "Participant was updated."})
