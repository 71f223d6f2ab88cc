"""Client of La Suite Meet's REST API (and of our server's subset of it, `visio-desktop serve
--livekit-url`): which kind of server a link points to, and a LiveKit grant to join its room.

    found = await identify_server(link, policy=policy)
    if found.kind is ServerKind.MEET:                  # or VISIO with an "sfu" media plane
        grant = await fetch_room(link, "Alice", policy=policy)
        # connection.connect(grant.url, grant.token) -- grant.url is ws(s)://
        await set_hand(link, grant, True, policy=policy)   # the handRaisedAt attribute

Requests go through `signaling.web` as our own server's discovery does (OS trust store plus the
policy's CA bundle, no redirects, no proxy from the environment). Every LiveKit URL a server
hands out is held to `core.link_policy.check_server_supplied_url`: on the link's host, or on a
host the policy names. Failures are our errors with a sentence a user can read:
ServerUnreachableError (cannot reach it, not such a server, unreadable answers) and
ServerRejectedError (no such room, not let in, an unsafe address).
"""

from __future__ import annotations

import asyncio
import enum
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from visio_desktop.core.errors import (
    LinkError,
    ProtocolError,
    ServerRejectedError,
    ServerUnreachableError,
)
from visio_desktop.core.link_policy import check_server_supplied_url
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.meet import (
    LiveKitGrant,
    MeetConfig,
    parse_config,
    parse_entry,
    parse_room,
    websocket_url,
)
from visio_desktop.core.policy import Policy
from visio_desktop.core.protocol import Discovery, ErrorCode
from visio_desktop.signaling.visio import VisioSignaling
from visio_desktop.signaling.web import policy_tls, request

API = "/api/v1.0"
LOBBY_COOKIE = "lobbyParticipantId"  # La Suite Meet's name for who waits in its lobby
# La Suite Meet forgets a waiting entry 3 s after its last request: its web app asks every
# second, and so do we.
LOBBY_POLL_SECONDS = 1.0
HOST_SECRET_HEADER = "X-Visio-Host-Secret"  # our server's; La Suite Meet ignores it


class ServerKind(enum.Enum):
    VISIO = "visio"  # ours: /.well-known/visio (its media planes say mesh or sfu)
    MEET = "meet"  # La Suite Meet: no /.well-known/visio, but /api/v1.0/config/ answers


@dataclass(frozen=True, slots=True)
class ServerFound:
    kind: ServerKind
    discovery: Discovery | None = None  # VISIO
    config: MeetConfig | None = None  # MEET


@dataclass
class _Api:
    link: MeetingLink
    policy: Policy
    ssl_context: ssl.SSLContext | None

    def tls(self) -> ssl.SSLContext:
        if self.ssl_context is None:
            self.ssl_context = policy_tls(self.policy)
        return self.ssl_context

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: object = None,
    ) -> httpx.Response:
        url = f"{self.link.server_base_url}{path}"
        return await request(
            method, url, self.tls, host=self.link.host, params=params, headers=headers, json=body
        )

    def check_livekit_url(self, url: str) -> str:
        """`url` as a ws(s) URL, or ServerRejectedError when the link and policy forbid it."""
        try:
            check_server_supplied_url(url, self.link, self.policy)
        except LinkError as exc:
            raise ServerRejectedError(
                ErrorCode.BAD_REDIRECT, f"the server sent an unsafe media server address: {exc}"
            ) from None
        return websocket_url(url)


async def identify_server(
    link: MeetingLink, *, policy: Policy | None = None, ssl_context: ssl.SSLContext | None = None
) -> ServerFound:
    """Ours when `/.well-known/visio` answers with a JSON object (then read strictly, as
    `VisioSignaling.discover` does); La Suite Meet when it does not and `/api/v1.0/config/`
    answers with a readable configuration whose LiveKit URL is allowed. Otherwise the error
    discovery gives."""
    api = _Api(link, policy or Policy(), ssl_context)
    probe = await api.call("GET", "/.well-known/visio")
    if not _is_json_object(probe):
        config_response = await api.call("GET", f"{API}/config/")
        if config_response.status_code == 200 and _is_json_object(config_response):
            return ServerFound(ServerKind.MEET, config=_read_config(api, config_response))
    discovery = await VisioSignaling(link, api.tls(), policy=api.policy).discover()
    return ServerFound(ServerKind.VISIO, discovery=discovery)


async def fetch_config(
    link: MeetingLink, *, policy: Policy | None = None, ssl_context: ssl.SSLContext | None = None
) -> MeetConfig:
    """La Suite Meet's configuration (`GET /api/v1.0/config/`)."""
    api = _Api(link, policy or Policy(), ssl_context)
    response = await api.call("GET", f"{API}/config/")
    if response.status_code != 200:
        raise ServerUnreachableError(
            f"{link.host} is not a La Suite Meet server (HTTP {response.status_code})"
        )
    return _read_config(api, response)


async def fetch_room(
    link: MeetingLink,
    username: str,
    *,
    policy: Policy | None = None,
    ssl_context: ssl.SSLContext | None = None,
    waiting: Callable[[], None] = lambda: None,
    host_secret: str = "",
) -> LiveKitGrant:
    """The LiveKit grant to join the link's room as `username`
    (`GET /api/v1.0/rooms/<slug>/?username=`); its url is ws(s)://. A room with a lobby
    gives none at once: then we knock (`waiting()` is called once) and wait for a host.
    `host_secret`, the meeting's when we host it, goes in `X-Visio-Host-Secret` (our server
    then grants the owner's role and no lobby)."""
    api = _Api(link, policy or Policy(), ssl_context)
    headers = {HOST_SECRET_HEADER: host_secret} if host_secret else None
    response = await api.call(
        "GET",
        f"{API}/rooms/{quote(link.room, safe='')}/",
        params={"username": username},
        headers=headers,
    )
    _check_status(response, link)
    try:
        room = parse_room(_json(response))
    except ProtocolError as exc:
        raise ServerUnreachableError(
            f"{link.host} answered with an unreadable room ({exc.message})"
        ) from None
    grant = room.grant
    if grant is None:
        if room.room_id is None:
            raise ServerRejectedError(
                ErrorCode.BAD_ROOM, f"There is no meeting {link.room} on {link.host}."
            )
        grant = await _wait_in_lobby(api, room.room_id, username, waiting)
    return LiveKitGrant(api.check_livekit_url(grant.url), grant.room, grant.token)


