"""The interface between the engine and a meeting server, whatever kind it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from visio_desktop.core.protocol import Discovery, Joined, Message, Welcome


@dataclass(frozen=True)
class JoinRequest:
    display_name: str
    audio: bool
    video: bool


@dataclass(frozen=True)
class Admission:
    """What the server said when we joined."""

    discovery: Discovery
    welcome: Welcome
    joined: Joined


class MeetingBackend(Protocol):
    """One meeting on one server: join, exchange protocol messages, leave."""

    async def join(self, request: JoinRequest) -> Admission: ...

    async def send(self, message: Message) -> None: ...

    async def receive(self) -> Message:
        """The next message from the server; ConnectionLostError when the server went away."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class FollowsAddresses(Protocol):
    """A meeting backend that may lose its session when this machine's addresses change."""

    def addresses_changed(self, addresses: frozenset[str]) -> bool:
        """This machine's addresses are now `addresses`. True when the session cannot go on
        over them (a signalling socket on an address that is gone; a LiveKit session, whose
        ICE aiortc cannot restart): `receive` then raises ConnectionLostError and the meeting
        rejoins afresh. False: the session stays, and the meeting replaces the media
        connections itself."""
        ...
