"""Following LiveKit's ICE restarts with aiortc, which cannot restart ICE itself.

When a participant resumes (its signalling connection came back), LiveKit always restarts ICE
on the subscriber connection: its next offer carries a new ``ice-ufrag`` and ``ice-pwd``.
aiortc 1.16 keeps the credentials of the first offer, so LiveKit (an ICE-lite server, which
never sends checks of its own) waits for checks under the new ones, and media stops.

`follow_ice_restart` catches that up on the transport that already works: it takes the new
remote credentials and sends one nominating check on each selected candidate pair, which is
what LiveKit needs to carry on. Our side's credentials and candidates stay as they were, so
this only serves a restart in which the network did not change (a resume); after a network
change the caller rejoins instead.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aioice import Connection, stun
from aiortc import RTCIceCandidate, RTCPeerConnection
from aiortc.sdp import SessionDescription, candidate_from_sdp

from visio_desktop.rtc.ice import is_mdns_candidate

log = logging.getLogger(__name__)

_CHECK_PAUSES = (0.0, 0.1, 0.2, 0.4, 0.8)


def _ice_connection(pc: RTCPeerConnection) -> Connection | None:
    """The aioice connection under the bundled transport (everything is on one)."""
    for transceiver in pc.getTransceivers():
        transport = transceiver.receiver.transport
        if transport is not None:
            return transport.transport._connection
    sctp = pc.sctp
    if sctp is not None:
        return sctp.transport.transport._connection
    return None


async def follow_ice_restart(pc: RTCPeerConnection, offer_sdp: str) -> bool:
    """Call after applying a remote offer: if it restarts ICE on a connection that is up, take
    its credentials and re-nominate the pairs in use. True when a restart was followed."""
    connection = _ice_connection(pc)
    if connection is None or connection.remote_username is None:
        return False  # not started yet: aiortc takes the offer's credentials itself
    media = [m for m in SessionDescription.parse(offer_sdp).media if m.ice is not None]
    if not media or media[0].ice is None:
        return False
    ice = media[0].ice
    if not ice.usernameFragment or not ice.password:
        return False
    password = ice.password
    if (ice.usernameFragment, ice.password) == (
        connection.remote_username,
        connection.remote_password,
    ):
        return False
    connection.remote_username = ice.usernameFragment
    connection.remote_password = password
    # LiveKit may not have applied our answer when the first check arrives; it answers such a
    # check but does not select the pair. A few more over the next second and a half cost
    # nothing and make sure one lands after it has.
    answered = False
    for pause in _CHECK_PAUSES:
        await asyncio.sleep(pause)
        for pair in list(connection._nominated.values()):
            request = connection.build_request(pair, nominate=True)
            try:
                await pair.protocol.request(
                    request, pair.remote_addr, integrity_key=password.encode("utf8")
                )
                answered = True
            except stun.TransactionError as exc:
                log.debug("a restarted ICE check went unanswered: %s", exc)
    if not answered:
        log.warning("the media server did not answer the restarted ICE checks")
        return False
    log.info("followed the media server's ICE restart on the working transport")
    return True


def trickled_candidate(candidate_init: str) -> RTCIceCandidate | None:
    """A candidate LiveKit trickled (the JSON of a browser's RTCIceCandidateInit), or None for
    the end of candidates and for anything unreadable or `.local` (logged, never raised)."""
    try:
        init = json.loads(candidate_init)
        line = str(init.get("candidate") or "")
        if not line or is_mdns_candidate(line):
            return None
        candidate = candidate_from_sdp(line.removeprefix("candidate:"))
        mid, index = init.get("sdpMid"), init.get("sdpMLineIndex")
    except (ValueError, AttributeError, IndexError, KeyError, AssertionError, RecursionError):
        # aiortc reads SDP with asserts and indexing: bad input raises any of these
        log.warning("ignoring an unreadable candidate from LiveKit")
        return None
    candidate.sdpMid = mid if isinstance(mid, str) else None
    candidate.sdpMLineIndex = index if isinstance(index, int) else None
    return candidate
