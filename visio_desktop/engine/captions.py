"""Captions of the local participant's own voice, in a meeting.

The local audio (the processed microphone, or a synthetic speech track) is read through the
meeting's relay and fed to the captions worker process; each caption it makes goes to everyone
over the meeting protocol (the server stamps the speaker) and is shown here at once, without
waiting for the server. No audio leaves the machine: only the text.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame

from visio_desktop.captions import (
    CaptionEvent,
    CaptionSegment,
    CaptionWorker,
    WorkerConfig,
    WorkerError,
    WorkerReady,
    find_model,
    unavailable_message,
)
from visio_desktop.captions.models import DEFAULT_MODEL
from visio_desktop.core.errors import ConnectionLostError
from visio_desktop.core.kinds import MediaKind, Slot
from visio_desktop.core.protocol import Caption, Message, ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.events import CaptionsState
from visio_desktop.engine.local import LocalMedia
from visio_desktop.engine.receive import RemoteTrackPump

log = logging.getLogger(__name__)

SendCaption = Callable[[CaptionSegment], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class CaptionsOptions:
    """What the user (or policy) chose: the language ("" means French or English, detected),
    the model (a catalogue name or a folder) and how many CPU threads recognition may use."""

    language: str = ""
    model: str = DEFAULT_MODEL
    cpu_threads: int = 2


class LocalCaptions:
    """Runs on the engine loop; the worker process does the recognition."""

    def __init__(
        self,
        options: CaptionsOptions,
        send: SendCaption,
        on_state: Callable[[CaptionsState, str], None],
    ) -> None:
        self._options = options
        self._send = send
        self._on_state = on_state
        self._worker: CaptionWorker | None = None
        self._tap: RemoteTrackPump | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, relay: MediaRelay, audio: MediaStreamTrack) -> bool:
        """Start recognising `audio` (read through `relay`); False when there is no model."""
        self._loop = loop = asyncio.get_running_loop()
        model = await loop.run_in_executor(None, find_model, self._options.model)
        if model is None:
            self._on_state(CaptionsState.UNAVAILABLE, unavailable_message())
            return False
        self._on_state(CaptionsState.STARTING, "")
        config = WorkerConfig(
            model=str(model),
            language=self._options.language or None,
            cpu_threads=self._options.cpu_threads,
        )
        worker = CaptionWorker(config)
        await loop.run_in_executor(None, worker.start, self._from_worker)
        self._worker = worker
        tap = RemoteTrackPump("captions", relay.subscribe(audio, buffered=False), _ignore)
        tap.sinks.append(self._feed)
        self._tap = tap.start()
        return True

    def _feed(self, frame: object) -> None:
        worker = self._worker
        if worker is None or not isinstance(frame, AudioFrame):
            return
        worker.feed(mono_int16(frame))

    def _from_worker(self, event: CaptionEvent) -> None:
        """The worker's event thread: hand the event to the engine loop."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed while we were stopping
            loop.call_soon_threadsafe(self._handle, event)

    def _handle(self, event: CaptionEvent) -> None:
        if isinstance(event, CaptionSegment):
            if event.text or event.final:
                asyncio.get_running_loop().create_task(self._send(event), name="send-caption")
        elif isinstance(event, WorkerReady):
            self._on_state(CaptionsState.ON, "")
        elif isinstance(event, WorkerError):
            log.warning("captions: %s", event.message)
            if event.fatal:
                self._on_state(CaptionsState.FAILED, event.message)

    def flush(self) -> None:
        """Finalise the open segment now (the microphone was turned off)."""
        if self._worker is not None:
            self._worker.flush()

    async def stop(self) -> None:
        tap, self._tap = self._tap, None
        if tap is not None:
            tap.track.stop()
            await tap.stop()
        worker, self._worker = self._worker, None
        if worker is not None:  # joins the process
            await asyncio.get_running_loop().run_in_executor(None, worker.stop)
        self._on_state(CaptionsState.OFF, "")


def mono_int16(frame: AudioFrame) -> np.ndarray:
    """The frame's samples as one channel of int16 (the first channel if there are several)."""
    samples = frame.to_ndarray()
    if frame.format.is_planar or samples.shape[0] > 1:
        samples = samples[0]
    else:
        channels = len(frame.layout.channels)
        samples = samples.reshape(-1, channels)[:, 0]
    if samples.dtype != np.int16:
        samples = (np.clip(samples.astype(np.float32), -1.0, 1.0) * 32767).astype(np.int16)
    return np.ascontiguousarray(samples.reshape(-1))


def _ignore(participant_id: str, slot: Slot) -> None:
    return None


class OwnCaptions:
    """When our captions run in a meeting: wanted by the user, and the microphone on (so a
    listener loads no model). Captions go to everyone and, at once, to our own overlay."""

    def __init__(
        self,
        local: LocalMedia,
        send: Callable[[Message], Coroutine[Any, Any, None]],
        emit: ev.Listener,
        me: Callable[[], ParticipantInfo | None],
    ) -> None:
        self._local = local
        self._send = send
        self._emit = emit
        self._me = me
        self._wanted: CaptionsOptions | None = None
        self._running: LocalCaptions | None = None

    async def set(self, on: bool, options: CaptionsOptions) -> None:
        await self.close()
        self._wanted = options if on else None
        await self.follow_microphone()

    async def follow_microphone(self) -> None:
        if self._running is not None:
            if not self._local.is_on(MediaKind.AUDIO):
                self._running.flush()  # what was said before the mute is final now
            return
        if self._wanted is not None and self._local.is_on(MediaKind.AUDIO):
            running = LocalCaptions(self._wanted, self._send_own, self._state)
            self._running = running
            if not await running.start(self._local.relay, self._local.outgoing[Slot.AUDIO]):
                self._running = None

    async def _send_own(self, segment: CaptionSegment) -> None:
        caption = Caption(
            segment_id=segment.segment_id,
            text=segment.text,
            final=segment.final,
            language=segment.language,
            start=segment.start,
            end=segment.end,
        )
        me = self._me()
        if me is not None:
            own = dataclasses.replace(caption, sender=me.id, sender_name=me.display_name)
            self._emit(ev.CaptionReceived.of(own))
        with contextlib.suppress(ConnectionLostError):  # reconnecting: this one is lost
            await self._send(caption)

    def _state(self, state: CaptionsState, detail: str) -> None:
        self._emit(ev.CaptionsStateChanged(state, detail))

    async def close(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            await running.stop()
