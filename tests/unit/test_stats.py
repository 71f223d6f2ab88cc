"""Receive figures stay consistent while participants come and go."""

from __future__ import annotations

from typing import Any, cast

from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine.meeting import Meeting
from visio_desktop.engine.stats import RemoteStats, collect_stats
from visio_desktop.rtc.mesh import PeerStats


def figures(participant_id: str, frames: int) -> RemoteStats:
    return RemoteStats(participant_id, participant_id, frames, 30.0, 40.0, 50.0, 0, 0, 0, 0.1)


class MeshWhereSomeoneLeaves:
    """Answers transport stats slowly enough that a participant leaves meanwhile."""

    def __init__(self, meeting: Any) -> None:
        self.meeting = meeting

    async def peer_stats(self, participant_id: str) -> PeerStats:
        if "b" in self.meeting.participants:  # b leaves while a's figures are being read
            del self.meeting.participants["b"]
            self.meeting.departed["b"] = figures("b", 99)
        return PeerStats(bytes_received=1000)


class MeetingStandIn:
    def __init__(self) -> None:
        self.participants = {
            pid: ParticipantInfo(id=pid, display_name=pid) for pid in ("a", "b", "c")
        }
        self.departed: dict[str, RemoteStats] = {"z": figures("z", 7)}
        self.pumps: dict[tuple[str, str], Any] = {}
        self.first_frames: dict[tuple[str, str], float] = {}
        self.mesh = MeshWhereSomeoneLeaves(self)


async def test_someone_leaving_during_collection_is_counted_once() -> None:
    stats = await collect_stats(cast(Meeting, MeetingStandIn()))
    by_id = {s.participant_id: s for s in stats}
    assert sorted(s.participant_id for s in stats) == ["a", "b", "c", "z"]
    assert by_id["b"].video_frames == 99  # as they were when they left
    assert by_id["a"].bytes_received == 1000
