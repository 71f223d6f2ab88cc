"""Room state, pure and synchronous: who is in which room, and who must hear about what.

The connection layer (`server.connection`) owns the sockets; this module only decides.
Rooms are created on first join and dropped when the last participant leaves.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from visio_desktop.core.display_names import unique_display_name
from visio_desktop.core.errors import VisioError
from visio_desktop.core.protocol import NAME_MAX, ErrorCode, ParticipantInfo, UpdateState


class RoomError(VisioError):
    """A request the room logic refuses; `code` goes back to the client."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def new_participant_id() -> str:
    return secrets.token_hex(6)


@dataclass
class Room:
    slug: str
    participants: dict[str, ParticipantInfo] = field(default_factory=dict)

    def others(self, participant_id: str) -> list[str]:
        return [pid for pid in self.participants if pid != participant_id]


class RoomRegistry:
    """All rooms of one server."""

    def __init__(self, max_participants: int) -> None:
        self.max_participants = max_participants
        self._rooms: dict[str, Room] = {}

    def __len__(self) -> int:
        return len(self._rooms)

    def __iter__(self) -> Iterator[Room]:
        return iter(self._rooms.values())

    def get(self, slug: str) -> Room | None:
        return self._rooms.get(slug)

    @property
    def participant_count(self) -> int:
        return sum(len(room.participants) for room in self._rooms.values())

    def join(self, slug: str, info: ParticipantInfo) -> Room:
        """Add `info` to room `slug`, creating the room; RoomError if it is full.

        The name is made unique in the room ("Name (2)"): read it back from the room.
        """
        room = self._rooms.get(slug)
        if room is None:
            room = self._rooms[slug] = Room(slug)
        if info.id in room.participants:
            raise RoomError(ErrorCode.ALREADY_JOINED, "you are already in this meeting")
        if len(room.participants) >= self.max_participants:
            if not room.participants:
                del self._rooms[slug]
            raise RoomError(
                ErrorCode.ROOM_FULL,
                f"this meeting is full ({self.max_participants} participants)",
            )
        named = dataclasses.replace(info, display_name=self._unique(room, info))
        room.participants[info.id] = named
        return room

    def leave(self, slug: str, participant_id: str) -> ParticipantInfo | None:
        """Remove a participant; the room goes when it is empty. None if it was not there."""
        room = self._rooms.get(slug)
        if room is None:
            return None
        info = room.participants.pop(participant_id, None)
        if not room.participants:
            del self._rooms[slug]
        return info

    def update(self, slug: str, participant_id: str, state: UpdateState) -> ParticipantInfo:
        room = self._require(slug, participant_id)
        current = room.participants[participant_id]
        info = dataclasses.replace(
            current,
            display_name=self._unique(
                room, dataclasses.replace(current, display_name=state.display_name)
            ),
            audio=state.audio,
            video=state.video,
            screen=state.screen,
            hand_raised=state.hand_raised,
        )
        room.participants[participant_id] = info
        return info

    @staticmethod
    def _unique(room: Room, info: ParticipantInfo) -> str:
        others = (p.display_name for pid, p in room.participants.items() if pid != info.id)
        return unique_display_name(info.display_name, others, NAME_MAX)

    def check_peer(self, slug: str, sender: str, target: str) -> None:
        """RoomError unless `target` is another participant of the sender's room."""
        room = self._require(slug, sender)
        if target == sender or target not in room.participants:
            raise RoomError(ErrorCode.UNKNOWN_PARTICIPANT, "no such participant in this meeting")

    def _require(self, slug: str, participant_id: str) -> Room:
        room = self._rooms.get(slug)
        if room is None or participant_id not in room.participants:
            raise RoomError(ErrorCode.NOT_JOINED, "join a meeting first")
        return room
