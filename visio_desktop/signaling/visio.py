"""Client side of our own meeting server: discovery over HTTPS, then the WebSocket protocol.

Under the system policy (`core.policy`): TLS trusts the OS store plus the policy's CA bundle,
with no way to ignore a certificate error, and every address the server hands over (the
WebSocket, TURN/STUN servers in discovery and in the welcome) is held to the link rules of
`core.link_policy`, so that a server cannot send the client to another host.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
from typing import TypeVar

import httpx
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
    Unreachable,
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
    Message,
    ServerShutdown,
    Welcome,
)
from visio_desktop.core.tls import client_ssl_context
from visio_desktop.signaling.base import Admission, JoinRequest

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
_TRANSPORT_MAX_BYTES = 1024 * 1024
_PING_INTERVAL = 5.0
_PING_TIMEOUT = 10.0
_M = TypeVar("_M", bound=Message)
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
            self._ssl = _policy_tls(self.policy)
        return self._ssl

    async def discover(self) -> Discovery:
        url = f"{self.link.server_base_url}/.well-known/visio"
        verify: ssl.SSLContext | bool = self._tls() if url.startswith("https:") else False
        try:
            async with httpx.AsyncClient(
                verify=verify, timeout=CONNECT_TIMEOUT, follow_redirects=False, trust_env=False
            ) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            reason, text = _reason(exc)
            raise ServerUnreachableError(
                f"could not reach the meeting server {self.link.host}: {text}", reason
            ) from None
        if response.status_code != 200:
            raise ServerUnreachableError(
                f"{self.link.host} is not a meeting server (HTTP {response.status_code})"
            )
        try:
            document = wire.decode_object(Discovery, json.loads(response.content), "discovery")
        except (ValueError, ProtocolError) as exc:
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
            reason, text = _reason(exc)
            raise ServerUnreachableError(
                f"could not open the meeting connection to {self.link.host}: {text}", reason
            ) from None
        try:
            await self.send(Hello(protocol=PROTOCOL_VERSION, client=f"visio-desktop {__version__}"))
            welcome = await self._expect(Welcome)
            self._check_addresses(None, welcome.ice_servers)
            await self.send(
                Join(
                    room=self.link.room,
                    display_name=request.display_name,
                    audio=request.audio,
                    video=request.video,
                )
            )
            joined = await self._expect(Joined)
        except BaseException:
            await self.close()
            raise
        return Admission(discovery, welcome, joined)

    async def _expect(self, kind: type[_M]) -> _M:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            while True:
                message = await self.receive()
                if isinstance(message, kind):
                    return message
                if isinstance(message, Error):
                    raise ServerRejectedError(message.code, message.message)
                if isinstance(message, ServerShutdown):
                    raise ConnectionLostError(message.reason)

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

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await ws.send(wire.encode(Leave()))
        await ws.close()


def _policy_tls(policy: Policy) -> ssl.SSLContext:
    """The OS trust store plus the policy's CA bundle; a bundle that cannot be loaded any more
    adds no trust (logged), as the policy's safest reading says."""
    try:
        return client_ssl_context(policy.extra_ca_bundle or None)
    except (OSError, ssl.SSLError) as exc:
        log.warning("the policy's CA bundle %s is not usable: %s", policy.extra_ca_bundle, exc)
        return client_ssl_context()


# OpenSSL's X509_V_ERR_* codes, as ssl.SSLCertVerificationError.verify_code carries them.
_UNTRUSTED_CODES = frozenset({18, 19, 20, 21})  # self-signed, unknown issuer, no signature
_WRONG_NAME_CODES = frozenset({62, 64})  # host name mismatch, IP address mismatch
_EXPIRED_CODES = frozenset({10})  # certificate has expired
_CERTIFICATE_TEXT = {
    Unreachable.UNTRUSTED_CERTIFICATE: "its certificate is not trusted by this computer",
    Unreachable.WRONG_HOST_NAME: "its certificate is for another name",
    Unreachable.EXPIRED_CERTIFICATE: "its certificate has expired",
}


def _certificate_reason(error: ssl.SSLCertVerificationError | None) -> Unreachable:
    """Which certificate problem; an unknown code counts as untrusted."""
    code = getattr(error, "verify_code", None)
    if code in _WRONG_NAME_CODES:
        return Unreachable.WRONG_HOST_NAME
    if code in _EXPIRED_CODES:
        return Unreachable.EXPIRED_CERTIFICATE
    return Unreachable.UNTRUSTED_CERTIFICATE


def _reason(exc: BaseException) -> tuple[Unreachable, str]:
    """Why a connection failed, and a short user-readable cause (through wrapped causes)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    # The ssl error itself carries the verify code; the wrappers (httpx, httpcore) only its text.
    verify = next((c for c in chain if isinstance(c, ssl.SSLCertVerificationError)), None)
    for cause in chain:
        if verify is not None or "CERTIFICATE_VERIFY" in str(cause):
            reason = _certificate_reason(verify)
            return reason, _CERTIFICATE_TEXT[reason]
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
            return Unreachable.REFUSED, "connection refused (is the server running?)"
        if isinstance(cause, socket.gaierror):
            return Unreachable.UNKNOWN_HOST, "unknown host name"
        if isinstance(cause, TimeoutError | httpx.TimeoutException):
            return Unreachable.TIMEOUT, "no answer in time"
    return Unreachable.OTHER, str(exc).strip() or type(exc).__name__
