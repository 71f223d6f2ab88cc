"""ICE configuration: servers from discovery only, and loopback-only meetings.

aiortc adds a public STUN server when given no configuration; we always pass one, so a client
only ever talks to the ICE servers its meeting server named. aioice never offers 127.0.0.1 as a
host candidate; for a meeting on a loopback server (the embedded demo, tests) we make it offer
exactly that and nothing else, so a local meeting never leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

from visio_desktop.core.protocol import IceServer

_original_host_addresses: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def _loopback_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


def gather_loopback_only(enabled: bool) -> None:
    """Make this process gather loopback candidates only (True) or every interface (False)."""
    chosen = _loopback_addresses if enabled else _original_host_addresses
    setattr(aioice.ice, "get_host_addresses", chosen)  # noqa: B010 - a module function, on purpose


def rtc_configuration(servers: tuple[IceServer, ...], loopback: bool) -> RTCConfiguration:
    """aiortc's configuration: never a default STUN server, and none at all on loopback."""
    ice = (
        []
        if loopback
        else [
            RTCIceServer(
                urls=list(s.urls), username=s.username or None, credential=s.credential or None
            )
            for s in servers
        ]
    )
    return RTCConfiguration(iceServers=ice)
