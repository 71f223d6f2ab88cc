"""Hosting on a LiveKit SFU, as `engine.sfu_backend.LiveKitBackend` translates it: roles from
La Suite Meet's `room_role` attribute (owner, admin, member), the meeting's rules from the
room's metadata (`{"visio": {"access", "mics_locked"}}`, written by our server's front)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError
from visio_desktop.core.kinds import Slot
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.protocol import (
    Admit,
    EndMeeting,
    Error,
    ErrorCode,
    MeetingEnded,
    Message,
    Moderate,
    Moderated,
    SetRoomState,
)
from visio_desktop.core.roles import Access, Moderation, Role, RoomState

log = logging.getLogger(__name__)

ROLE_ATTRIBUTE = "room_role"
_ROLES = {"owner": Role.HOST, "admin": Role.COHOST}
METADATA_LIMIT = 64 * 1024


def role_of(participant: lm.ParticipantInfo) -> Role:
    """A LiveKit participant's role in our words: owner → host, admin → co-host."""
    return _ROLES.get(participant.attributes.get(ROLE_ATTRIBUTE, ""), Role.PARTICIPANT)


def room_state_of(metadata: str) -> RoomState | None:
    """The rules the room's metadata holds, or None when it holds none readable."""
    if not metadata or len(metadata) > METADATA_LIMIT:
        return None
    try:
        document = json.loads(metadata)
    except (ValueError, RecursionError):
        return None
    visio = document.get("visio") if isinstance(document, dict) else None
    if not isinstance(visio, dict):
        return None
    try:
        access = Access(visio.get("access", Access.OPEN))
    except ValueError:
        return None
    mics_locked = visio.get("mics_locked", False)
    if not isinstance(mics_locked, bool):
        return None
    return RoomState(access=access, mics_locked=mics_locked)


class HostRequest(NamedTuple):
    """One request of a host to the server, on the room: `rooms/<id>/<action>`."""

    method: str
    action: str
    body: object = None


_SOURCES = {
    Moderation.MUTE: lm.TrackSource.MICROPHONE,
    Moderation.STOP_VIDEO: lm.TrackSource.CAMERA,
    Moderation.STOP_SCREEN: lm.TrackSource.SCREEN_SHARE,
}
_ROLE_NAMES = {Moderation.MAKE_COHOST: "admin", Moderation.REVOKE_COHOST: "member"}


def host_requests(message: Message, known: dict[str, lm.ParticipantInfo]) -> list[HostRequest]:
    """The requests our host message makes to La Suite Meet's API (as our front has it), with
    the track sids from the participants LiveKit told us of (`known`: identity → info)."""
    if isinstance(message, Admit):
        return [
            HostRequest("POST", "enter/", {"participant_id": i, "allow_entry": message.allow})
            for i in message.ids
        ]
    if isinstance(message, SetRoomState):
        state = message.state
        body = {"access": str(state.access), "mics_locked": state.mics_locked}
        return [HostRequest("PATCH", "", body)]
    if isinstance(message, EndMeeting):
        return [HostRequest("POST", "end-meeting/")]
    if isinstance(message, Moderate):
        return _moderation(message, known)
    return []


def _moderation(message: Moderate, known: dict[str, lm.ParticipantInfo]) -> list[HostRequest]:
    action, target = message.action, message.target
    source = _SOURCES.get(action)
    if source is not None:
        if target:
            people = [known[target]] if target in known else []
        else:  # everyone's microphone but the hosts'
            people = [p for p in known.values() if not role_of(p).moderates]
        return [
            HostRequest(
                "POST",
                "mute-participant/",
                {"participant_identity": p.identity, "track_sid": t.sid},
            )
            for p in people
            for t in p.tracks
            if t.source == source
        ]
    if not target:
        return []
    if action is Moderation.LOWER_HAND:
        body: dict[str, object] = {"participant_identity": target}
        body["attributes"] = {"handRaisedAt": ""}
        return [HostRequest("POST", "update-participant/", body)]
    if action in _ROLE_NAMES:
        body = {"participant_identity": target, "role": _ROLE_NAMES[action]}
        return [HostRequest("POST", "update-participant-role/", body)]
    if action is Moderation.REMOVE:
        return [HostRequest("POST", "remove-participant/", {"participant_identity": target})]
    return []


HostCall = Callable[[LiveKitGrant, HostRequest], Awaitable[object]]
_HOST_MESSAGES = (Admit, Moderate, SetRoomState, EndMeeting)


def shown(participant: lm.ParticipantInfo) -> bool:
    """Whether a participant is someone to show: not a hidden recorder or agent."""
    return not participant.permission.hidden


async def ask_server(
    call: HostCall | None,
    grant: LiveKitGrant | None,
    message: Message,
    known: dict[str, lm.ParticipantInfo],
    put: Callable[[Message], None],
) -> bool:
    """Send a host message of ours as the server's requests; False when it is none. A
    refusal becomes our Error message (the window shows it), never an exception."""
    if not isinstance(message, _HOST_MESSAGES):
        return False
    if call is None or grant is None:
        put(Error(ErrorCode.FORBIDDEN, "This server does not let hosts act from this app."))
        return True
    try:
        for request in host_requests(message, known):
            await call(grant, request)
    except ServerRejectedError as exc:
        put(Error(exc.code, exc.message))
    except ServerUnreachableError as exc:
        log.info("a host request failed: %s", exc.message)
        put(Error(ErrorCode.SERVER_BUSY, exc.message))
    return True


_MUTED = {Slot.AUDIO: Moderation.MUTE, Slot.CAMERA: Moderation.STOP_VIDEO,
          Slot.SCREEN: Moderation.STOP_SCREEN}  # fmt: skip


def server_decision(
    response: lr.SignalResponse, published: Callable[[Slot], str | None]
) -> Message | None:
    """What a host did to us, as LiveKit tells it: a mute of one of our tracks (`published`:
    our track sid in a slot), our removal, or the room deleted (the meeting ended)."""
    kind = response.WhichOneof("message")
    if kind == "mute" and response.mute.muted:
        for slot, action in _MUTED.items():
            if published(slot) == response.mute.sid:
                return Moderated(action)
    elif kind == "leave":
        reason = response.leave.reason
        if reason == lm.DisconnectReason.PARTICIPANT_REMOVED:
            return Moderated(Moderation.REMOVE)
        if reason == lm.DisconnectReason.ROOM_DELETED:
            return MeetingEnded()
    return None
