"""What arrives from the other participants, whatever media plane carried it: one pump per
remote track, feeding the video sink (tiles) and the audio sink (playout), counting frames for
the statistics, the watchdog and the active speaker.

Media is played and shown only when the meeting server says that slot is on (`may_play`): on an
SFU, LiveKit stops forwarding a muted track; a mesh has no such middlebox, so this is where a
host's mute, the microphone lock and a host stopping a camera or a shared screen hold against
a client that keeps sending."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.core.kinds import SLOTS, Slot, TileKey
from visio_desktop.engine import events as ev
from visio_desktop.engine.receive import RemoteTrackPump, TrackCounter
from visio_desktop.media.audio_processing import Samples
from visio_desktop.media.playout import FrameSource
from visio_desktop.rtc.audio_buffer import AudioFigures
from visio_desktop.rtc.audio_receive import pulled_audio


class RemoteMedia:
    """Runs on the engine loop."""

    def __init__(
        self,
        emit: ev.Listener,
        video_sink: ev.VideoSink | None = None,
        audio_out: ev.AudioSink | None = None,
    ) -> None:
        self._emit = emit
        self._video_sink = video_sink
        self._audio_out = audio_out
        self.pumps: dict[tuple[str, Slot], RemoteTrackPump] = {}
        self.first_frames: dict[tuple[str, Slot], float] = {}
        self.joined_at = time.monotonic()
        # Whether the server says this participant's slot is on (set by the meeting).
        self.may_play: Callable[[str, Slot], bool] = lambda participant_id, slot: True

    def admitted(self) -> None:
        """A (re)join: first frames count from now."""
        self.joined_at = time.monotonic()

    def add(self, participant_id: str, slot: Slot, track: MediaStreamTrack) -> None:
        """A remote track arrived; a track that replaces another in its slot stops the old
        one's pump."""
        pump = RemoteTrackPump(participant_id, track, self._first_frame, slot=slot)
        sink, audio_out = self._video_sink, self._audio_out
        if slot is not Slot.AUDIO and sink is not None:
            key = TileKey.of_slot(participant_id, slot)
            pump.sinks.append(lambda frame: self._show(sink, key, participant_id, slot, frame))
        elif slot is Slot.AUDIO and audio_out is not None:
            source = pulled_audio(track)
            if source is not None:  # the speakers pull it; the pump only counts
                audio_out.attach(
                    participant_id, MicrophoneGate(source, lambda: self._heard(participant_id))
                )
            else:
                pump.sinks.append(lambda frame: self._play(audio_out, participant_id, frame))
        old = self.pumps.get((participant_id, slot))
        if old is not None:
            asyncio.get_running_loop().create_task(old.stop())
        self.pumps[(participant_id, slot)] = pump.start()
        self._emit(ev.TrackAdded(participant_id, slot, track))

    def _heard(self, participant_id: str) -> bool:
        return self.may_play(participant_id, Slot.AUDIO)

    def _play(self, audio_out: ev.AudioSink, participant_id: str, frame: object) -> None:
        if self._heard(participant_id):
            audio_out.push(participant_id, frame)

    def _show(
        self, sink: ev.VideoSink, key: TileKey, participant_id: str, slot: Slot, frame: object
    ) -> None:
        if self.may_play(participant_id, slot):
            sink(key, frame)

    async def drop(self, participant_id: str) -> None:
        """A participant is gone: their pumps stop and their playout buffer goes."""
        if self._audio_out is not None:
            self._audio_out.remove_participant(participant_id)
        for slot in SLOTS:
            pump = self.pumps.pop((participant_id, slot), None)
            if pump is not None:
                await pump.stop()
                self._emit(ev.TrackRemoved(participant_id, slot))

    def counter(self, participant_id: str, slot: Slot) -> TrackCounter | None:
        pump = self.pumps.get((participant_id, slot))
        return pump.counter if pump is not None else None

    def audio_figures(self, participant_id: str) -> AudioFigures | None:
        """How a participant's audio played (real, FEC, concealed), if our buffer has it."""
        pump = self.pumps.get((participant_id, Slot.AUDIO))
        source = pulled_audio(pump.track) if pump is not None else None
        return source.figures if source is not None else None

    def counters(self) -> Mapping[tuple[str, Slot], TrackCounter]:
        return {key: pump.counter for key, pump in self.pumps.items()}

    def levels(self) -> list[tuple[TileKey, float]]:
        """The loudest level of each participant's voice since the last call."""
        return [
            (TileKey.camera(participant_id), round(pump.counter.take_level(), 3))
            for (participant_id, slot), pump in list(self.pumps.items())
            if slot is Slot.AUDIO and self.may_play(participant_id, slot)
        ]

    async def close(self) -> None:
        for participant_id in {pid for pid, _ in self.pumps}:
            await self.drop(participant_id)

    def _first_frame(self, participant_id: str, slot: Slot) -> None:
        after = round(time.monotonic() - self.joined_at, 3)
        self.first_frames[(participant_id, slot)] = after
        self._emit(ev.FirstRemoteFrame(participant_id, slot, after))


class MicrophoneGate:
    """A pulled participant's audio (`media.playout.FrameSource`), silent while the server says
    their microphone is off. Called on the speakers' thread: frames are still taken from the
    jitter buffer, so it neither backs up nor plays stale audio once the microphone is on."""

    def __init__(self, source: FrameSource, heard: Callable[[], bool]) -> None:
        self.source = source
        self._heard = heard

    def next_frame(self) -> Samples | None:
        frame = self.source.next_frame()
        if frame is None or self._heard():
            return frame
        return np.zeros_like(frame)
