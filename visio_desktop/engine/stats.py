"""Per-participant receive figures: frames and fps from the pumps, latency from synthetic
stamps, bytes and losses from aiortc's transport statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from visio_desktop.rtc.mesh import PeerStats

if TYPE_CHECKING:
    from visio_desktop.engine.meeting import Meeting


@dataclass(frozen=True)
class RemoteStats:
    participant_id: str
    display_name: str
    video_frames: int
    video_fps: float
    video_latency_p50_ms: float | None
    video_latency_p95_ms: float | None
    audio_frames: int
    bytes_received: int
    packets_lost: int
    first_video_after_join_s: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def collect_stats(meeting: Meeting) -> list[RemoteStats]:
    """Figures for everyone present, then for those who left (as they were when they left)."""
    present = {
        participant_id: await participant_stats(meeting, participant_id, info.display_name)
        for participant_id, info in list(meeting.participants.items())  # it changes meanwhile
    }
    # Someone who left while we were collecting counts once, as they were when they left.
    return list({**present, **meeting.departed}.values())


async def participant_stats(meeting: Meeting, participant_id: str, name: str) -> RemoteStats:
    video = meeting.pumps.get((participant_id, "video"))
    audio = meeting.pumps.get((participant_id, "audio"))
    transport = await meeting.mesh.peer_stats(participant_id) if meeting.mesh else PeerStats()
    return RemoteStats(
        participant_id=participant_id,
        display_name=name,
        video_frames=video.counter.frames if video else 0,
        video_fps=round(video.counter.fps(), 2) if video else 0.0,
        video_latency_p50_ms=_round(video.counter.latency_percentile(50) if video else None),
        video_latency_p95_ms=_round(video.counter.latency_percentile(95) if video else None),
        audio_frames=audio.counter.frames if audio else 0,
        bytes_received=transport.bytes_received,
        packets_lost=transport.packets_lost,
        first_video_after_join_s=meeting.first_frames.get((participant_id, "video")),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
