"""What LiveKit tells us of the people in a room, in our protocol's words: who someone is and
what they send, why they left, who speaks and how well each is connected."""

from __future__ import annotations

from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.core.kinds import Slot
from visio_desktop.core.protocol import LeaveReason, ParticipantInfo, clean_display_name
from visio_desktop.engine import sfu_hosting
from visio_desktop.rtc.livekit import features
from visio_desktop.rtc.livekit.plane import remote_tracks
from visio_desktop.signaling.notices import ConnectionQualities, Speakers

_QUALITY = {
    lm.ConnectionQuality.EXCELLENT: "good",
    lm.ConnectionQuality.GOOD: "good",
    lm.ConnectionQuality.POOR: "poor",
    lm.ConnectionQuality.LOST: "lost",
}
_DISCONNECT_REASONS = {
    lm.DisconnectReason.PARTICIPANT_REMOVED: LeaveReason.REMOVED,
    lm.DisconnectReason.CLIENT_INITIATED: LeaveReason.LEFT,
}


def participant_info(participant: lm.ParticipantInfo) -> ParticipantInfo:
    """Our view of a LiveKit participant: name, what they send, and their raised hand."""
    live = {t.slot for t in remote_tracks(participant) if not t.muted}
    return ParticipantInfo(
        id=participant.identity[:64],
        display_name=clean_display_name(participant.name or participant.identity),
        audio=Slot.AUDIO in live,
        video=Slot.CAMERA in live,
        screen=Slot.SCREEN in live,
        hand_raised=features.hand_raised(participant),
        role=sfu_hosting.role_of(participant),
    )


def leave_reason(participant: lm.ParticipantInfo) -> LeaveReason:
    """Why a participant LiveKit reports disconnected left."""
    return _DISCONNECT_REASONS.get(participant.disconnect_reason, LeaveReason.DISCONNECTED)


def indicators(
    response: lr.SignalResponse, sids: dict[str, str]
) -> Speakers | ConnectionQualities | None:
    """The active speakers or the connection qualities LiveKit sent, by identity (`sids`:
    participant sid -> identity); None for any other message, or qualities of nobody known."""
    kind = response.WhichOneof("message")
    if kind == "speakers_changed":
        return Speakers(
            tuple(
                (sids[s.sid], s.level if s.active else 0.0)
                for s in response.speakers_changed.speakers
                if s.sid in sids
            )
        )
    if kind == "connection_quality":
        qualities = tuple(
            (sids[u.participant_sid], _QUALITY.get(u.quality, "good"))
            for u in response.connection_quality.updates
            if u.participant_sid in sids
        )
        return ConnectionQualities(qualities) if qualities else None
    return None
