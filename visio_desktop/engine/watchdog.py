"""Noticing dead media paths. aiortc has no ICE restart and reports a dead path only after
about 30 s of failed consent checks, so the engine watches what arrives itself: a participant
who says they send audio or video but from whom nothing arrived for a few seconds has a stalled
connection, which the meeting then replaces."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from visio_desktop.core.kinds import PeerState, Slot
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


class MediaWatch:
    """What the watchdog knows of each peer's connection, and whose turn it is to be replaced:
    a participant found stalled by as many checks in a row as the plane's patience for them."""

    def __init__(self, rules: StallRules) -> None:
        self.rules = rules
        self._connected_at: dict[str, float] = {}  # time.time() of each peer's newest connection
        self._failed: set[str] = set()
        self._checks: dict[str, int] = {}  # consecutive checks that found a peer stalled

    def peer_state(self, participant_id: str, state: PeerState, now: float) -> None:
        if state is PeerState.NEW:  # a fresh connection: give it time to start
            self._connected_at[participant_id] = now
            self._failed.discard(participant_id)
        elif state is PeerState.FAILED:
            self._failed.add(participant_id)

    def forget(self, participant_id: str) -> None:
        self._connected_at.pop(participant_id, None)
        self._failed.discard(participant_id)
        self._checks.pop(participant_id, None)

    def due(
        self,
        now: float,
        participants: Mapping[str, ParticipantInfo],
        counters: Mapping[tuple[str, Slot], TrackCounter],
        patience: Callable[[str], int],
    ) -> list[str]:
        """One check: the peers to restart now (each then gets time to start again)."""
        stalled = stalled_peers(
            now,
            participants,
            counters,
            connected_at=self._connected_at,
            failed=self._failed,
            rules=self.rules,
        )
        self._checks = {pid: self._checks.get(pid, 0) + 1 for pid in stalled}
        due = [pid for pid in stalled if self._checks[pid] >= patience(pid)]
        for participant_id in due:
            self._checks.pop(participant_id)
            self._connected_at[participant_id] = now
        return due
