"""Reading remote tracks on the engine loop: counting frames, reading synthetic stamps, and
handing frames to whoever renders or plays them (a sink must not block).

Latency is measured from the stamp a synthetic test pattern carries. A remote video track is
looked at for a stamp during its first frames only: a camera's picture never carries one, so
its frames stop going through the stamp decoder once it is clear that none comes."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame

from visio_desktop.core.kinds import MediaKind, Slot
from visio_desktop.core.tasks import cancel_and_wait
from visio_desktop.media.synthetic import read_stamp

FrameSink = Callable[[Any], None]
_LATENCY_SAMPLES = 20_000
STAMP_PROBE_FRAMES = 30  # frames looked at for a stamp before deciding the source has none


@dataclass
class TrackCounter:
    """What arrived on one remote track."""

    kind: str
    frames: int = 0
    first_at: float | None = None
    last_at: float | None = None
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_LATENCY_SAMPLES))
    peak_level: float = 0.0  # loudest audio frame since the last take_level()

    def take_level(self) -> float:
        level, self.peak_level = self.peak_level, 0.0
        return level

    def fps(self) -> float:
        if self.first_at is None or self.last_at is None or self.frames < 2:
            return 0.0
        span = self.last_at - self.first_at
        return (self.frames - 1) / span if span > 0 else 0.0

    def latency_percentile(self, pct: float) -> float | None:
        if not self.latencies_ms:
            return None
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(pct) - 1]


_FLOOR_DB = -60.0


def audio_level(frame: AudioFrame) -> float:
    """Loudness of a frame on a 0..1 scale: RMS from -60 dBFS (0) to full scale (1)."""
    samples = frame.to_ndarray()
    if samples.size == 0:
        return 0.0
    if samples.dtype.kind == "i":
        scaled = samples.astype(np.float32) / 32768.0
    else:
        scaled = samples.astype(np.float32)
    rms = float(np.sqrt(np.mean(scaled * scaled)))
    if rms <= 0.0:
        return 0.0
    db = 20.0 * float(np.log10(rms))
    return min(1.0, max(0.0, (db - _FLOOR_DB) / -_FLOOR_DB))


class StampProbe:
    """Whether a video track's frames are worth reading a synthetic stamp from."""

    def __init__(self, enabled: bool) -> None:
        self._left = STAMP_PROBE_FRAMES if enabled else 0
        self.stamped = False  # a stamp was found: read every frame from now on
        self.frames_read = 0

    def read(self, frame: VideoFrame) -> float | None:
        """The frame's capture time in ms (the stamp's clock), or None."""
        if not self.stamped and self._left <= 0:
            return None
        self.frames_read += 1
        stamp = read_stamp(frame)
        if stamp is not None:
            self.stamped = True
            return float(stamp.capture_ms)
        self._left -= 1
        return None


class RemoteTrackPump:
    """Pulls frames from one track (remote, or a local self-view subscription) until it ends;
    notifies the first frame once. `start()` it on the engine loop."""

    def __init__(
        self,
        participant_id: str,
        track: MediaStreamTrack,
        on_first_frame: Callable[[str, Slot], None],
        *,
        slot: Slot | None = None,
        read_stamps: bool = True,
    ) -> None:
        self.participant_id = participant_id
        self.track = track
        self.slot = slot or Slot.of(MediaKind(track.kind))  # what the first-frame notice names
        self.counter = TrackCounter(track.kind)
        self.sinks: list[FrameSink] = []
        self.stamps = StampProbe(read_stamps and track.kind == "video")
        self._on_first_frame = on_first_frame
        self._task: asyncio.Task[None] | None = None

    def start(self) -> RemoteTrackPump:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"pump-{self.participant_id}-{self.slot}"
            )
        return self

    async def _run(self) -> None:
        counter = self.counter
        while True:
            try:
                frame = await self.track.recv()
            except MediaStreamError:
                return
            now = time.time()
            counter.frames += 1
            counter.last_at = now
            if counter.first_at is None:
                counter.first_at = now
                self._on_first_frame(self.participant_id, self.slot)
            if isinstance(frame, VideoFrame):
                captured_ms = self.stamps.read(frame)
                if captured_ms is not None:
                    counter.latencies_ms.append(now * 1000 % 2**40 - captured_ms)
            elif isinstance(frame, AudioFrame):
                counter.peak_level = max(counter.peak_level, audio_level(frame))
            for sink in self.sinks:
                sink(frame)

    async def stop(self) -> None:
        if self._task is None:
            return
        await cancel_and_wait(self._task)
