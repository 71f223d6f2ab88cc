"""Receive figures stay consistent while participants come and go, and the frame rates the
tiles' quality comes from."""

from __future__ import annotations

from typing import cast

from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine.remote import RemoteMedia
from visio_desktop.engine.stats import RemoteStats, collect_stats, frame_rates
from visio_desktop.rtc.plane import MediaPlane, TransportStats


def figures(participant_id: str, frames: int, audio_frames: int = 0) -> RemoteStats:
    return RemoteStats(
        participant_id, participant_id, frames, 30.0, 40.0, 50.0, audio_frames, 0, 0, 0.1
    )


class PlaneWhereSomeoneLeaves:
    """Answers transport figures slowly enough that a participant leaves meanwhile (only the
    one method `collect_stats` asks of a media plane)."""

    def __init__(
        self, participants: dict[str, ParticipantInfo], departed: dict[str, RemoteStats]
    ) -> None:
        self.participants = participants
        self.departed = departed

    async def transport_stats(self, participant_id: str) -> TransportStats:
        if "b" in self.participants:  # b leaves while a's figures are being read
            del self.participants["b"]
            self.departed["b"] = figures("b", 99)
        return TransportStats(bytes_received=1000)


async def test_someone_leaving_during_collection_is_counted_once() -> None:
    participants = {pid: ParticipantInfo(id=pid, display_name=pid) for pid in ("a", "b", "c")}
    departed = {"z": figures("z", 7)}
    plane = cast(MediaPlane, PlaneWhereSomeoneLeaves(participants, departed))
    stats = await collect_stats(plane, RemoteMedia(lambda _: None), participants, departed)
    by_id = {s.participant_id: s for s in stats}
    assert sorted(s.participant_id for s in stats) == ["a", "b", "c", "z"]
    assert by_id["b"].video_frames == 99  # as they were when they left
    assert by_id["a"].bytes_received == 1000


def test_frame_rates_come_from_the_frames_between_two_polls() -> None:
    before: dict[str, int] = {}
    assert frame_rates(before, [figures("a", 10)], 2.0) == {}  # one poll: no rate yet
    rates = frame_rates(before, [figures("a", 60, audio_frames=5), figures("b", 3)], 2.0)
    assert rates == {"a": (25.0, True)}  # b is new
    assert frame_rates(before, [figures("a", 60), figures("b", 3)], 2.0) == {
        "a": (0.0, False),
        "b": (0.0, False),
    }
    assert frame_rates(before, [figures("a", 80)], 0.0) == {}  # no time passed: no rate
