"""TLS: `serve --tls-cert/--tls-key` serves https and wss; clients verify through the OS trust
store and refuse a certificate it does not trust, with no way around it but trusting the CA."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from visio_desktop.core.errors import ServerUnreachableError
from visio_desktop.core.links import parse_link
from visio_desktop.core.tls import client_ssl_context
from visio_desktop.server.runner import RunningServer, start_server
from visio_desktop.server.state import ServerConfig
from visio_desktop.signaling.base import JoinRequest
from visio_desktop.signaling.visio import VisioSignaling


def write_self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "visio-desktop test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
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
