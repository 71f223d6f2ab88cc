"""``POST /api/v1.0/rooms/``: make a meeting on our mesh server, and be its host.

The body is optional JSON, ``{"access": "open" | "lobby" | "locked"}`` (default: the server's
``--default-access``); the answer, 201, is ``{"slug", "access", "host_secret"}``. The host
secret is shown this once: the server keeps only its hash (`server.meetings`). Errors are JSON
``{"detail": …}``, as the rest of the REST API writes them. A front to LiveKit makes it in its
store (`server.front_store`), a mesh server in its own `MeetingBook`.

The body must arrive whole within the handshake deadline (`server.gate`), as a request's
headers must: the request is admitted only once it has been read.
"""

from __future__ import annotations

import json

from aiohttp import web

from visio_desktop.core.roles import Access
from visio_desktop.server.front_store import FrontStore, StoreFull, StoreUnavailable
from visio_desktop.server.state import ServerState

CREATE_PATH = "/api/v1.0/rooms/"
BODY_MAX_BYTES = 4096


def _error(status: int, detail: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


async def create_meeting(
    request: web.Request, state: ServerState, store: FrontStore
) -> web.Response:
    """Make a meeting in `store` (see the module's docstring)."""
    if (request.content_length or 0) > BODY_MAX_BYTES:
        state.gate.admit(request.transport)
        return _error(413, f"the request body is larger than {BODY_MAX_BYTES} bytes")
    body = await request.content.read(BODY_MAX_BYTES + 1)
    state.gate.admit(request.transport)
    if len(body) > BODY_MAX_BYTES:
        return _error(413, f"the request body is larger than {BODY_MAX_BYTES} bytes")
    access = state.config.default_access
    if body.strip():
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body must be JSON")
        if not isinstance(document, dict) or set(document) - {"access"}:
            return _error(400, 'the body must be {"access": "open" | "lobby" | "locked"}')
        if "access" in document:
            try:
                access = Access(document["access"])
            except ValueError:
                return _error(400, "access must be one of open, lobby, locked")
    try:
        record, secret = await store.create(access)
    except (StoreFull, StoreUnavailable) as exc:
        return _error(503, exc.message)
    return web.json_response(
        {"slug": record.slug, "access": str(record.state.access), "host_secret": secret},
        status=201,
    )
