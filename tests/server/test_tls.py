"""TLS: `serve --tls-cert/--tls-key` serves https and wss; clients verify through the OS trust
store and refuse a certificate it does not trust, with no way around it but trusting the CA."""

from __future__ import annotations

from pathlib import Path

import pytest

from visio_desktop.core.errors import ServerUnreachableError
from visio_desktop.core.links import parse_link
from visio_desktop.core.tls import client_ssl_context
from visio_desktop.server.runner import RunningServer
from visio_desktop.signaling.base import JoinRequest
from visio_desktop.signaling.visio import VisioSignaling


async def test_an_untrusted_certificate_is_refused(tls_server: tuple[RunningServer, Path]) -> None:
    server, _ = tls_server
    link = parse_link(f"https://127.0.0.1:{server.port}/abc-defg-hij")
    with pytest.raises(ServerUnreachableError, match="certificate is not trusted"):
        await VisioSignaling(link).join(JoinRequest("Alice", audio=False, video=False))


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
