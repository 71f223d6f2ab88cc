"""A real meeting server on 127.0.0.1 in the test's loop, a raw protocol client for it, and TLS."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import ClientConnection, connect

from visio_desktop.core import wire
from visio_desktop.core.protocol import (
    PROTOCOL_VERSION,
    Hello,
    Join,
    Joined,
    Message,
    ParticipantJoined,
    Welcome,
)
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import RunningServer, start_server
from visio_desktop.server.state import ServerConfig

M = TypeVar("M", bound=Message)
ROOM = "abc-defg-hij"
WAIT = 10.0


class RawClient:
    """Speaks the protocol frame by frame, so tests can also send what a real client never would."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.participant_id = ""

    async def send(self, message: Message | str | bytes) -> None:
        await self.ws.send(wire.encode(message) if isinstance(message, Message) else message)

    async def recv(self) -> Message:
        frame = await asyncio.wait_for(self.ws.recv(), WAIT)
        return wire.decode(frame)

    async def expect(self, kind: type[M]) -> M:
        message = await self.recv()
        assert isinstance(message, kind), f"expected {kind.TYPE}, got {message}"
        return message

    async def hello(self) -> Welcome:
        await self.send(Hello(protocol=PROTOCOL_VERSION, client="test"))
        welcome = await self.expect(Welcome)
        self.participant_id = welcome.participant_id
        return welcome

    async def join(self, name: str, room: str = ROOM) -> Joined:
        await self.hello()
        await self.send(Join(room=room, display_name=name))
        return await self.expect(Joined)

    async def knock(self, name: str, room: str = ROOM, **fields: str) -> Message:
        """Hello, then a join with `fields` (host_secret, ticket): the server's first answer."""
        await self.hello()
        await self.send(Join(room=room, display_name=name, **fields))  # type: ignore[arg-type]
        return await self.recv()

    async def closed_code(self) -> int | None:
        await asyncio.wait_for(self.ws.wait_closed(), WAIT)
        return self.ws.close_code


Connect = Callable[[], Awaitable[RawClient]]
ServeApp = Callable[[web.Application], Awaitable[int]]


async def create_meeting(server: RunningServer, access: str | None = None) -> tuple[str, str]:
    """A meeting made through ``POST /api/v1.0/rooms/``: its slug and host secret."""
    body = {} if access is None else {"access": access}
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        answer = await http.post("/api/v1.0/rooms/", json=body)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    return data["slug"], data["host_secret"]


async def three_in_room(client: Connect) -> tuple[RawClient, RawClient, RawClient]:
    """Alice, Bob and Carol joined in that order, each past the news of the later ones."""
    a, b, c = await client(), await client(), await client()
    await a.join("Alice")
    await b.join("Bob")
    await c.join("Carol")
    await a.expect(ParticipantJoined)
    await a.expect(ParticipantJoined)
    await b.expect(ParticipantJoined)
    return a, b, c


@pytest.fixture
def limits() -> Limits:
    return Limits(max_participants=3)


@pytest.fixture
def config(limits: Limits) -> ServerConfig:
    return ServerConfig(host="127.0.0.1", port=0, limits=limits)


@pytest.fixture
async def server(config: ServerConfig) -> AsyncIterator[RunningServer]:
    running = await start_server(config)
    yield running
    await running.stop()


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[Connect]:
    opened: list[ClientConnection] = []

    async def open_client() -> RawClient:
        # No compression: tests that fill buffers need bytes on the wire to be what they send.
        ws = await connect(f"ws://127.0.0.1:{server.port}/ws", max_size=2**20, compression=None)
        opened.append(ws)
        return RawClient(ws)

    yield open_client
    for ws in opened:
        await ws.close()


def write_self_signed(
    folder: Path,
    names: list[x509.GeneralName] | None = None,
    valid: tuple[datetime.timedelta, datetime.timedelta] | None = None,
) -> tuple[Path, Path]:
    """A self-signed CA certificate and its key, written into `folder`: for `names` (default
    127.0.0.1), valid from now + valid[0] to now + valid[1] (default: a day, from 5 min ago)."""
    names = names or [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    start, end = valid or (datetime.timedelta(minutes=-5), datetime.timedelta(days=1))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "visio-desktop test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + start)
        .not_valid_after(now + end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Path]]:
    cert, key = write_self_signed(tmp_path)
    config = ServerConfig(host="127.0.0.1", port=0, tls_cert=str(cert), tls_key=str(key))
    running = await start_server(config)
    yield running, cert
    await running.stop()


@pytest.fixture
async def serve_app() -> AsyncIterator[ServeApp]:
    """Serves stand-in aiohttp servers on 127.0.0.1, each on a port of its own, until the test
    ends; serving one gives its port."""
    runners: list[web.AppRunner] = []

    async def serve(app: web.Application) -> int:
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    yield serve
    for runner in runners:
        await runner.cleanup()
