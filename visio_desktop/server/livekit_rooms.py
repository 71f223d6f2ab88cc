"""Rooms on LiveKit for a server that fronts it: access tokens and LiveKit's room service.

Nothing here remembers a call: a token is minted from the request alone, and the room service
is asked each time, so any number of fronts with the same keys serve the same rooms.
"""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

import aiohttp
import jwt
from livekit import api
from livekit.api.access_token import Claims
from livekit.protocol.room import RoomConfiguration

from visio_desktop.core.errors import VisioError
from visio_desktop.server.livekit_keys import LiveKitKeys

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# What a participant publishes, as LiveKit names the sources (La Suite Meet's
# LIVEKIT_DEFAULT_SOURCES): camera, microphone, and a shared screen with its sound.
PARTICIPANT_SOURCES = ("camera", "microphone", "screen_share", "screen_share_audio")
# La Suite Meet's tokens last 6 h; ours a few minutes. LiveKit sends a fresh token over the
# open signalling connection well before this runs out, so only joining needs it valid.
TOKEN_TTL = timedelta(minutes=10)
# A room nobody joins closes after EMPTY_TIMEOUT (one joined later is made again from its
# token); one everybody left stays for DEPARTURE_TIMEOUT, so a participant reconnecting finds it.
EMPTY_TIMEOUT_SECONDS = 120
DEPARTURE_TIMEOUT_SECONDS = 60
_SERVICE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class LiveKitFront:
    """How a meeting server fronts LiveKit (`serve --livekit-url`)."""

    url: str  # what clients connect to: ws://… or wss://…
    keys: LiveKitKeys
    # Where this server reaches LiveKit's room service when not at `url` (an internal address).
    api_url: str | None = None
    token_ttl: timedelta = TOKEN_TTL
    empty_timeout: int = EMPTY_TIMEOUT_SECONDS
    departure_timeout: int = DEPARTURE_TIMEOUT_SECONDS
    sources: tuple[str, ...] = field(default=PARTICIPANT_SOURCES)


