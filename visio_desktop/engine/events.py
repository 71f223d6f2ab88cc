"""What the engine tells a front end. Each event is a frozen dataclass; listeners get them on
the engine thread and must hand them on (the Qt bridge re-emits them as queued signals).

Every event carries `meeting`: the number `Session` gave the join it belongs to (0 for the
pre-join preview), so that a front end can tell a late event of a meeting already left from one
of the meeting it is joining."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from visio_desktop.core.kinds import PeerState, Slot, TileKey
from visio_desktop.core.protocol import Caption, Chat, ErrorCode, LeaveReason, ParticipantInfo
from visio_desktop.core.roles import LobbyEntry, Moderation, RoomState

_OPEN_ROOM = RoomState()


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"


class CaptionsState(StrEnum):
    """Captions of our own voice."""

    OFF = "off"
    STARTING = "starting"
    ON = "on"
    UNAVAILABLE = "unavailable"  # no speech model, or captions turned off by policy
    FAILED = "failed"


@dataclass(frozen=True)
class Event:
    meeting: int = field(default=0, kw_only=True)

    @property
    def name(self) -> str:
        return _snake(type(self).__name__)


@dataclass(frozen=True)
class Joined(Event):
    room: str
    self_id: str
    participants: tuple[ParticipantInfo, ...]
    room_state: RoomState = _OPEN_ROOM


@dataclass(frozen=True)
class Waiting(Event):
    """The server put us in the meeting's lobby: a host decides. Joined follows when we are
    let in, SentAway (DENIED) when we are not."""

    room: str
    display_name: str


@dataclass(frozen=True)
class LobbyChanged(Event):
    """Who waits in the lobby now (to hosts and co-hosts only), oldest first."""

    waiting: tuple[LobbyEntry, ...]


@dataclass(frozen=True)
class RoomStateChanged(Event):
    """A host changed the meeting's access level or locked/unlocked the microphones."""

    state: RoomState
    by_name: str = ""


@dataclass(frozen=True)
class Moderated(Event):
    """A host acted on us: muted us, stopped our camera or screen, lowered our hand, made us
    co-host or not. (Removal ends the meeting: SentAway.)"""

    action: Moderation
    by_name: str = ""


@dataclass(frozen=True)
class ParticipantJoined(Event):
    participant: ParticipantInfo


@dataclass(frozen=True)
class ParticipantLeft(Event):
    participant_id: str
    display_name: str
    reason: LeaveReason


@dataclass(frozen=True)
class ParticipantUpdated(Event):
    participant: ParticipantInfo


@dataclass(frozen=True)
class TrackAdded(Event):
    """A remote track arrived; `track` is an aiortc MediaStreamTrack, read on the engine loop."""

    participant_id: str
    kind: Slot
    track: Any


@dataclass(frozen=True)
class TrackRemoved(Event):
    participant_id: str
    kind: Slot


@dataclass(frozen=True)
class FirstRemoteFrame(Event):
    participant_id: str
    kind: Slot
    seconds_after_join: float


@dataclass(frozen=True)
class ChatReceived(Event):
    message_id: str
    sender: str
    sender_name: str
    text: str
    sent_at: float

    @classmethod
    def of(cls, message: Chat) -> ChatReceived:
        return cls(
            message.message_id, message.sender, message.sender_name, message.text, message.sent_at
        )


@dataclass(frozen=True)
class CaptionReceived(Event):
    segment_id: str
    sender: str
    sender_name: str
    text: str
    final: bool
    language: str
    start: float
    end: float

    @classmethod
    def of(cls, message: Caption) -> CaptionReceived:
        return cls(
            message.segment_id,
            message.sender,
            message.sender_name,
            message.text,
            message.final,
            message.language,
            message.start,
            message.end,
        )


@dataclass(frozen=True)
class ReactionReceived(Event):
    sender: str
    emoji: str


@dataclass(frozen=True)
class ConnectionStateChanged(Event):
    state: ConnectionState
    detail: str = ""


@dataclass(frozen=True)
class PeerStateChanged(Event):
    participant_id: str
    state: PeerState


@dataclass(frozen=True)
class ErrorOccurred(Event):
    """Something went wrong; `fatal` means the meeting is over for this client."""

    message: str
    fatal: bool = False


@dataclass(frozen=True)
class CaptionsStateChanged(Event):
    """Captions of our own voice changed state; `detail` says why in words."""

    state: CaptionsState
    detail: str = ""


@dataclass(frozen=True)
class ScreenShareChanged(Event):
    """Our own screen sharing started or stopped; `detail` says why when it stopped by itself
    (the window closed, the capture failed)."""

    sharing: bool
    detail: str = ""


@dataclass(frozen=True)
class AudioLevels(Event):
    """Recent audio level per tile, 0 (silence) to 1 (full scale): a participant's camera
    tile for their voice, SELF_TILE for the local microphone. Sent a few times a second while
    anyone has audio."""

    levels: tuple[tuple[TileKey, float], ...]


@dataclass(frozen=True)
class QualityReported(Event):
    """Connection quality that the media server measured (LiveKit): a participant id and
    "good", "poor" or "lost". In such a meeting it replaces what the window works out from
    frame rates, which would call a participant whose video we do not receive poor."""

    participant_id: str
    quality: str


@dataclass(frozen=True)
class SentAway(Event):
    """The meeting is over for us by a host's decision or its rules, never to be retried on
    its own: DENIED (not let in from the lobby), REMOVED, ENDED (for everyone) or LOCKED.
    `message` says it in plain words; Left (DISCONNECTED) follows."""

    code: ErrorCode
    message: str
    by_name: str = ""


@dataclass(frozen=True)
class Left(Event):
    """The meeting is over for this client: LEFT when we left, DISCONNECTED when it ended by
    itself (the server went away for good, the join failed)."""

    reason: LeaveReason


Listener = Callable[[Event], None]
VideoSink = Callable[[TileKey, Any], None]
"""Receives (the tile, av.VideoFrame) on the engine thread; must not block."""


class AudioSink(Protocol):
    """Where remote audio goes (the playout mixer); called on the engine thread, never blocks.
    Audio that arrives through our jitter buffer is pulled from it (`attach`, with a
    `media.playout.FrameSource`); any other is pushed frame by frame."""

    def push(self, participant_id: str, frame: Any) -> None: ...

    def attach(self, participant_id: str, source: Any) -> None: ...

    def remove_participant(self, participant_id: str) -> None: ...


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
