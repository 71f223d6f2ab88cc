"""TLS: `serve --tls-cert/--tls-key` serves https and wss; clients verify through the OS trust
store and refuse a certificate it does not trust, with no way around it but trusting the CA.
A refusal says why (`ServerUnreachableError.reason`): an untrusted certificate, one made out
for another name, an expired one, or a connection refused, so the window can say it plainly."""

from __future__ import annotations

import datetime
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509

from tests.server.conftest import write_self_signed
from visio_desktop.core.errors import ServerUnreachableError, Unreachable
from visio_desktop.core.links import parse_link
from visio_desktop.core.tls import client_ssl_context
from visio_desktop.server.runner import RunningServer, start_server
from visio_desktop.server.state import ServerConfig
from visio_desktop.signaling.base import JoinRequest
from visio_desktop.signaling.visio import VisioSignaling


async def test_an_untrusted_certificate_is_refused(tls_server: tuple[RunningServer, Path]) -> None:
    server, _ = tls_server
    link = parse_link(f"https://127.0.0.1:{server.port}/abc-defg-hij")
    with pytest.raises(ServerUnreachableError, match="certificate is not trusted") as caught:
        await VisioSignaling(link).join(JoinRequest("Alice", audio=False, video=False))
    assert caught.value.reason is Unreachable.UNTRUSTED_CERTIFICATE


async def test_a_trusted_ca_gives_https_discovery_and_wss(
    tls_server: tuple[RunningServer, Path],
) -> None:
    server, cert = tls_server
    assert server.base_url.startswith("https://")
    link = parse_link(f"visio://127.0.0.1:{server.port}/abc-defg-hij")
    signaling = VisioSignaling(link, client_ssl_context(extra_ca_file=str(cert)))
    admission = await signaling.join(JoinRequest("Alice", audio=False, video=False))
    try:
        assert admission.discovery.websocket == f"wss://127.0.0.1:{server.port}/ws"
        assert [p.display_name for p in admission.joined.participants] == ["Alice"]
    finally:
        await signaling.close()


ServeWith = Callable[..., AbstractAsyncContextManager[tuple[RunningServer, Path]]]


@pytest.fixture
def serve_with(tmp_path: Path) -> ServeWith:
    """A TLS server on 127.0.0.1 whose certificate is made by `write_self_signed(**kwargs)`."""

    @asynccontextmanager
    async def serve(**kwargs: object) -> AsyncIterator[tuple[RunningServer, Path]]:
        cert, key = write_self_signed(tmp_path, **kwargs)  # type: ignore[arg-type]
        config = ServerConfig(host="127.0.0.1", port=0, tls_cert=str(cert), tls_key=str(key))
        running = await start_server(config)
        try:
            yield running, cert
        finally:
            await running.stop()

    return serve


async def _refusal(port: int, cert: Path | None) -> ServerUnreachableError:
    link = parse_link(f"https://127.0.0.1:{port}/abc-defg-hij")
    context = client_ssl_context(extra_ca_file=str(cert) if cert else None)
    with pytest.raises(ServerUnreachableError) as caught:
        await VisioSignaling(link, context).discover()
    return caught.value


async def test_a_trusted_certificate_for_another_name_is_a_wrong_host_name(
    serve_with: ServeWith,
) -> None:
    async with serve_with(names=[x509.DNSName("visio.example.fr")]) as (server, cert):
        error = await _refusal(server.port, cert)
    assert error.reason is Unreachable.WRONG_HOST_NAME
    assert "certificate is for another name" in error.message


async def test_a_trusted_but_expired_certificate_is_expired(serve_with: ServeWith) -> None:
    days = datetime.timedelta(days=1)
    async with serve_with(valid=(-10 * days, -days)) as (server, cert):
        error = await _refusal(server.port, cert)
    assert error.reason is Unreachable.EXPIRED_CERTIFICATE
    assert "certificate has expired" in error.message


async def test_a_port_nobody_listens_on_is_a_refused_connection() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, and nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await _refusal(port, None)
    assert error.reason is Unreachable.REFUSED
