"""Starting the transceivers aiortc leaves idle when a re-offer lands during the DTLS handshake.

aiortc 1.16 starts a transceiver's sender and receiver in `RTCPeerConnection.__connect`, a pass
that runs after each description is applied and starts only the transceivers whose DTLS
transport is already connected. When one joins a LiveKit room in which others publish, LiveKit
offers the subscriber connection twice in quick succession: the data channel alone, then the
published tracks. If the second offer is applied while the (bundled) DTLS handshake is still
under way, its pass finds the transport `connecting` and skips the new transceivers, and the
first pass ran before they existed: their receivers never start, so no RTP of theirs is ever
decoded although the tracks were announced. Seen with LiveKit's own SDK as the publisher (its
tracks are in place before we join); nothing in aiortc runs the pass again.

`start_late_transceivers` runs that pass once more whenever the connection becomes connected.
Every step of the pass is idempotent (each start checks whether it already happened), so the
transceivers that did start are left as they are. It reaches one private method of aiortc 1.16
(the project pins aiortc < 1.17): re-check on upgrades.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiortc import RTCPeerConnection

log = logging.getLogger(__name__)


def start_late_transceivers(pc: RTCPeerConnection) -> None:
    """Make `pc` start, once it is connected, the transceivers a re-offer added meanwhile."""
    connect: Callable[[], Awaitable[None]] | None = getattr(pc, "_RTCPeerConnection__connect", None)
    if connect is None:
        log.warning("aiortc has changed: transceivers added during a handshake may stay idle")
        return

    async def on_state() -> None:
        if pc.connectionState == "connected":
            await connect()

    pc.on("connectionstatechange", on_state)
