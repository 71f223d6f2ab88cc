"""The interface between the engine and a meeting server, whatever kind it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
