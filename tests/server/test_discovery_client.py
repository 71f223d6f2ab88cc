"""The client's discovery step against servers that misbehave, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from tests.server.conftest import ServeApp
from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError
from visio_desktop.core.links import parse_link
from visio_desktop.core.protocol import PROTOCOL_VERSION
from visio_desktop.signaling.base import JoinRequest
from visio_desktop.signaling.visio import VisioSignaling

Handler = Callable[[web.Request], Awaitable[web.Response]]
GOOD = {
    "protocol": PROTOCOL_VERSION,
    "websocket": "",
    "ice_servers": [],
    "media_planes": ["mesh"],
    "features": [],
    "max_participants": 4,
}


@pytest.fixture
def fake_server(serve_app: ServeApp) -> Callable[[Handler], Awaitable[int]]:
    """A server whose discovery endpoint is `handler`; starting it gives its port."""

    async def start(handler: Handler) -> int:
        app = web.Application()
        app.router.add_get("/.well-known/visio", handler)
        return await serve_app(app)

    return start


async def join(port: int) -> None:
    link = parse_link(f"http://127.0.0.1:{port}/abc-defg-hij")
    await VisioSignaling(link).join(JoinRequest("Alice", audio=False, video=False))


@pytest.mark.parametrize(
    "websocket",
    ["ws://evil.example/ws", "ws://127.0.0.2/ws", "ws://user@127.0.0.1/ws", "http://127.0.0.1/ws"],
)
async def test_a_server_cannot_send_the_client_to_another_host(
    fake_server: Callable[[Handler], Awaitable[int]], websocket: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({**GOOD, "websocket": websocket})

    port = await fake_server(handler)
    with pytest.raises(ServerRejectedError, match="unsafe meeting address"):
        await join(port)


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (web.Response(status=404), "not a meeting server"),
        (web.Response(text="<html>hello</html>"), "unreadable discovery"),
        (web.json_response({**GOOD, "protocol": "one"}), "unreadable discovery"),
        (web.json_response({**GOOD, "extra": 1}), "unreadable discovery"),
        (web.Response(text="[" * 100_000), "unreadable discovery"),  # too deep for json
        (web.Response(status=302, headers={"Location": "http://evil.example/"}), "HTTP 302"),
    ],
)
async def test_a_broken_discovery_document_is_a_clear_error(
    fake_server: Callable[[Handler], Awaitable[int]], response: web.Response, reason: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return response

    port = await fake_server(handler)
    with pytest.raises(ServerUnreachableError, match=reason):
        await join(port)


async def test_another_protocol_version_asks_for_an_update(
    fake_server: Callable[[Handler], Awaitable[int]],
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({**GOOD, "protocol": PROTOCOL_VERSION + 1})

    port = await fake_server(handler)
    with pytest.raises(ServerRejectedError, match="update the application"):
        await join(port)
