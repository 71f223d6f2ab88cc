"""The meeting protocol: versioned JSON frames over a WebSocket, shared by client and server.

Every frame is one JSON object with a ``type`` and the fields of one frozen dataclass below.
The version is agreed once per connection: the client's ``hello`` names the protocol version it
speaks and the server's ``welcome`` answers with its own (a mismatch is an ``error`` with code
``bad_version``). Decoding is strict: unknown types, missing or extra fields, wrong types, texts
over their limit and frames over 64 KiB all raise `ProtocolError`, and nothing else escapes.

Fields named ``sender`` / ``sender_name`` are written by the server only: whatever a client puts
there is overwritten before the message is relayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from visio_desktop.core.display_names import normalise_display_name
from visio_desktop.core.roles import LobbyEntry, Moderation, Role, RoomState

_OPEN_ROOM = RoomState()

PROTOCOL_VERSION = 2  # 2: roles, access levels, the lobby and moderation (`core.roles`)
MAX_FRAME_BYTES = 64 * 1024

# Text limits, in characters.
ID_MAX = 64
NAME_MAX = 64
SHORT_TEXT_MAX = 256
CHAT_MAX = 4000
CAPTION_MAX = 1000
SDP_MAX = 60_000
ROSTER_MAX = 256
SECRET_MAX = 128


def _limit(max_len: int) -> Any:
    """Field metadata: a string (or a list) longer than `max_len` is refused."""
    return field(metadata={"max_len": max_len})


def _limit_default(max_len: int, default: Any) -> Any:
    return field(default=default, metadata={"max_len": max_len})


class MediaPlane(StrEnum):
    MESH = "mesh"
    SFU = "sfu"


class SignalKind(StrEnum):
    OFFER = "offer"
    ANSWER = "answer"
    CANDIDATE = "candidate"
    RESTART = "restart"  # "my media from you stalled: offer me a new connection"


class LeaveReason(StrEnum):
    LEFT = "left"
    DISCONNECTED = "disconnected"
    REMOVED = "removed"


class ErrorCode(StrEnum):
    BAD_MESSAGE = "bad_message"
    BAD_VERSION = "bad_version"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    ROOM_FULL = "room_full"
    BAD_ROOM = "bad_room"
    NOT_JOINED = "not_joined"
    ALREADY_JOINED = "already_joined"
    UNKNOWN_PARTICIPANT = "unknown_participant"
    INTERNAL = "internal"
    SERVER_BUSY = "server_busy"  # overloaded: try again in a moment
    FORBIDDEN = "forbidden"  # only a host (or co-host) may do that
    LOCKED = "locked"  # the meeting is locked: nobody new enters
    DENIED = "denied"  # a host did not let this person in from the lobby
    REMOVED = "removed"  # a host removed this person; their ticket no longer joins
    ENDED = "ended"  # a host ended the meeting for everyone
    # Raised by the client itself: the server sent an unsafe WebSocket or ICE address.
    BAD_REDIRECT = "bad_redirect"


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...] = _limit(8)
    username: str = _limit_default(SHORT_TEXT_MAX, "")
    credential: str = _limit_default(SHORT_TEXT_MAX, "")


@dataclass(frozen=True)
class ParticipantInfo:
    id: str = _limit(ID_MAX)
    display_name: str = _limit(NAME_MAX)
    audio: bool = False
    video: bool = False
    screen: bool = False
    hand_raised: bool = False
    role: Role = Role.PARTICIPANT


@dataclass(frozen=True)
class Message:
    """Base of every frame; `TYPE` is the value of the frame's ``type`` field."""

    TYPE: ClassVar[str] = ""


@dataclass(frozen=True)
class Hello(Message):
    TYPE: ClassVar[str] = "hello"
    protocol: int
    client: str = _limit(SHORT_TEXT_MAX)


@dataclass(frozen=True)
class Welcome(Message):
    TYPE: ClassVar[str] = "welcome"
    protocol: int
    participant_id: str = _limit(ID_MAX)
    ice_servers: tuple[IceServer, ...] = _limit(8)
    media_plane: MediaPlane = MediaPlane.MESH
    server: str = _limit_default(SHORT_TEXT_MAX, "")


