"""La Suite Meet's REST API, read strictly (pure: no I/O).

The documents, as La Suite Meet's backend writes them (src/backend/core/api/__init__.py and
serializers.py, RoomViewSet.retrieve in viewsets.py):

- ``GET /api/v1.0/config/``: the web app's configuration; we read
  ``livekit: {url, force_wss_protocol, ...}`` and ``subtitle: {enabled}``.
- ``GET /api/v1.0/rooms/<slug>/?username=<name>``: ``{id, slug, access_level, livekit?: {url,
  room, token}, ...}``. ``livekit`` is there when the caller may enter (a public room, or one
  the user has a role in); ``id`` is null for a room nobody registered. ``livekit.room`` is the
  LiveKit room name (the room's id, or the slug for an unregistered room) and the room's key in
  the other REST calls (``rooms/<room>/toggle-hand/``).

The raised hand is the LiveKit participant attribute `HAND_ATTRIBUTE` ("handRaisedAt"), which
La Suite Meet's server writes on ``POST rooms/<room>/toggle-hand/ {"raised": bool}`` (authorised
by the LiveKit token as a bearer): `hand_attribute` gives its value, Django's ISO 8601 time
when raised and "" when lowered; a hand is up when the value is not empty.

`parse_config` and `parse_room` raise `ProtocolError` with a plain sentence when a document is
not what La Suite Meet sends. The LiveKit URL may be http(s) (LiveKit's SDKs turn it into
ws(s)); `websocket_url` does the same. Whether the URL is allowed at all is for
`core.link_policy.check_server_supplied_url` to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from visio_desktop.core.errors import ProtocolError

HAND_ATTRIBUTE = "handRaisedAt"
URL_MAX = 2048
TOKEN_MAX = 8192
NAME_MAX = 256
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL_SCHEMES = ("https://", "wss://", "http://", "ws://")


@dataclass(frozen=True, slots=True)
class LiveKitGrant:
    """Where and as whom to join LiveKit: the server's URL, the room's name, an access token.
    The token is a secret: it is kept out of the repr."""

    url: str
    room: str
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class MeetConfig:
    livekit_url: str
    force_wss: bool = False  # the web app turns https:// into wss:// itself when this is set
    subtitles: bool = False  # La Suite Meet's own transcription agent can be started


@dataclass(frozen=True, slots=True)
class MeetRoom:
    slug: str
    room_id: str | None  # None for a room nobody registered
    access_level: str  # "public", "trusted" or "restricted"
    grant: LiveKitGrant | None  # None: the room does not let this caller in directly


def parse_config(document: object) -> MeetConfig:
    config = _object(document, "the configuration")
    livekit = _object(config.get("livekit"), "the configuration's livekit section")
    subtitle = config.get("subtitle", {})
    return MeetConfig(
        livekit_url=_url(livekit.get("url"), "the configuration's LiveKit URL"),
        force_wss=_flag(livekit.get("force_wss_protocol", False), "force_wss_protocol"),
        subtitles=isinstance(subtitle, dict) and subtitle.get("enabled") is True,
    )


def parse_room(document: object) -> MeetRoom:
    room = _object(document, "the room")
    slug = _text(room.get("slug"), "the room's slug", NAME_MAX)
    room_id = room.get("id")
    if room_id is not None:
        room_id = _text(room_id, "the room's id", NAME_MAX)
    access = room.get("access_level", "")
    if not isinstance(access, str) or len(access) > 32:
        raise ProtocolError("the room's access level is not a short text")
    grant = None
    if room.get("livekit") is not None:
        livekit = _object(room["livekit"], "the room's livekit section")
        token = _text(livekit.get("token"), "the LiveKit token", TOKEN_MAX)
        if not _JWT.fullmatch(token):
            raise ProtocolError("the LiveKit token is not a JSON web token")
        grant = LiveKitGrant(
            url=_url(livekit.get("url"), "the room's LiveKit URL"),
            room=_text(livekit.get("room"), "the LiveKit room", NAME_MAX),
            token=token,
        )
    return MeetRoom(slug=slug, room_id=room_id, access_level=access, grant=grant)


def parse_entry(document: object) -> tuple[str, LiveKitGrant | None]:
    """La Suite Meet's answer to `request-entry`: our lobby status ("waiting", "accepted",
    "denied" or "unknown") and, once accepted, the LiveKit grant."""
    entry = _object(document, "the lobby entry")
    status = entry.get("status")
    if status not in ("waiting", "accepted", "denied", "unknown"):
        raise ProtocolError("the lobby entry's status is not one La Suite Meet has")
    grant = None
    if entry.get("livekit") is not None:
        grant = parse_room({"slug": "lobby", "livekit": entry["livekit"]}).grant
    return str(status), grant


def hand_attribute(raised: bool, now: datetime) -> str:
    """The `handRaisedAt` value as La Suite Meet's server writes it (`timezone.now().isoformat()`):
    `now` (an aware datetime) in UTC, ISO 8601, or "" for a lowered hand."""
    if now.tzinfo is None:
        raise ValueError("the time a hand is raised must carry its time zone")
    return now.astimezone(UTC).isoformat() if raised else ""


def websocket_url(url: str) -> str:
    """A LiveKit URL as a WebSocket URL: https -> wss, http -> ws, others unchanged."""
    for web, ws in (("https://", "wss://"), ("http://", "ws://")):
        if url.lower().startswith(web):
            return ws + url[len(web) :]
    return url


def _object(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{what} is missing or not a JSON object")
    return value


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError(f"{what} is missing, empty or too long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ProtocolError(f"{what} contains control characters")
    return value


def _url(value: object, what: str) -> str:
    url = _text(value, what, URL_MAX)
    if not url.lower().startswith(_URL_SCHEMES) or any(c.isspace() for c in url):
        raise ProtocolError(f"{what} is not an http(s) or ws(s) address")
    return url


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{what} is not true or false")
    return value


__all__ = [
    "HAND_ATTRIBUTE",
    "LiveKitGrant",
    "MeetConfig",
    "MeetRoom",
    "hand_attribute",
    "parse_config",
    "parse_room",
    "websocket_url",
]
