"""Which of the STUN and TURN servers LiveKit offers at join a client uses: only URLs the link's
rules allow (the link's own host, or a host the system policy names), and none for a server on
this machine, as in the mesh."""

from __future__ import annotations

import pytest
from livekit.protocol import rtc as lr

from visio_desktop.core.links import parse_link
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.policy import Policy
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.sfu_backend import LiveKitBackend

OFFERED = [
    lr.ICEServer(
        urls=[
            "turn:visio.example.gouv.fr:3478?transport=udp",
            "turns:visio.example.gouv.fr:443?transport=tcp",
            "turn:elsewhere.example.com:3478",
        ],
        username="user",
        credential="secret",
    ),
    lr.ICEServer(urls=["stun:elsewhere.example.com:3478"]),
]


async def _no_grant(username: str) -> LiveKitGrant:
    raise AssertionError("not joining in this test")


@pytest.mark.parametrize(
    ("link", "policy", "kept"),
    [
        (
            "https://visio.example.gouv.fr/abc-defg-hij",
            Policy(),
            [
                "turn:visio.example.gouv.fr:3478?transport=udp",
                "turns:visio.example.gouv.fr:443?transport=tcp",
            ],
        ),
        (
            "https://visio.example.gouv.fr/abc-defg-hij",
            Policy(allowed_servers=("elsewhere.example.com",)),
            [u for s in OFFERED for u in s.urls],
        ),
        ("http://127.0.0.1:8470/abc-defg-hij", Policy(), []),
    ],
)
def test_only_the_ice_servers_the_link_allows_are_used(
    link: str, policy: Policy, kept: list[str]
) -> None:
    server = ServerBackend(parse_link(link), policy=policy)
    backend = LiveKitBackend(_no_grant, ice_allowed=server._ice_allowed)
    chosen = backend._ice_servers(OFFERED)
    assert [url for s in chosen for url in s.urls] == kept
    for ice in chosen:
        if any(url.startswith("turn") for url in ice.urls):
            assert (ice.username, ice.credential) == ("user", "secret")