@dataclass(frozen=True)
class Join(Message):
    TYPE: ClassVar[str] = "join"
    room: str = _limit(ID_MAX)
    display_name: str = _limit(NAME_MAX)
    audio: bool = False
    video: bool = False
    host_secret: str = _limit_default(SECRET_MAX, "")  # joins as host when it is the room's
    ticket: str = _limit_default(SECRET_MAX, "")  # from an earlier Joined: a rejoin


@dataclass(frozen=True)
class Joined(Message):
    """In the meeting. `ticket` rejoins this meeting after a lost connection without waiting
    in the lobby again; `host_secret` is set only for whoever made the room, once."""

    TYPE: ClassVar[str] = "joined"
    room: str = _limit(ID_MAX)
    participant_id: str = _limit(ID_MAX)
    participants: tuple[ParticipantInfo, ...] = _limit(ROSTER_MAX)
    room_state: RoomState = _OPEN_ROOM
    ticket: str = _limit_default(SECRET_MAX, "")
    host_secret: str = _limit_default(SECRET_MAX, "")


@dataclass(frozen=True)
class Waiting(Message):
    """Server to a joining client: you wait in the lobby until a host lets you in (then
    `joined`) or not (then an error `denied`)."""

    TYPE: ClassVar[str] = "waiting"
    room: str = _limit(ID_MAX)
    display_name: str = _limit(NAME_MAX)


@dataclass(frozen=True)
class Lobby(Message):
    """Server to hosts and co-hosts: who waits now (the whole list, each time it changes)."""

    TYPE: ClassVar[str] = "lobby"
    waiting: tuple[LobbyEntry, ...] = _limit(ROSTER_MAX)


@dataclass(frozen=True)
class Admit(Message):
    """Host to server: let these people in (`allow`), or turn them away."""

    TYPE: ClassVar[str] = "admit"
    ids: tuple[str, ...] = _limit(ROSTER_MAX)
    allow: bool = True


@dataclass(frozen=True)
class SetRoomState(Message):
    """Host to server: the meeting's access level and whether microphones are locked."""

    TYPE: ClassVar[str] = "set_room_state"
    state: RoomState = _OPEN_ROOM


@dataclass(frozen=True)
class RoomStateChanged(Message):
    """Server to everyone in the room: its rules changed, and who changed them."""

    TYPE: ClassVar[str] = "room_state"
    state: RoomState = _OPEN_ROOM
    by: str = _limit_default(ID_MAX, "")
    by_name: str = _limit_default(NAME_MAX, "")


@dataclass(frozen=True)
class Moderate(Message):
    """Host to server: `action` on participant `target`; MUTE with no target mutes everyone
    but the hosts and co-hosts."""

    TYPE: ClassVar[str] = "moderate"
    action: Moderation = Moderation.MUTE
    target: str = _limit_default(ID_MAX, "")


@dataclass(frozen=True)
class Moderated(Message):
    """Server to the participant a host acted on: what was done, and by whom. The server has
    already stamped the result (their media off, their hand down, their role) for everyone."""

    TYPE: ClassVar[str] = "moderated"
    action: Moderation = Moderation.MUTE
    by: str = _limit_default(ID_MAX, "")
    by_name: str = _limit_default(NAME_MAX, "")


@dataclass(frozen=True)
class EndMeeting(Message):
    """Host to server: end the meeting for everyone (and turn away whoever waits)."""

    TYPE: ClassVar[str] = "end_meeting"


@dataclass(frozen=True)
class MeetingEnded(Message):
    """Server to everyone in the room and in its lobby: a host ended the meeting."""

    TYPE: ClassVar[str] = "meeting_ended"
    by: str = _limit_default(ID_MAX, "")
    by_name: str = _limit_default(NAME_MAX, "")


@dataclass(frozen=True)
class ParticipantJoined(Message):
    TYPE: ClassVar[str] = "participant_joined"
    participant: ParticipantInfo


@dataclass(frozen=True)
class ParticipantLeft(Message):
    TYPE: ClassVar[str] = "participant_left"
    participant_id: str = _limit(ID_MAX)
    reason: LeaveReason = LeaveReason.LEFT


@dataclass(frozen=True)
class UpdateState(Message):
    """A client's own state: name, media and hand. The server relays it as participant_updated."""

    TYPE: ClassVar[str] = "update"
    display_name: str = _limit(NAME_MAX)
    audio: bool = False
    video: bool = False
    screen: bool = False
    hand_raised: bool = False


