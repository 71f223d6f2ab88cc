"""Which hosts a policy allows, and which URLs a server may hand a client."""

from __future__ import annotations

import pytest

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import check_server_url, is_host_allowed


@pytest.mark.parametrize(
    ("host", "allowed", "expected"),
    [
        ("visio.gouv.fr", ["visio.gouv.fr"], True),
        ("VISIO.gouv.fr", ["visio.GOUV.fr"], True),
        ("visio.gouv.fr", ["*.gouv.fr"], True),
        ("a.b.gouv.fr", ["*.gouv.fr"], True),
        ("gouv.fr", ["*.gouv.fr"], False),
        ("evilgouv.fr", ["*.gouv.fr"], False),
        ("gouv.fr.evil.com", ["*.gouv.fr"], False),
        ("visio.gouv.fr", ["gouv.fr"], False),
        ("visio.gouv.fr", [], False),
        ("visio.exämple.fr", ["visio.xn--exmple-cua.fr"], True),
        ("visio.xn--exmple-cua.fr", ["*.exämple.fr"], True),
        ("::1", ["[::1]"], True),
        ("[::1]", ["::1"], True),
        ("2001:db8::1", ["2001:DB8:0::1"], True),
        ("1.2.3.4", ["*.3.4"], False),
        ("visio.gouv.fr", ["*", "*.", "bad host!", "*.*.fr"], False),
        ("visio.gouv.fr", ["bad host!", "visio.gouv.fr"], True),
        ("bad host!", ["bad host!"], False),
        ("", [""], False),
    ],
)
def test_is_host_allowed(host: str, allowed: list[str], expected: bool) -> None:
    assert is_host_allowed(host, allowed) is expected


@pytest.mark.parametrize(
    ("url", "expected_host", "schemes"),
    [
        ("wss://visio.gouv.fr/ws", "visio.gouv.fr", {"wss"}),
        ("WSS://Visio.Gouv.Fr:8443/ws?token=a%2Fb", "visio.gouv.fr", {"wss"}),
        ("https://visio.gouv.fr", "VISIO.gouv.fr", {"https", "wss"}),
        ("ws://[::1]:8080/ws", "::1", {"ws"}),
        ("wss://visio.xn--exmple-cua.fr/ws", "visio.exämple.fr", {"wss"}),
        ("turn:visio.gouv.fr:3478?transport=udp", "visio.gouv.fr", {"turn", "turns"}),
        ("stun:visio.gouv.fr", "visio.gouv.fr", {"stun"}),
    ],
)
def test_check_server_url_accepts(url: str, expected_host: str, schemes: set[str]) -> None:
    check_server_url(url, expected_host, schemes)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("wss://evil.com/ws", "another host"),
        ("wss://visio.gouv.fr.evil.com/ws", "another host"),
        ("wss://visio.gouv.fr@evil.com/ws", "userinfo"),
        ("wss://user@visio.gouv.fr/ws", "userinfo"),
        ("ws://visio.gouv.fr/ws", "Unsupported scheme"),
        ("javascript:alert(1)", "Unsupported scheme"),
        ("wss:visio.gouv.fr/ws", "no “//”"),
        ("wss://visio.gouv.fr/ws\r\nX-Evil: 1", "control"),
        ("wss://visio.gouv.fr\\@evil.com/ws", "backslash"),
        ("wss://visio.gouv.fr:99999/ws", "Invalid port"),
        ("wss:///ws", "empty host"),
        ("turn:evil.com:3478", "another host"),
        ("wss://" + "a" * 2100, "too long"),
    ],
)
def test_check_server_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(LinkError, match=reason):
        check_server_url(url, "visio.gouv.fr", {"wss", "turn"})
