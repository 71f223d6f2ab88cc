"""Receiving Opus through our adaptive jitter buffer (`rtc.audio_buffer`) instead of aiortc's.

`install_opus_receive(receiver)` puts an `OpusReceive` in an aiortc 1.16 audio receiver in
place of its jitter buffer (private attributes, as `rtc.receivers`; the project pins
aiortc < 1.17). aiortc's receiver still does what comes before the buffer (SRTP, statistics
and the RTCP receiver reports whose loss the sender's FEC follows); from the buffer on, the
packets are ours: aiortc's decoder thread gets nothing, and frames are decoded with libopus
(`rtc.opus`), which can recover a lost one from the next packet's FEC.

Who keeps time:
- the speakers: the playout (`media.playout.Playout.attach`) calls `next_frame()` from its
  output callback each time it needs 20 ms more of this participant, so the jitter buffer is
  the only place where received audio waits;
- with no speakers pulling (none plugged in, a headless run), a 20 ms timer on the engine
  loop pops the frames instead, so that the audio is still counted and the meeting still sees
  it flow.
Either way each frame played also goes to the receiver's track, for whoever counts frames or
measures the level (`engine.receive`); `pulled_audio(track)` tells the engine that the track's
audio is to be pulled, not pushed into the playout.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fractions
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from aiortc import RTCRtpReceiver
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtp import RtpPacket
from av import AudioFrame

from visio_desktop.rtc import opus
from visio_desktop.rtc.audio_buffer import (
    FRAME_MS,
    FRAME_SAMPLES,
    RATE,
    AudioFigures,
    AudioJitterBuffer,
    Pcm,
    PlayedFrame,
)

log = logging.getLogger(__name__)

PULL_PATIENCE_S = 0.1  # the speakers pulled this recently: the timer stands down
_TIME_BASE = fractions.Fraction(1, RATE)
_pulled: weakref.WeakKeyDictionary[MediaStreamTrack, OpusReceive] = weakref.WeakKeyDictionary()


def pulled_audio(track: MediaStreamTrack) -> OpusReceive | None:
    """The jitter buffer to pull `track`'s audio from, when it has ours."""
    return _pulled.get(track)


class OpusReceive:
    """Drop-in for aiortc's audio `JitterBuffer` (`add`), and a `media.playout.FrameSource`
    (`next_frame`). See the module doc."""

    capacity = 128  # read by nobody, kept for the shape of aiortc's buffer

    def __init__(
        self,
        track: MediaStreamTrack,
        is_opus: Callable[[int], bool],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        # Weakly: the registry that finds this buffer by its track holds it, and must let go
        # of both once the track is gone. The frames for it go to its queue.
        self._track = weakref.ref(track)
        self._queue: asyncio.Queue[Any] | None = getattr(track, "_queue", None)
        self._is_opus = is_opus
        self._loop = loop
        self._lock = threading.Lock()
        self.buffer = AudioJitterBuffer(opus.Decoder())
        self._pulled_at = -1.0
        self._samples_out = 0
        self._timer: asyncio.TimerHandle | None = None
        self._deadline = 0.0
        self._closed = False
        self._warned = False

    # -- aiortc's side (engine loop) ---------------------------------------------------------

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        """A packet from aiortc's receiver; never a frame back (we decode ourselves)."""
        if not self._is_opus(packet.payload_type):
            if not self._warned:
                self._warned = True
                log.warning("audio payload type %d is not Opus: not played", packet.payload_type)
            return False, None
        data: bytes = getattr(packet, "_data", packet.payload)
        with self._lock:
            self.buffer.push(packet.sequence_number, packet.timestamp, data, time.monotonic())
        if self._timer is None and not self._closed:
            self._deadline = self._loop.time() + FRAME_MS / 1000
            self._timer = self._loop.call_at(self._deadline, self._tick)
        return False, None

    def _tick(self) -> None:
        """Play a frame if the speakers do not (see the module doc), every 20 ms."""
        track = self._track()
        if self._closed or track is None or track.readyState != "live":
            self.close()
            return
        if time.monotonic() - self._pulled_at > PULL_PATIENCE_S:
            with self._lock:
                frame = self.buffer.pop()
            if frame is not None:
                self._to_track(frame)
        now = self._loop.time()
        self._deadline += FRAME_MS / 1000
        if self._deadline < now - 0.1:  # the loop was held up: start the beat again
            self._deadline = now
        self._timer = self._loop.call_at(self._deadline, self._tick)

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()

    # -- the speakers' side (output thread) --------------------------------------------------

    def next_frame(self) -> Pcm | None:
        with self._lock:
            self._pulled_at = time.monotonic()
            frame = self.buffer.pop()
        if frame is None:
            return None
        with contextlib.suppress(RuntimeError):  # a closed loop: the call is over
            self._loop.call_soon_threadsafe(self._to_track, frame)
        return frame.pcm

    # -- both -------------------------------------------------------------------------------

    @property
    def figures(self) -> AudioFigures:
        with self._lock:
            return dataclasses.replace(self.buffer.figures)

    def _to_track(self, played: PlayedFrame) -> None:
        """Hand a played frame to the receiver's track (engine loop), for the counters."""
        queue = self._queue
        if queue is None or self._closed:
            return
        pcm = played.pcm if len(played.pcm) else np.zeros(FRAME_SAMPLES, np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._samples_out
        frame.time_base = _TIME_BASE
        self._samples_out += len(pcm)
        queue.put_nowait(frame)


def install_opus_receive(receiver: RTCRtpReceiver) -> OpusReceive | None:
    """Put an `OpusReceive` in an audio receiver of aiortc 1.16, before any RTP arrives.
    None for a video receiver, when aiortc's internals are not what this expects, or without
    libopus (then aiortc's own buffer and decoder stay, and say nothing of FEC)."""
    if getattr(receiver, "_RTCRtpReceiver__kind", None) != "audio":
        return None
    try:
        codecs: dict[int, Any] = getattr(receiver, "_RTCRtpReceiver__codecs")  # noqa: B009
        getattr(receiver, "_RTCRtpReceiver__jitter_buffer")  # noqa: B009
        track = receiver.track  # there once the remote description is (its "track" event)
    except AttributeError:
        log.warning("aiortc's receiver changed: keeping its own audio jitter buffer")
        return None

    if track is None:
        return None

    def is_opus(payload_type: int) -> bool:
        codec = codecs.get(payload_type)  # known once the connection starts
        return codec is not None and codec.mimeType.lower() == "audio/opus"

    try:
        receive = OpusReceive(track, is_opus, asyncio.get_running_loop())
    except opus.OpusUnavailable as exc:
        log.warning("%s: audio is received without FEC", exc)
        return None
    setattr(receiver, "_RTCRtpReceiver__jitter_buffer", receive)  # noqa: B010
    _pulled[track] = receive
    return receive