@dataclass(frozen=True)
class ParticipantUpdated(Message):
    TYPE: ClassVar[str] = "participant_updated"
    participant: ParticipantInfo


@dataclass(frozen=True)
class Signal(Message):
    """WebRTC negotiation addressed to one participant: an offer, an answer or a candidate."""

    TYPE: ClassVar[str] = "signal"
    to: str = _limit(ID_MAX)
    kind: SignalKind = SignalKind.OFFER
    sdp: str = _limit_default(SDP_MAX, "")
    mid: str = _limit_default(ID_MAX, "")
    sender: str = _limit_default(ID_MAX, "")


@dataclass(frozen=True)
class Chat(Message):
    TYPE: ClassVar[str] = "chat"
    text: str = _limit(CHAT_MAX)
    message_id: str = _limit_default(ID_MAX, "")
    sent_at: float = 0.0
    sender: str = _limit_default(ID_MAX, "")
    sender_name: str = _limit_default(NAME_MAX, "")


@dataclass(frozen=True)
class Caption(Message):
    """A caption segment. A partial segment is replaced by later ones with the same id."""

    TYPE: ClassVar[str] = "caption"
    segment_id: str = _limit(ID_MAX)
    text: str = _limit(CAPTION_MAX)
    final: bool = False
    language: str = _limit_default(16, "")
    start: float = 0.0
    end: float = 0.0
    sender: str = _limit_default(ID_MAX, "")
    sender_name: str = _limit_default(NAME_MAX, "")


@dataclass(frozen=True)
class Reaction(Message):
    TYPE: ClassVar[str] = "reaction"
    emoji: str = _limit(16)
    sender: str = _limit_default(ID_MAX, "")


@dataclass(frozen=True)
class Leave(Message):
    TYPE: ClassVar[str] = "leave"


@dataclass(frozen=True)
class Ping(Message):
    TYPE: ClassVar[str] = "ping"
    nonce: int = 0


@dataclass(frozen=True)
class Pong(Message):
    TYPE: ClassVar[str] = "pong"
    nonce: int = 0


@dataclass(frozen=True)
class Error(Message):
    TYPE: ClassVar[str] = "error"
    code: ErrorCode
    message: str = _limit(SHORT_TEXT_MAX * 2)


@dataclass(frozen=True)
class ServerShutdown(Message):
    """The server is going away; clients should leave and may try again later."""

    TYPE: ClassVar[str] = "shutdown"
    reason: str = _limit(SHORT_TEXT_MAX)


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Hello,
        Welcome,
        Join,
        Joined,
        Waiting,
        Lobby,
        Admit,
        SetRoomState,
        RoomStateChanged,
        Moderate,
        Moderated,
        EndMeeting,
        MeetingEnded,
        ParticipantJoined,
        ParticipantLeft,
        UpdateState,
        ParticipantUpdated,
        Signal,
        Chat,
        Caption,
        Reaction,
        Leave,
        Ping,
        Pong,
        Error,
        ServerShutdown,
    )
}

# What a client may send; anything else from a client is refused by the server.
CLIENT_MESSAGE_TYPES: frozenset[type[Message]] = frozenset(
    {
        Hello,
        Join,
        UpdateState,
        Signal,
        Chat,
        Caption,
        Reaction,
        Leave,
        Ping,
        Pong,
        Admit,
        SetRoomState,
        Moderate,
        EndMeeting,
    }
)


@dataclass(frozen=True)
class Discovery:
    """The document at ``GET /.well-known/visio``: how to reach a server and what it offers."""

    protocol: int
    websocket: str = _limit(2048)
    ice_servers: tuple[IceServer, ...] = _limit(8)
    media_planes: tuple[MediaPlane, ...] = _limit(4)
    features: tuple[str, ...] = _limit(32)
    max_participants: int = 0
    auth: str = _limit_default(32, "none")
    server: str = _limit_default(SHORT_TEXT_MAX, "")


# The reactions a participant can send; anything else is refused.
REACTIONS = ("👍", "👎", "👏", "😂", "😮", "❤️", "🎉")

FEATURES = ("chat", "captions", "reactions", "hand", "lobby", "moderation")


def clean_display_name(text: str) -> str:
    """A display name safe to show (see `core.display_names`): normalised, never empty."""
    return normalise_display_name(text, NAME_MAX)
