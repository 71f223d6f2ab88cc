"""The meeting client under a system policy, against servers on 127.0.0.1: the addresses a
server hands over (WebSocket, TURN/STUN in discovery and in the welcome) may only name the
link's host or a host the policy names, and TLS trusts the policy's CA bundle, never an
untrusted certificate."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from tests.server.conftest import ServeApp, write_self_signed
from visio_desktop.core import wire
from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError
from visio_desktop.core.link_policy import check_server_supplied_url
from visio_desktop.core.links import parse_link
from visio_desktop.core.policy import Policy, load_policy
from visio_desktop.core.protocol import PROTOCOL_VERSION, IceServer, Welcome
from visio_desktop.core.tls import client_ssl_context
from visio_desktop.server.runner import RunningServer
from visio_desktop.signaling.base import JoinRequest
from visio_desktop.signaling.visio import VisioSignaling

ROOM = "abc-defg-hij"
GOV = Policy(allowed_servers=("*.gouv.fr",))
Start = Callable[[dict[str, object], Welcome | None], Awaitable[int]]


def document(websocket: str, *ice_urls: str) -> dict[str, object]:
    return {
        "protocol": PROTOCOL_VERSION,
        "websocket": websocket,
        "ice_servers": [{"urls": list(ice_urls), "username": "", "credential": ""}]
        if ice_urls
        else [],
        "media_planes": ["mesh"],
        "features": [],
        "max_participants": 4,
    }


@pytest.fixture
def fake_server(serve_app: ServeApp) -> Start:
    """A server whose discovery document is given (`{port}` stands for its port) and whose
    WebSocket answers any hello with the given welcome."""

    async def start(discovery: dict[str, object], welcome: Welcome | None) -> int:
        port = 0

        async def discover(request: web.Request) -> web.Response:
            websocket = str(discovery["websocket"]).replace("{port}", str(port))
            return web.json_response({**discovery, "websocket": websocket})

        async def socket(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for message in ws:
                if message.type is WSMsgType.TEXT and welcome is not None:
                    await ws.send_str(wire.encode(welcome))
            return ws

        app = web.Application()
        app.router.add_get("/.well-known/visio", discover)
        app.router.add_get("/ws", socket)
        port = await serve_app(app)
        return port

    return start


def signaling(port: int, policy: Policy | None = None) -> VisioSignaling:
    return VisioSignaling(parse_link(f"http://127.0.0.1:{port}/{ROOM}"), policy=policy)


async def test_the_websocket_may_be_on_a_host_the_policy_names(fake_server: Start) -> None:
    port = await fake_server(document("wss://media.gouv.fr/ws"), None)
    with pytest.raises(ServerRejectedError, match=r"another host \(media.gouv.fr\)"):
        await signaling(port).discover()
    discovery = await signaling(port, GOV).discover()  # only checked: never connected to here
    assert discovery.websocket == "wss://media.gouv.fr/ws"


@pytest.mark.parametrize(
    "websocket", ["https://127.0.0.1:{port}/ws", "turn:127.0.0.1:3478", "wss://evil.fr/ws"]
)
async def test_the_websocket_must_be_a_websocket_on_an_allowed_host(
    fake_server: Start, websocket: str
) -> None:
    port = await fake_server(document(websocket), None)
    with pytest.raises(ServerRejectedError, match="unsafe meeting address") as caught:
        await signaling(port, GOV).discover()
    assert caught.value.code == "bad_redirect"


@pytest.mark.parametrize(
    ("url", "allowed_by_gov"),
    [
        ("turn:turn.gouv.fr:3478?transport=udp", True),
        ("turns:turn.gouv.fr:5349", True),
        ("stun:stun.gouv.fr", True),
        ("turn:turn.evil.fr:3478", False),
        ("stun:stun.l.google.com:19302", False),
        ("turn:user@turn.gouv.fr:3478", False),
        ("https://turn.gouv.fr/", False),  # not a TURN/STUN address
        ("wss://127.0.0.1/ws", False),
    ],
)
async def test_ice_servers_in_discovery_follow_the_same_rules(
    fake_server: Start, url: str, allowed_by_gov: bool
) -> None:
    port = await fake_server(document("ws://127.0.0.1:{port}/ws", url), None)
    with pytest.raises(ServerRejectedError, match="unsafe meeting address"):
        await signaling(port).discover()  # no policy: only the link's own host
    if allowed_by_gov:
        await signaling(port, GOV).discover()
    else:
        with pytest.raises(ServerRejectedError, match="unsafe meeting address"):
            await signaling(port, GOV).discover()


async def test_the_welcome_cannot_name_another_relay(fake_server: Start) -> None:
    welcome = Welcome(
        protocol=PROTOCOL_VERSION,
        participant_id="p1",
        ice_servers=(IceServer(urls=("turn:relay.evil.fr:3478",)),),
    )
    port = await fake_server(document("ws://127.0.0.1:{port}/ws"), welcome)
    backend = signaling(port, GOV)
    with pytest.raises(ServerRejectedError, match=r"another host \(relay.evil.fr\)"):
        await backend.join(JoinRequest("Alice", audio=False, video=False))
    assert backend._ws is None  # the connection was closed


async def test_the_policy_ca_is_trusted_for_discovery_and_websocket(
    tls_server: tuple[RunningServer, Path], tmp_path: Path
) -> None:
    server, cert = tls_server
    link = parse_link(f"https://127.0.0.1:{server.port}/{ROOM}")
    request = JoinRequest("Alice", audio=False, video=False)
    with pytest.raises(ServerUnreachableError, match="certificate is not trusted"):
        await VisioSignaling(link).join(request)
    missing = Policy(extra_ca_bundle=str(tmp_path / "gone.pem"))  # removed since it was read
    with pytest.raises(ServerUnreachableError, match="certificate is not trusted"):
        await VisioSignaling(link, policy=missing).join(request)

    backend = VisioSignaling(link, policy=Policy(extra_ca_bundle=str(cert)))
    admission = await backend.join(request)
    assert admission.discovery.websocket.startswith("wss://127.0.0.1:")
    await backend.close()


def policy_file(folder: Path, ca: Path) -> Path:
    path = folder / "policy.toml"
    path.write_text(f'extra_ca_bundle = "{ca}"\n')
    return path


async def test_an_untrusted_ca_is_refused_until_the_policy_trusts_it(
    tls_server: tuple[RunningServer, Path], tmp_path: Path
) -> None:
    server, cert = tls_server
    link = parse_link(f"https://127.0.0.1:{server.port}/{ROOM}")
    without, _ = load_policy(tmp_path / "absent.toml")
    with pytest.raises(ServerUnreachableError, match="certificate is not trusted"):
        await VisioSignaling(link, client_ssl_context(without.extra_ca_bundle or None)).discover()

    (tmp_path / "other").mkdir()
    other_ca, _ = write_self_signed(tmp_path / "other")
    wrong, _ = load_policy(policy_file(tmp_path, other_ca))
    with pytest.raises(ServerUnreachableError, match="certificate is not trusted"):
        await VisioSignaling(link, client_ssl_context(wrong.extra_ca_bundle)).discover()

    trusted, problems = load_policy(policy_file(tmp_path, cert))
    assert problems == [] and trusted.extra_ca_bundle == str(cert)
    context = client_ssl_context(trusted.extra_ca_bundle)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    discovery = await VisioSignaling(link, context).discover()
    check_server_supplied_url(discovery.websocket, link, trusted)
