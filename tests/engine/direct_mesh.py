"""MeshCalls in one process that hand each other their signals directly (no server), for
tests of the mesh's media on real peer connections over 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiortc import RTCConfiguration
from aiortc.mediastreams import MediaStreamTrack

from tests.engine.conftest import WAIT, PlaneRecord
from visio_desktop.core.kinds import Slot
from visio_desktop.core.protocol import Signal
from visio_desktop.rtc.mesh import MeshCall


class Mesh:
    """MeshCalls that hand each other their signals directly."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.records: dict[str, PlaneRecord] = {}
        self.calls: dict[str, MeshCall] = {}
        for me in names:
            self.records[me] = PlaneRecord()
            self.calls[me] = MeshCall(
                me, RTCConfiguration(iceServers=[]), self._sender(me), self.records[me]
            )

    def _sender(self, me: str) -> Callable[[Signal], Awaitable[None]]:
        async def send(signal: Signal) -> None:
            delivered = Signal(to=signal.to, kind=signal.kind, sdp=signal.sdp, sender=me)
            await self.calls[signal.to].handle_signal(delivered)

        return send

    async def track_at(self, receiver: str, wanted: Slot) -> MediaStreamTrack:
        """The next remote track of `wanted`'s slot to arrive at `receiver`."""
        while True:
            _, slot, track = await asyncio.wait_for(self.records[receiver].tracks.get(), WAIT)
            if slot is wanted:
                return track

    async def camera_at(self, receiver: str) -> MediaStreamTrack:
        return await self.track_at(receiver, Slot.CAMERA)

    async def close(self) -> None:
        for call in self.calls.values():
            await call.close()
