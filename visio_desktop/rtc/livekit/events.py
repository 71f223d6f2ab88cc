"""What a LiveKit connection (`rtc.livekit.connection`) tells its owner, and the strict
decoding of what LiveKit sends: a frame that is not a valid protobuf message is logged and
dropped, never raised."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Protocol, TypeVar

from aiortc.mediastreams import MediaStreamTrack
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtobufMessage
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=ProtobufMessage)


class SignallingState(StrEnum):
    RESUMING = "resuming"  # the signalling connection dropped; resuming the session
    RESUMED = "resumed"  # the same session again, media untouched
    LOST = "lost"  # LiveKit no longer has the session (it restarted or forgot it)


class SignalEvents(Protocol):
    """What a LiveKit connection tells its owner, on the engine loop."""

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None: ...

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None: ...

    def data_received(self, packet: lm.DataPacket) -> None: ...

    def signal_message(self, response: lr.SignalResponse) -> None:
        """Any other message: speakers, connection quality, subscribed qualities, leave."""
        ...

    def signalling_changed(self, state: SignallingState) -> None:
        """The signalling connection dropped, came back by a resume, or is gone for good (the
        owner then joins afresh)."""
        ...


def parse(kind: type[_M], data: bytes | str, what: str) -> _M | None:
    """`data` decoded as a `kind` message, or None (logged) when it is not one."""
    if isinstance(data, str):
        return None  # LiveKit's JSON mode is not ours
    message = kind()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        log.warning("ignoring a malformed %s from LiveKit: %s", what, exc)
        return None
    return message
