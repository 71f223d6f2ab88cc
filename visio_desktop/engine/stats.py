"""Per-participant receive figures: frames and fps from the pumps, latency from synthetic
stamps, how the audio played from our jitter buffer, bytes and losses from aiortc's transport
statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from visio_desktop.core.kinds import Slot
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine.remote import RemoteMedia
from visio_desktop.rtc.plane import MediaPlane, TransportStats


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
    # How the audio played, from our jitter buffer (all 0 where aiortc's own received it):
    # frames from the packets themselves, recovered from FEC, concealed (for a lost or late
    # packet), and the packets that never came.
    audio_real: int = 0
    audio_fec: int = 0
    audio_concealed: int = 0
    audio_lost: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def collect_stats(
    plane: MediaPlane | None,
    remote: RemoteMedia,
    participants: Mapping[str, ParticipantInfo],
    departed: Mapping[str, RemoteStats],
) -> list[RemoteStats]:
    """Figures for everyone present, then for those who left (as they were when they left)."""
    present = {
        participant_id: await participant_stats(plane, remote, participant_id, info.display_name)
        for participant_id, info in list(participants.items())  # it changes meanwhile
    }
    # Someone who left while we were collecting counts once, as they were when they left.
    return list({**present, **departed}.values())


async def participant_stats(
    plane: MediaPlane | None, remote: RemoteMedia, participant_id: str, name: str
) -> RemoteStats:
    """What arrived from one participant: the pumps' counts and the plane's transport."""
    video = remote.counter(participant_id, Slot.CAMERA)
    audio = remote.counter(participant_id, Slot.AUDIO)
    played = remote.audio_figures(participant_id)
    transport = (
        await plane.transport_stats(participant_id) if plane is not None else TransportStats()
    )
    return RemoteStats(
        participant_id=participant_id,
        display_name=name,
        video_frames=video.frames if video else 0,
        video_fps=round(video.fps(), 2) if video else 0.0,
        video_latency_p50_ms=_round(video.latency_percentile(50) if video else None),
        video_latency_p95_ms=_round(video.latency_percentile(95) if video else None),
        audio_frames=audio.frames if audio else 0,
        bytes_received=transport.bytes_received,
        packets_lost=transport.packets_lost,
        first_video_after_join_s=remote.first_frames.get((participant_id, Slot.CAMERA)),
        audio_real=played.real if played else 0,
        audio_fec=played.fec if played else 0,
        audio_concealed=played.concealed if played else 0,
        audio_lost=played.lost if played else 0,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def frame_rates(
    before: dict[str, int], stats: list[RemoteStats], seconds: float
) -> dict[str, tuple[float, bool]]:
    """Each participant's video frame rate since the last poll (`before` holds the frame
    counts of that poll and is brought up to date) and whether their audio flows: what
    `CallState.apply_stats` takes. A participant seen for the first time has no rate yet."""
    figures: dict[str, tuple[float, bool]] = {}
    for entry in stats:
        previous = before.get(entry.participant_id)
        before[entry.participant_id] = entry.video_frames
        if previous is not None and seconds > 0:
            fps = (entry.video_frames - previous) / seconds
            figures[entry.participant_id] = (fps, entry.audio_frames > 0)
    return figures
