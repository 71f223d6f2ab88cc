"""Creating a meeting on a server: `POST /api/v1.0/rooms/`, which answers the new room's slug
and its host secret. Whoever holds the secret joins as host (`core.roles`); the caller keeps it
in the keyring (`core.secrets`), never anywhere else.

Our server (mesh or in front of LiveKit) creates rooms for anyone who can reach it, at the
access level asked for or its own default. A La Suite Meet server creates rooms only for users
signed in to its web app, which this client cannot do: that is a clear refusal here.
"""

from __future__ import annotations

import dataclasses
import json
import ssl
from dataclasses import dataclass

from visio_desktop.core.errors import LinkError, ServerRejectedError, ServerUnreachableError
from visio_desktop.core.links import MeetingLink, normalise_room, parse_link
from visio_desktop.core.policy import Policy
from visio_desktop.core.protocol import SECRET_MAX, ErrorCode
from visio_desktop.core.roles import Access
from visio_desktop.signaling.web import policy_tls, request

ROOMS_PATH = "/api/v1.0/rooms/"
_PLACEHOLDER = "aaa-aaaa-aaa"  # a room for parse_link, which checks the server part too


@dataclass(frozen=True)
class CreatedMeeting:
    link: MeetingLink
    access: Access
    host_secret: str


async def create_meeting(
    server: str,
    access: Access | None = None,
    *,
    policy: Policy | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> CreatedMeeting:
    """A new meeting on `server` (a link without its room: ``https://host`` or
    ``visio://host:port``). `access` None: the server's default level."""
    try:
        base = parse_link(f"{server.rstrip('/')}/{_PLACEHOLDER}")
    except LinkError as exc:
        raise ServerRejectedError(
            ErrorCode.BAD_ROOM, f"not a server address: {exc.message}"
        ) from None
    tls = ssl_context
    url = f"{base.server_base_url}{ROOMS_PATH}"
    body = {} if access is None else {"access": access.value}

    def context() -> ssl.SSLContext:
        return tls or policy_tls(policy or Policy())

    response = await request("POST", url, context, host=base.host, json=body)
    if response.status_code in (401, 403, 404, 405):
        raise ServerRejectedError(
            ErrorCode.FORBIDDEN,
            f"{base.host} does not create meetings for this application "
            f"(HTTP {response.status_code}); create it from the server's web app and open "
            "its link here.",
        )
    if response.status_code not in (200, 201):
        raise ServerUnreachableError(
            f"{base.host} could not create a meeting (HTTP {response.status_code})"
        )
    return _created(base, response.content)


def _created(base: MeetingLink, content: bytes) -> CreatedMeeting:
    try:
        data = json.loads(content)
        slug = normalise_room(str(data["slug"]))
        secret = data["host_secret"]
        access = Access(data["access"])
        if not isinstance(secret, str) or not 16 <= len(secret) <= SECRET_MAX:
            raise ValueError("no usable host secret")
    except (ValueError, KeyError, TypeError, RecursionError, LinkError) as exc:
        raise ServerUnreachableError(
            f"{base.host} answered the new meeting unreadably ({type(exc).__name__})"
        ) from None
    return CreatedMeeting(dataclasses.replace(base, room=slug), access, secret)
