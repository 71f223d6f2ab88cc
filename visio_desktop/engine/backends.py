"""The backend for a link, chosen by what the server says it is.

At the first join, `ServerBackend` asks the link's server (`signaling.meet_api.identify_server`):
- ours, with the mesh: our WebSocket protocol (`signaling.visio.VisioSignaling`) and the mesh;
- ours, in front of LiveKit (its discovery names the SFU plane), or a La Suite Meet server
  (no `/.well-known/visio`, but `/api/v1.0/config/` answers): LiveKit (`engine.sfu_backend`),
  with a grant from the server's REST API at every join and rejoin.
A rejoin keeps the kind the first join found.
"""

from __future__ import annotations

import logging
import ssl

from visio_desktop.core.errors import ConnectionLostError, LinkError
from visio_desktop.core.link_policy import check_server_supplied_url
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.policy import Policy
from visio_desktop.core.protocol import MediaPlane, Message, Waiting
from visio_desktop.engine.sfu_backend import LiveKitBackend
from visio_desktop.engine.sfu_hosting import HostRequest
from visio_desktop.rtc.plane import MediaPlane as Plane
from visio_desktop.rtc.plane import PlaneEvents, PlaneSetup, SendSignal
from visio_desktop.signaling.base import Admission, FollowsAddresses, JoinRequest, MeetingBackend
from visio_desktop.signaling.meet_api import (
    ServerKind,
    fetch_room,
    host_request,
    identify_server,
    set_hand,
)
from visio_desktop.signaling.visio import VisioSignaling

log = logging.getLogger(__name__)


class ServerBackend:
    """A `MeetingBackend` (and `rtc.plane.PlaneOwner`) that becomes the right one at join."""

    def __init__(
        self,
        link: MeetingLink,
        ssl_context: ssl.SSLContext | None = None,
        *,
        policy: Policy | None = None,
    ) -> None:
        self.link = link
        self.policy = policy or Policy()
        self._ssl = ssl_context
        self.chosen: MeetingBackend | None = None
        self._request: JoinRequest | None = None

    async def join(self, request: JoinRequest) -> Admission:
        self._request = request  # its lobby callback, for La Suite Meet's lobby
        if self.chosen is None:
            self.chosen = await self._choose()
        return await self.chosen.join(request)

    async def _choose(self) -> MeetingBackend:
        found = await identify_server(self.link, policy=self.policy, ssl_context=self._ssl)
        sfu = found.kind is ServerKind.MEET or (
            found.discovery is not None and MediaPlane.SFU in found.discovery.media_planes
        )
        if not sfu:
            return VisioSignaling(self.link, self._ssl, policy=self.policy)

        async def grant(username: str) -> LiveKitGrant:
            def waiting() -> None:
                if self._request is not None:
                    self._request.waiting(Waiting(room=self.link.room, display_name=username))

            secret = self._request.host_secret if self._request is not None else ""
            return await fetch_room(
                self.link,
                username,
                policy=self.policy,
                ssl_context=self._ssl,
                waiting=waiting,
                host_secret=secret,
            )

        async def hand(grant: LiveKitGrant, raised: bool) -> None:
            await set_hand(self.link, grant, raised, policy=self.policy, ssl_context=self._ssl)

        async def host(grant: LiveKitGrant, asked: HostRequest) -> object:
            return await host_request(
                self.link, grant, asked.method, asked.action, asked.body,
                policy=self.policy, ssl_context=self._ssl,
            )  # fmt: skip

        # La Suite Meet writes the hand itself (its tokens cannot); our server's tokens can.
        meet = found.kind is ServerKind.MEET
        return LiveKitBackend(
            grant,
            server=self.link.host,
            hand=hand if meet else None,
            ice_allowed=self._ice_allowed,
            host=host,
        )

    def _ice_allowed(self, url: str) -> bool:
        """A STUN or TURN URL the media server offered, held to the link's rules (none at all
        for a server on this machine, as in the mesh)."""
        if self.link.is_loopback:
            return False
        try:
            check_server_supplied_url(url, self.link, self.policy)
        except LinkError as exc:
            log.warning("not using an ICE server the media server offered: %s", exc.message)
            return False
        return True

    def _backend(self) -> MeetingBackend:
        if self.chosen is None:
            raise ConnectionLostError("not connected to the meeting server")
        return self.chosen

    async def send(self, message: Message) -> None:
        await self._backend().send(message)

    async def receive(self) -> Message:
        return await self._backend().receive()

    async def close(self) -> None:
        if self.chosen is not None:
            await self.chosen.close()

    def addresses_changed(self, addresses: frozenset[str]) -> bool:
        """`signaling.base.FollowsAddresses`, as the chosen backend says."""
        chosen = self.chosen
        return isinstance(chosen, FollowsAddresses) and chosen.addresses_changed(addresses)

    def make_plane(
        self, setup: PlaneSetup, events: PlaneEvents, send_signal: SendSignal
    ) -> Plane | None:
        if isinstance(self.chosen, LiveKitBackend):
            return self.chosen.make_plane(setup, events, send_signal)
        return None
