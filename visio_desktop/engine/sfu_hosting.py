"""Hosting on a LiveKit SFU, as `engine.sfu_backend.LiveKitBackend` translates it: roles from
La Suite Meet's `room_role` attribute (owner, admin, member), the meeting's rules from the
room's metadata (`{"visio": {"access", "mics_locked"}}`, written by our server's front)."""

from __future__ import annotations

import json

from livekit.protocol import models as lm

from visio_desktop.core.roles import Access, Role, RoomState

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
