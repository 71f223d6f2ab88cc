"""Client side of our own meeting server: discovery over HTTPS, then the WebSocket protocol.

Under the system policy (`core.policy`): TLS trusts the OS store plus the policy's CA bundle,
with no way to ignore a certificate error, and every address the server hands over (the
WebSocket, TURN/STUN servers in discovery and in the welcome) is held to the link rules of
`core.link_policy`, so that a server cannot send the client to another host.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import ssl

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from visio_desktop import __version__
from visio_desktop.core import wire
from visio_desktop.core.errors import (
    ConnectionLostError,
    LinkError,
    ProtocolError,
    ServerRejectedError,
    ServerUnreachableError,
)
from visio_desktop.core.link_policy import check_server_supplied_url
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.policy import Policy
from visio_desktop.core.protocol import (
    PROTOCOL_VERSION,
    Discovery,
    Error,
    ErrorCode,
    Hello,
    IceServer,
    Join,
    Joined,
    Leave,
    MeetingEnded,
    Message,
    ServerShutdown,
    Waiting,
    Welcome,
)
from visio_desktop.signaling.base import Admission, JoinRequest
from visio_desktop.signaling.web import CONNECT_TIMEOUT, policy_tls, request, unreachable_reason

log = logging.getLogger(__name__)

_TRANSPORT_MAX_BYTES = 1024 * 1024
_PING_INTERVAL = 5.0
_PING_TIMEOUT = 10.0
_ICE_SCHEMES = {"turn", "turns", "stun", "stuns"}


class VisioSignaling:
    """A `MeetingBackend` for `visio-desktop serve` servers. `policy` (default: none) adds its
    CA bundle to the trusted ones and names the other hosts a server may send the client to;
    `ssl_context`, when given, replaces the policy's TLS context."""

    def __init__(
        self,
        link: MeetingLink,
        ssl_context: ssl.SSLContext | None = None,
        *,
        policy: Policy | None = None,
    ) -> None:
        self.link = link
        self.policy = policy or Policy()
        self._ssl = ssl_context
        self._ws: ClientConnection | None = None

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = policy_tls(self.policy)
        return self._ssl

    async def discover(self) -> Discovery:
        url = f"{self.link.server_base_url}/.well-known/visio"
        response = await request("GET", url, self._tls, host=self.link.host)
        if response.status_code != 200:
            raise ServerUnreachableError(
                f"{self.link.host} is not a meeting server (HTTP {response.status_code})"
            )
        try:
            document = wire.decode_object(Discovery, json.loads(response.content), "discovery")
        except (ValueError, RecursionError, ProtocolError) as exc:
            raise ServerUnreachableError(
                f"{self.link.host} answered with an unreadable discovery document ({exc})"
            ) from None
        if document.protocol != PROTOCOL_VERSION:
            raise ServerRejectedError(
                ErrorCode.BAD_VERSION,
                f"{self.link.host} speaks protocol {document.protocol}, "
                f"this application {PROTOCOL_VERSION}; update the application",
            )
        self._check_addresses(document.websocket, document.ice_servers)
        return document

    def _check_addresses(self, websocket: str | None, ice_servers: tuple[IceServer, ...]) -> None:
        """Refuse (`ServerRejectedError` BAD_REDIRECT) a WebSocket or TURN/STUN address that
        the link and the policy do not allow; `websocket` None: ICE servers only."""
        checks: list[tuple[str, set[str]]] = []
        if websocket is not None:
            checks.append((websocket, {"ws", "wss"} if self.link.is_loopback else {"wss"}))
        checks += [(url, _ICE_SCHEMES) for server in ice_servers for url in server.urls]
        try:
            for url, schemes in checks:
                check_server_supplied_url(url, self.link, self.policy)
                scheme = url.partition(":")[0].lower()
                if scheme not in schemes:
                    raise LinkError(f"a “{scheme[:20]}:” address is not valid here.")
        except LinkError as exc:
            raise ServerRejectedError(
                ErrorCode.BAD_REDIRECT, f"the server sent an unsafe meeting address: {exc.message}"
            ) from None

    async def join(self, request: JoinRequest) -> Admission:
        discovery = await self.discover()
        url = discovery.websocket
        try:
            self._ws = await connect(
                url,
                ssl=self._tls() if url.startswith("wss:") else None,
                open_timeout=CONNECT_TIMEOUT,
                max_size=_TRANSPORT_MAX_BYTES,
                ping_interval=_PING_INTERVAL,
                ping_timeout=_PING_TIMEOUT,
                user_agent_header=f"visio-desktop/{__version__}",
                proxy=None,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            reason, text = unreachable_reason(exc)
            raise ServerUnreachableError(
                f"could not open the meeting connection to {self.link.host}: {text}", reason
            ) from None
        try:
            await self.send(Hello(protocol=PROTOCOL_VERSION, client=f"visio-desktop {__version__}"))
            welcome = await self._expect(Welcome)
            assert isinstance(welcome, Welcome)
            self._check_addresses(None, welcome.ice_servers)
            await self.send(
                Join(
                    room=self.link.room,
                    display_name=request.display_name,
                    audio=request.audio,
                    video=request.video,
                    host_secret=request.host_secret,
                    ticket=request.ticket,
                )
            )
            joined = await self._admitted(request)
        except BaseException:
            await self.close()
            raise
        return Admission(discovery, welcome, joined)

    async def _admitted(self, request: JoinRequest) -> Joined:
        """Joined, at once or after the lobby: waiting for a host has no deadline (the
        server drops our entry if we go), only the server's answer to the join has."""
        answer = await self._expect(Joined, Waiting)
        if isinstance(answer, Joined):
            return answer
        assert isinstance(answer, Waiting)
        request.waiting(answer)
        joined = await self._expect(Joined, within=None)
        assert isinstance(joined, Joined)
        return joined

    async def _expect(
        self, *kinds: type[Message], within: float | None = CONNECT_TIMEOUT
    ) -> Message:
        async with asyncio.timeout(within):
            while True:
                message = await self.receive()
                if isinstance(message, kinds):
                    return message
                if isinstance(message, Error):
                    raise ServerRejectedError(message.code, message.message)
                if isinstance(message, ServerShutdown):
                    raise ConnectionLostError(message.reason)
                if isinstance(message, MeetingEnded):
                    raise ServerRejectedError(ErrorCode.ENDED, _ended(message.by_name))

    async def send(self, message: Message) -> None:
        if self._ws is None:
            raise ConnectionLostError("not connected to the meeting server")
        try:
            await self._ws.send(wire.encode(message))
        except ConnectionClosed:
            raise ConnectionLostError("the connection to the meeting server was lost") from None

    async def receive(self) -> Message:
        if self._ws is None:
            raise ConnectionLostError("not connected to the meeting server")
        while True:
            try:
                frame = await self._ws.recv()
            except ConnectionClosed:
                raise ConnectionLostError("the connection to the meeting server was lost") from None
            try:
                return wire.decode(frame)
            except ProtocolError as exc:
                log.warning("ignoring a malformed frame from the server: %s", exc)

    def addresses_changed(self, addresses: frozenset[str]) -> bool:
        """`signaling.base.FollowsAddresses`: a socket whose own address is gone is dead (the
        server's packets cannot reach it; it would only be noticed at the ping timeout), so
        it is dropped now and the meeting rejoins over the new network."""
        ws = self._ws
        local = ws.local_address if ws is not None else None
        if ws is None or not local:
            return False
        host = str(local[0])
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # an IPv4 connection on a dual-stack socket
            host = str(address)
        # ICE gathers neither loopback nor link-local addresses: those are not in the set.
        if address.is_loopback or address.is_link_local or host in addresses:
            return False
        log.info("the meeting connection's address is gone; reconnecting")
        ws.transport.abort()  # receive() then raises ConnectionLostError
        return True

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await ws.send(wire.encode(Leave()))
        await ws.close()


def _ended(by_name: str) -> str:
    return f"{by_name} ended the meeting" if by_name else "the meeting has ended"
