"""The interface between the engine and a meeting server, whatever kind it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from visio_desktop.core.protocol import Discovery, Joined, Message, Waiting, Welcome


def _no_lobby(waiting: Waiting) -> None:
    return None


@dataclass(frozen=True)
class JoinRequest:
    display_name: str
    audio: bool
    video: bool
    host_secret: str = field(default="", repr=False)  # the meeting's, when we are its host
    ticket: str = field(default="", repr=False)  # from our last admission to this meeting
    # Called when the server puts us in its lobby; `join` then waits for a host's answer.
    waiting: Callable[[Waiting], None] = field(default=_no_lobby, compare=False, repr=False)


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
