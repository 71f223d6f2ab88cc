"""What the handlers of the LiveKit front (`server.meet_front`, `server.meet_hosts`) share: the
front's state on the application, JSON answers and bodies, and who is calling.

A caller of a host endpoint shows their LiveKit token (``Authorization: Bearer …``, as La Suite
Meet's LiveKitTokenAuthentication reads it). It must be a valid token of ours for that room,
of an identity no host removed, whose role now (`FrontStore.role`: as a host last set it, else
its `room_role` attribute) is owner or admin.

The front's store (`server.front_store`) failing is answered 503 with a JSON `detail` by a
middleware (`store_errors`), whatever the handler was doing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import normalise_room
from visio_desktop.server.front_store import FrontStore, StoreFull, StoreUnavailable
from visio_desktop.server.livekit_rooms import LiveKitRooms, room_claims
from visio_desktop.server.sfu_lobby import RoomRole

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1.0"
BODY_MAX_BYTES = 4096
FORBIDDEN = "You do not have permission to perform this action."


@dataclass
class FrontState:
    rooms: LiveKitRooms
    store: FrontStore


FRONT_KEY = web.AppKey("livekit_front", FrontState)


@web.middleware
async def store_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The store's failures as JSON answers: 503, the front itself goes on."""
    try:
        return await handler(request)
    except StoreUnavailable as exc:
        return error(503, exc.message)
    except StoreFull as exc:
        return error(503, exc.message)


class Refusal(Exception):
    """An answer to give at once instead of going on (`response`)."""

    def __init__(self, status: int, detail: object) -> None:
        super().__init__(status)
        body = detail if isinstance(detail, dict) else {"detail": detail}
        self.response = web.json_response(body, status=status)


def error(status: int, detail: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


def slug_of(request: web.Request) -> str:
    try:
        return normalise_room(request.match_info["slug"])
    except LinkError as exc:
        raise Refusal(400, exc.message) from None


async def json_body(request: web.Request) -> dict[str, object]:
    """The request's body, a JSON object (an empty body is `{}`); Refusal 400 otherwise."""
    if (request.content_length or 0) > BODY_MAX_BYTES:
        raise Refusal(400, "the request body is too large")
    raw = await request.content.read(BODY_MAX_BYTES + 1)
    if len(raw) > BODY_MAX_BYTES:
        raise Refusal(400, "the request body is too large")
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refusal(400, "the body must be JSON") from None
    if not isinstance(document, dict):
        raise Refusal(400, "the body must be a JSON object")
    return document


def text_field(body: dict[str, object], name: str, max_len: int = 255) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise Refusal(400, {name: ["This field is required."]})
    return value


def granted_role(attributes: dict[str, str], room_admin: bool) -> RoomRole:
    """The role a token gives: its `room_role` attribute, else admin for room admin."""
    try:
        return RoomRole(attributes["room_role"])
    except (KeyError, ValueError):
        return RoomRole.ADMIN if room_admin else RoomRole.MEMBER


async def caller(request: web.Request, slug: str) -> tuple[str, RoomRole]:
    """The identity and role of whoever calls, if a host or co-host of `slug`; Refusal
    401 without a bearer token, 403 for anyone else."""
    front = request.app[FRONT_KEY]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token.strip():
        raise Refusal(401, "Authorization header must be: Bearer <token>")
    claims = room_claims(front.rooms.front, token.strip(), slug)
    if claims is None or await front.store.is_banned(slug, claims.identity):
        raise Refusal(403, FORBIDDEN)
    admin = bool(claims.video and claims.video.room_admin)
    granted = granted_role(claims.attributes or {}, admin)
    role = await front.store.role(slug, claims.identity, granted)
    if not role.moderates:
        raise Refusal(403, FORBIDDEN)
    return claims.identity, role
