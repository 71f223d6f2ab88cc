"""The words every layer shares about media, defined once: media kinds, the slots a
participant sends in, the tiles a window shows, and the states of a media connection.

They are enums (and one small key type), never bare strings, so that a typo is a type error
and a `match` can be checked for being complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MediaKind(StrEnum):
    """What a device captures and a track carries."""

    AUDIO = "audio"
    VIDEO = "video"


class Slot(StrEnum):
    """What a participant sends: their microphone, their camera, or a shared screen. A slot
    is one outgoing track for the whole meeting (its source changes, the track stays)."""

    AUDIO = "audio"
    CAMERA = "video"
    SCREEN = "screen"

    @property
    def media_kind(self) -> MediaKind:
        return MediaKind.AUDIO if self is Slot.AUDIO else MediaKind.VIDEO

    @classmethod
    def of(cls, kind: MediaKind) -> Slot:
        """The device slot of a media kind: the microphone or the camera."""
        return cls.AUDIO if kind is MediaKind.AUDIO else cls.CAMERA


DEVICE_KINDS = (MediaKind.AUDIO, MediaKind.VIDEO)
SLOTS = (Slot.AUDIO, Slot.CAMERA, Slot.SCREEN)


class TileKind(StrEnum):
    SELF = "self"  # our own camera in the call
    PREVIEW = "preview"  # our own camera on the pre-join screen
    CAMERA = "camera"  # a participant's camera
    SCREEN = "screen"  # a participant's shared screen


@dataclass(frozen=True, order=True)
class TileKey:
    """Which picture a tile (and the frames rendered for it) belongs to."""

    kind: TileKind
    participant_id: str = ""

    @classmethod
    def camera(cls, participant_id: str) -> TileKey:
        return cls(TileKind.CAMERA, participant_id)

    @classmethod
    def screen(cls, participant_id: str) -> TileKey:
        return cls(TileKind.SCREEN, participant_id)

    @classmethod
    def of_slot(cls, participant_id: str, slot: Slot) -> TileKey:
        """The tile a participant's video slot is shown in."""
        return cls.screen(participant_id) if slot is Slot.SCREEN else cls.camera(participant_id)

    def __str__(self) -> str:
        return f"{self.kind}:{self.participant_id}" if self.participant_id else str(self.kind)


SELF_TILE = TileKey(TileKind.SELF)
PREVIEW_TILE = TileKey(TileKind.PREVIEW)


class PeerState(StrEnum):
    """A media connection with one participant (the mesh) or with the SFU."""

    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    CLOSED = "closed"
    RESTARTING = "restarting"  # our watchdog replaces a connection whose media stalled

    @classmethod
    def of(cls, aiortc_state: str) -> PeerState:
        """aiortc's connectionState, which is a bare string."""
        try:
            return cls(aiortc_state)
        except ValueError:
            return cls.FAILED
