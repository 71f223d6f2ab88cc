"""The media plane as the meeting sees it: one small interface, whatever carries the media.

`engine.meeting.Meeting` decides who is in the call; a media plane moves their audio and video.
The mesh (`rtc.mesh.MeshCall`, one peer connection per participant) is the first
implementation; an SFU plane (a publisher and a subscriber connection to LiveKit) slots in
beside it without touching the meeting's logic.

A plane reports back through `PlaneEvents`: a remote track arrived in a participant's slot, or
the media connection with a participant (or with the SFU, under the participant's id) changed
state. Everything runs on the engine loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.core.kinds import PeerState, Slot, TileKey
from visio_desktop.core.protocol import IceServer, Signal

SendSignal = Callable[[Signal], Awaitable[None]]
TileSizes = Mapping[TileKey, tuple[int, int]]
"""The remote video tiles on screen and their size in device pixels."""


@dataclass(frozen=True)
class PlaneSetup:
    """What a plane needs to know of one admission to the meeting."""

    self_id: str
    ice_servers: tuple[IceServer, ...] = ()
    loopback_only: bool = False  # a meeting on this machine: gather loopback candidates only
    relay: MediaRelay | None = None  # fans the local tracks out (shared with the self-view)


@dataclass(frozen=True)
class TransportStats:
    """What the transport carried for one participant."""

    bytes_received: int = 0
    bytes_sent: int = 0
    packets_received: int = 0
    packets_lost: int = 0


class PlaneEvents(Protocol):
    """What a media plane tells the meeting."""

    def track_arrived(self, participant_id: str, slot: Slot, track: MediaStreamTrack) -> None: ...

    def peer_state_changed(self, participant_id: str, state: PeerState) -> None: ...


class MediaPlane(Protocol):
    async def add_participant(self, participant_id: str) -> None:
        """Start exchanging media with a participant who is in the meeting."""
        ...

    async def remove_participant(self, participant_id: str) -> None:
        """Stop exchanging media with a participant who left; their tracks end."""
        ...

    async def publish(self, slot: Slot, track: MediaStreamTrack | None) -> None:
        """Send `track` in `slot` to everyone, or nothing (None), without renegotiating."""
        ...

    async def handle_signal(self, signal: Signal) -> None:
        """A media-plane message relayed by the meeting server (the mesh's offers, answers and
        candidates). Bad input raises PeerConnectionError; the call goes on."""
        ...

    async def restart_participant(self, participant_id: str) -> None:
        """The media from a participant stalled: give it a new connection."""
        ...

    def stalled_checks_before_restart(self, participant_id: str) -> int:
        """How many stalled checks in a row the watchdog waits for before it restarts the
        participant's media (so that two sides do not restart the same connection at once)."""
        ...

    async def transport_stats(self, participant_id: str) -> TransportStats: ...

    async def show(self, tiles: TileSizes) -> None:
        """The video tiles on screen now, at their size. A plane that chooses what it receives
        (the SFU) receives exactly these videos, at about that size; the mesh receives all."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class PlaneOwner(Protocol):
    """A meeting backend that may bring its own media plane (LiveKit: the SFU connection is
    made by the join itself) instead of the session's plane factory."""

    def make_plane(
        self, setup: PlaneSetup, events: PlaneEvents, send_signal: SendSignal
    ) -> MediaPlane | None:
        """The plane for this admission, or None for the session's own (the mesh)."""
        ...


PlaneFactory = Callable[[PlaneSetup, PlaneEvents, SendSignal], MediaPlane]
"""Builds the plane for one admission (a first join or a rejoin): what the server said, where
to report, and how to send a media-plane message through the meeting server."""
