"""Noticing dead media paths. aiortc has no ICE restart and reports a dead path only after
about 30 s of failed consent checks, so the engine watches what arrives itself: a participant
who says they send audio or video but from whom nothing arrived for a few seconds has a stalled
connection, which the meeting then replaces."""

from __future__ import annotations

from collections.abc import Mapping

from visio_desktop.core.kinds import Slot
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine.options import StallRules
from visio_desktop.engine.receive import TrackCounter


def stalled_peers(
    now: float,
    participants: Mapping[str, ParticipantInfo],
    counters: Mapping[tuple[str, Slot], TrackCounter],
    *,
    connected_at: Mapping[str, float],
    failed: set[str],
    rules: StallRules,
) -> list[str]:
    """Participants whose media should be flowing and is not (times are time.time())."""
    stalled = []
    for participant_id, info in participants.items():
        since = connected_at.get(participant_id)
        if since is None:
            continue
        if participant_id in failed:
            stalled.append(participant_id)
            continue
        expected = [s for s, on in ((Slot.AUDIO, info.audio), (Slot.CAMERA, info.video)) if on]
        if not expected:
            continue
        arrivals = [
            counter.last_at
            for slot in expected
            if (counter := counters.get((participant_id, slot))) is not None
            and counter.last_at is not None
        ]
        last = max(arrivals, default=None)
        if last is not None and last >= since:
            if now - last > rules.silence_seconds:
                stalled.append(participant_id)
        elif now - since > rules.first_media_seconds:
            stalled.append(participant_id)
    return stalled
