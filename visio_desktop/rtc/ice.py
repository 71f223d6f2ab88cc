"""ICE configuration: servers from discovery only, and loopback-only meetings.

aiortc adds a public STUN server when given no configuration; we always pass one, so a client
only ever talks to the ICE servers its meeting server named. aioice never offers 127.0.0.1 as a
host candidate; for a meeting on a loopback server (the embedded demo, tests) we make it offer
exactly that and nothing else, so a local meeting never leaves the machine.

A peer's candidate whose host is a `.local` name (browsers hide their addresses behind mDNS
names) never reaches aioice: resolving it would bind 0.0.0.0:5353 and multicast queries to
224.0.0.251 on every network this machine is on, even in a loopback meeting, telling the LAN
that a meeting is under way. Such peers still connect through their other candidates (srflx,
relay) or through ours, as the peer learns our addresses from the checks we send.
"""

from __future__ import annotations

from collections.abc import Callable

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

from visio_desktop.core.protocol import IceServer

__all__ = [
    "gather_loopback_only",
    "gatherable_addresses",
    "is_mdns_candidate",
    "rtc_configuration",
    "without_mdns_candidates",
]

_original_host_addresses: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def _loopback_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


def gatherable_addresses() -> list[str]:
    """The host addresses aioice gathers on this machine now (IPv4 and IPv6, as aiortc asks
    for), whatever `gather_loopback_only` chose."""
    return _original_host_addresses(True, True)


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


def is_mdns_candidate(candidate: str) -> bool:
    """Whether an ICE candidate (`a=candidate:…`, `candidate:…` or bare, RFC 8839) names
    its address as a `.local` host. Too short a line is not one (aiortc refuses it later)."""
    fields = candidate.removeprefix("a=").removeprefix("candidate:").split()
    # foundation, component, transport, priority, then the address
    return len(fields) > 4 and fields[4].rstrip(".").lower().endswith(".local")


def without_mdns_candidates(sdp: str) -> str:
    """`sdp` with every `a=candidate` line on a `.local` host taken out, the rest untouched."""
    lines = sdp.split("\n")
    kept = [
        line
        for line in lines
        if not (line.startswith("a=candidate:") and is_mdns_candidate(line.rstrip("\r")))
    ]
    return "\n".join(kept)