async def _wait_in_lobby(
    api: _Api, room_id: str, username: str, waiting: Callable[[], None]
) -> LiveKitGrant:
    """La Suite Meet's lobby: `POST rooms/<id>/request-entry/ {username}`, again every
    second with the `lobbyParticipantId` cookie it set, until a host lets us in (the answer
    then carries the LiveKit grant) or does not."""
    path = f"{API}/rooms/{quote(room_id, safe='')}/request-entry/"
    cookie = ""
    announced = False
    while True:
        headers = {"Cookie": f"{LOBBY_COOKIE}={cookie}"} if cookie else None
        response = await api.call("POST", path, headers=headers, body={"username": username})
        _check_status(response, api.link)
        cookie = response.cookies.get(LOBBY_COOKIE) or cookie
        try:
            status, grant = parse_entry(_json(response))
        except ProtocolError as exc:
            raise ServerUnreachableError(
                f"{api.link.host} answered the lobby unreadably ({exc.message})"
            ) from None
        if status == "accepted" and grant is not None:
            return grant
        if status == "denied":
            raise ServerRejectedError(ErrorCode.DENIED, "The host did not let you in.")
        if not announced:
            announced = True
            waiting()
        await asyncio.sleep(LOBBY_POLL_SECONDS)  # the lobby's own pace (see above)


async def set_hand(
    link: MeetingLink,
    grant: LiveKitGrant,
    raised: bool,
    *,
    policy: Policy | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Raise or lower our hand the way La Suite Meet's web app does: its server writes the
    `handRaisedAt` attribute (`POST /api/v1.0/rooms/<room>/toggle-hand/`, authorised by the
    LiveKit token)."""
    api = _Api(link, policy or Policy(), ssl_context)
    response = await api.call(
        "POST",
        f"{API}/rooms/{quote(grant.room, safe='')}/toggle-hand/",
        headers={"Authorization": f"Bearer {grant.token}"},
        body={"raised": raised},
    )
    _check_status(response, link)


async def host_request(
    link: MeetingLink,
    grant: LiveKitGrant,
    method: str,
    action: str,
    body: object = None,
    *,
    policy: Policy | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> object:
    """A host's request on the grant's room (`rooms/<id>/<action>`: "enter/",
    "mute-participant/", "" for the room itself...), authorised by the LiveKit token; its
    JSON answer. A refusal (401, 403) is ServerRejectedError(FORBIDDEN)."""
    api = _Api(link, policy or Policy(), ssl_context)
    response = await api.call(
        method,
        f"{API}/rooms/{quote(grant.room, safe='')}/{action}",
        headers={"Authorization": f"Bearer {grant.token}"},
        body=body,
    )
    if response.status_code in (401, 403):
        detail = _detail(response) or "Only the meeting's hosts may do that."
        raise ServerRejectedError(ErrorCode.FORBIDDEN, detail)
    _check_status(response, link)
    try:
        return _json(response) if response.content else None
    except ProtocolError:
        return None


def _read_config(api: _Api, response: httpx.Response) -> MeetConfig:
    try:
        config = parse_config(_json(response))
    except ProtocolError as exc:
        raise ServerUnreachableError(
            f"{api.link.host} answered with an unreadable configuration ({exc.message})"
        ) from None
    api.check_livekit_url(config.livekit_url)
    return config


def _check_status(response: httpx.Response, link: MeetingLink) -> None:
    status = response.status_code
    if status in (200, 201, 204):
        return
    if status == 404:
        raise ServerRejectedError(
            ErrorCode.BAD_ROOM, f"There is no meeting {link.room} on {link.host}."
        )
    if status in (401, 403):
        raise ServerRejectedError(
            ErrorCode.BAD_ROOM,
            f"{link.host} does not let you into the meeting {link.room}; you may need to sign "
            "in with its web app.",
        )
    if status == 423:
        detail = _detail(response) or "This meeting is locked: nobody new can enter."
        raise ServerRejectedError(ErrorCode.LOCKED, detail)
    if status == 429:
        raise ServerRejectedError(
            ErrorCode.RATE_LIMITED, f"{link.host} is busy with too many requests; try again soon."
        )
    raise ServerUnreachableError(f"{link.host} could not answer (HTTP {status}); try again later")


def _detail(response: httpx.Response) -> str:
    """The server's `{"detail": ...}` sentence, when it is a short printable one."""
    try:
        document = _json(response)
    except ProtocolError:
        return ""
    detail = document.get("detail") if isinstance(document, dict) else None
    if isinstance(detail, str) and 0 < len(detail) <= 300 and detail.isprintable():
        return detail[:1].upper() + detail[1:]
    return ""


def _json(response: httpx.Response) -> object:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: brackets nested too deep
        raise ProtocolError("the answer is not JSON") from None


def _is_json_object(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        return isinstance(_json(response), dict)
    except ProtocolError:
        return False


__all__ = [
    "ServerFound",
    "ServerKind",
    "fetch_config",
    "fetch_room",
    "host_request",
    "identify_server",
    "set_hand",
]
