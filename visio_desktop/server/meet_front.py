"""The part of La Suite Meet's REST API a client needs to join a meeting held on LiveKit.

`serve --livekit-url` serves it beside discovery: `GET /api/v1.0/config/` (the web app's
configuration, with `livekit.url`) and `GET /api/v1.0/rooms/<slug>/?username=…`, which answers
as La Suite Meet does for a room it has no record of (an "unregistered" room, its
ALLOW_UNREGISTERED_ROOMS): the room and `{"livekit": {"url", "room", "token"}}`. Errors are
JSON `{"detail": …}`, as Django REST framework writes them.

`POST /api/v1.0/rooms/<slug>/remove-participant/ {"participant_identity": …}` removes a
participant, as La Suite Meet's does; La Suite Meet lets a room's owners and administrators
(a session) call it, and this front someone whose LiveKit token (`Authorization: Bearer …`,
as La Suite Meet's LiveKitTokenAuthentication reads it) holds room_admin for that room. The
front mints no such token itself: who moderates is decided elsewhere (issue 14).

The front keeps no call state: the room lives on LiveKit, which enforces its limits.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import normalise_room
from visio_desktop.core.protocol import clean_display_name
from visio_desktop.server.livekit_rooms import (
    LiveKitFront,
    LiveKitRooms,
    ParticipantNotFound,
    RoomServiceError,
    admin_identity,
    new_identity,
    participant_token,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1.0"
ROOMS_KEY = web.AppKey("livekit_rooms", LiveKitRooms)
# Longer names are cut to the meeting's limit; far longer ones are a mistake worth saying.
_USERNAME_MAX_CHARS = 1024
_BODY_MAX_BYTES = 4096


def add_meet_api(app: web.Application, front: LiveKitFront, max_participants: int) -> None:
    """Serve the REST subset on `app`, and open and close the room service with it."""
    app[ROOMS_KEY] = LiveKitRooms(front, max_participants)
    app.router.add_get(f"{API_PREFIX}/config/", _config)
    app.router.add_get(f"{API_PREFIX}/rooms/{{slug}}/", _room)
    app.router.add_get(f"{API_PREFIX}/rooms/{{slug}}", _room)
    app.router.add_post(f"{API_PREFIX}/rooms/{{slug}}/remove-participant/", _remove)
    app.router.add_route("*", f"{API_PREFIX}/{{tail:.*}}", _not_found)
    app.cleanup_ctx.append(_room_service)


async def _room_service(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[ROOMS_KEY].close()


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


def _error(status: int, detail: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


async def _config(request: web.Request) -> web.Response:
    return web.json_response(meet_configuration(request.app[ROOMS_KEY].front))


async def _not_found(request: web.Request) -> web.Response:
    return _error(404, "Not found.")


async def _room(request: web.Request) -> web.Response:
    """The room and a token to join it, for one participant: a fresh identity each time."""
    rooms = request.app[ROOMS_KEY]
    try:
        slug = normalise_room(request.match_info["slug"])
    except LinkError as exc:
        return _error(400, exc.message)
    names = request.query.getall("username", [])
    if len(names) > 1:
        return _error(400, "give one username")
    if names and len(names[0]) > _USERNAME_MAX_CHARS:
        return _error(400, f"the username is longer than {_USERNAME_MAX_CHARS} characters")
    name = clean_display_name(names[0] if names else "")
    try:
        await rooms.ensure_room(slug)
    except RoomServiceError as exc:
        return _error(exc.status, exc.message)
    identity = new_identity()
    token = participant_token(rooms.front, slug, identity, name, rooms.max_participants)
    return web.json_response(
        {
            "id": None,
            "slug": slug,
            "is_administrable": False,
            "access_level": "public",
            "livekit": {"url": rooms.front.url, "room": slug, "token": token},
        }
    )


async def _remove(request: web.Request) -> web.Response:
    """Remove a participant (moderation); the answers are La Suite Meet's."""
    rooms = request.app[ROOMS_KEY]
    try:
        slug = normalise_room(request.match_info["slug"])
    except LinkError as exc:
        return _error(400, exc.message)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token.strip():
        return _error(401, "Authorization header must be: Bearer <token>")
    if admin_identity(rooms.front, token.strip(), slug) is None:
        return _error(403, "You do not have permission to perform this action.")
    if (request.content_length or 0) > _BODY_MAX_BYTES:
        return _error(400, "the request body is too large")
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "the body must be JSON")
    identity = body.get("participant_identity") if isinstance(body, dict) else None
    if not isinstance(identity, str) or not identity or len(identity) > 255:
        return web.json_response({"participant_identity": ["This field is required."]}, status=400)
    try:
        await rooms.remove_participant(slug, identity)
    except ParticipantNotFound:
        return web.json_response({"error": "Participant not found"}, status=404)
    except RoomServiceError:
        return web.json_response({"error": "Failed to remove participant"}, status=500)
    return web.json_response({"status": "success"})