class RoomServiceError(VisioError):
    """LiveKit's room service refused or could not be reached; `status` suits an HTTP answer."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class ParticipantNotFound(RoomServiceError):
    def __init__(self, room: str, identity: str) -> None:
        super().__init__(f"no participant {identity!r} in the meeting {room}", status=404)


class RoomFull(RoomServiceError):
    def __init__(self, room: str, limit: int) -> None:
        super().__init__(f"the meeting {room} is full ({limit} participants)", status=409)


def new_identity() -> str:
    """A fresh identity for an anonymous participant, as La Suite Meet gives (a UUID 4)."""
    return str(uuid.uuid4())


def participant_color(identity: str) -> str:
    """The avatar colour La Suite Meet derives from an identity (core.utils.generate_color)."""
    digest = hashlib.sha1(identity.encode("utf-8"), usedforsecurity=False).hexdigest()
    seed = int(digest, 16) & 0xFFFF
    rng = random.Random(seed)  # not for security: the same colour on every front
    hue, saturation, lightness = rng.randint(0, 360), rng.randint(50, 75), rng.randint(25, 60)
    return f"hsl({hue}, {saturation}%, {lightness}%)"


def participant_token(
    front: LiveKitFront,
    room: str,
    identity: str,
    name: str,
    max_participants: int,
    *,
    role: str = "member",
    sources: tuple[str, ...] | None = None,
) -> str:
    """An access token to join `room` only, with what a participant needs and nothing more:
    join, publish `sources` (default: its camera, microphone and screen), subscribe, send
    data, and set its own attributes (La Suite Meet's raised hand is the `handRaisedAt`
    attribute). `role` is La Suite Meet's `room_role` attribute; "owner" and "admin" also get
    room admin, as La Suite Meet grants them. No room creation beyond this room's
    configuration, no hidden or recorder role."""
    grants = api.VideoGrants(
        room=room,
        room_join=True,
        room_admin=True if role in ("owner", "admin") else None,
        can_publish=True,
        can_publish_sources=list(front.sources if sources is None else sources),
        can_subscribe=True,
        can_publish_data=True,
        can_update_own_metadata=True,
    )
    # Should LiveKit drop the room between our CreateRoom and the join, the room it creates
    # again from the token has the same limits.
    config = RoomConfiguration(
        name=room,
        max_participants=max_participants,
        empty_timeout=front.empty_timeout,
        departure_timeout=front.departure_timeout,
    )
    return (
        api.AccessToken(front.keys.api_key, front.keys.api_secret)
        .with_identity(identity)
        .with_name(name)
        .with_grants(grants)
        .with_attributes(
            {
                "color": participant_color(identity),
                "is_authenticated": "false",
                "room_role": role,
            }
        )
        .with_room_config(config)
        .with_ttl(front.token_ttl)
        .to_jwt()
    )


def room_claims(front: LiveKitFront, token: str, room: str) -> Claims | None:
    """The claims of `token` if it is a valid token of ours for `room` with an identity."""
    try:
        claims = api.TokenVerifier(front.keys.api_key, front.keys.api_secret).verify(token)
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    video = claims.video
    if video is None or video.room != room or not claims.identity:
        return None
    return claims


def admin_identity(front: LiveKitFront, token: str, room: str) -> str | None:
    """The identity in `token` if it is a valid token of ours with room_admin for `room`."""
    claims = room_claims(front, token, room)
    if claims is None or claims.video is None or not claims.video.room_admin:
        return None
    return claims.identity


class LiveKitRooms:
    """LiveKit's room service as the front uses it; one HTTP session, opened on the loop."""

    def __init__(self, front: LiveKitFront, max_participants: int) -> None:
        self.front = front
        self.max_participants = max_participants
        self._api: api.LiveKitAPI | None = None

    def _service(self) -> api.LiveKitAPI:
        if self._api is None:
            timeout = aiohttp.ClientTimeout(total=_SERVICE_TIMEOUT_SECONDS)
            self._api = api.LiveKitAPI(
                self.front.api_url or self.front.url,
                self.front.keys.api_key,
                self.front.keys.api_secret,
                timeout=timeout,
                failover=False,
            )
        return self._api

    async def close(self) -> None:
        if self._api is not None:
            await self._api.aclose()
            self._api = None

    async def ensure_room(self, room: str) -> api.Room:
        """Create `room` with our limits, or find it; RoomFull when no one else fits."""
        request = api.CreateRoomRequest(
            name=room,
            max_participants=self.max_participants,
            empty_timeout=self.front.empty_timeout,
            departure_timeout=self.front.departure_timeout,
        )
        found = await self._call(self._service().room.create_room(request), room)
        # The room's own count lags behind joins (LiveKit updates it now and then): count.
        limit = found.max_participants or self.max_participants
        if len(await self.participants(room)) >= limit:
            raise RoomFull(room, limit)
        return found

    async def participants(self, room: str) -> list[api.ParticipantInfo]:
        request = api.ListParticipantsRequest(room=room)
        answer = await self._call(self._service().room.list_participants(request), room)
        return list(answer.participants)

    async def remove_participant(self, room: str, identity: str) -> None:
        """Remove `identity` from `room` (moderation); ParticipantNotFound if not there.

        LiveKit closes the participant's connection with reason PARTICIPANT_REMOVED; its
        token still lets it join again until it expires, at most `token_ttl` later.
        """
        request = api.RoomParticipantIdentity(room=room, identity=identity)
        try:
            await self._call(self._service().room.remove_participant(request), room)
        except RoomServiceError as exc:
            if exc.status == 404:
                raise ParticipantNotFound(room, identity) from None
            raise

    async def participant(self, room: str, identity: str) -> api.ParticipantInfo:
        """One participant; ParticipantNotFound if not in `room`."""
        request = api.RoomParticipantIdentity(room=room, identity=identity)
        try:
            return await self._call(self._service().room.get_participant(request), room)
        except RoomServiceError as exc:
            if exc.status == 404:
                raise ParticipantNotFound(room, identity) from None
            raise

    async def mute_track(self, room: str, identity: str, track_sid: str) -> None:
        request = api.MuteRoomTrackRequest(
            room=room, identity=identity, track_sid=track_sid, muted=True
        )
        await self._call(self._service().room.mute_published_track(request), room)

    async def update_participant(
        self,
        room: str,
        identity: str,
        attributes: dict[str, str] | None = None,
        permission: api.ParticipantPermission | None = None,
    ) -> None:
        request = api.UpdateParticipantRequest(room=room, identity=identity)
        if attributes:
            request.attributes.update(attributes)
        if permission is not None:
            request.permission.CopyFrom(permission)
        await self._call(self._service().room.update_participant(request), room)

    async def set_metadata(self, room: str, metadata: str) -> None:
        request = api.UpdateRoomMetadataRequest(room=room, metadata=metadata)
        await self._call(self._service().room.update_room_metadata(request), room)

    async def send_data(self, room: str, payload: bytes, topic: str | None = None) -> None:
        """A reliable data packet to everyone in `room`, from the server."""
        request = api.SendDataRequest(
            room=room,
            data=payload,
            kind=api.DataPacket.Kind.RELIABLE,
            topic=topic,
            nonce=uuid.uuid4().bytes,
        )
        await self._call(self._service().room.send_data(request), room)

    async def delete_room(self, room: str) -> None:
        """Close `room`: LiveKit disconnects everyone in it (reason ROOM_DELETED)."""
        request = api.DeleteRoomRequest(room=room)
        await self._call(self._service().room.delete_room(request), room)

    @staticmethod
    async def _call(call: Awaitable[_T], room: str) -> _T:
        try:
            return await call
        except api.TwirpError as exc:
            if exc.code == api.TwirpErrorCode.NOT_FOUND:
                raise RoomServiceError(f"LiveKit knows no such thing in {room}", 404) from None
            log.warning("LiveKit's room service refused a call for %s: %s", room, exc.message)
            if exc.status == 401:
                raise RoomServiceError("the LiveKit server refuses this server's API key") from None
            raise RoomServiceError("the LiveKit server refused the request") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("LiveKit's room service is unreachable: %s", type(exc).__name__)
            raise RoomServiceError("the LiveKit server is unreachable", 503) from None
