"""What a meeting backend tells the meeting besides the meeting protocol's messages: news about
the connection and figures the server measures. They travel through `MeetingBackend.receive`
like the protocol's messages, but never on any wire (`core.protocol.MESSAGE_TYPES` does not
know them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from visio_desktop.core.protocol import Message


@dataclass(frozen=True)
class MediaServerResuming(Message):
    """The connection to the media server dropped; the backend is resuming the same session."""

    TYPE: ClassVar[str] = "local:resuming"


@dataclass(frozen=True)
class MediaServerResumed(Message):
    """The same session is back; the media went on (or comes back by itself)."""

    TYPE: ClassVar[str] = "local:resumed"


@dataclass(frozen=True)
class Speakers(Message):
    """Audio levels the server measured: (participant id, level 0..1), 0 for silent."""

    TYPE: ClassVar[str] = "local:speakers"
    levels: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ConnectionQualities(Message):
    """Connection quality the server measured per participant: "good", "poor" or "lost"."""

    TYPE: ClassVar[str] = "local:quality"
    qualities: tuple[tuple[str, str], ...] = ()
