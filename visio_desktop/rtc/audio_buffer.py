"""An adaptive audio jitter buffer for Opus: encoded packets in, a frame of PCM out per
`pop()` (20 ms; up to 20 ms more while it catches up), whoever keeps time (the speakers'
callback, or a timer when there are none).

aiortc's audio buffer holds four frames (80 ms) before it releases one, and throws away the
frames it holds when a packet is lost (at 10 % loss only about 56 % of frames played, see
FINDINGS.md). This one, as WebRTC's NetEq does:
- keys packets by RTP sequence number, unwrapped past 65535, so reordering is repaired and a
  duplicate or a packet that comes after its turn is counted and left out;
- keeps as little audio as the path needs: it starts playing once it holds `wanted_frames`,
  from the interarrival jitter (RFC 3550's estimate) and one frame more while packets are
  being lost, so that the next packet, and the FEC in it, is there when a loss is played;
- plays a lost packet from the in-band FEC of the packet after it when that one is here, and
  conceals it with Opus PLC otherwise;
- when nothing is here yet (a late packet, or the sender's DTX in silence) plays a frame of
  concealment (or of silence after a quiet frame) without using up the sequence number: the
  audio is stretched by a frame rather than a late packet being thrown away;
- when it holds more than it wants (the path's delay fell, the sender's clock runs fast), it
  catches up by leaving out a quiet frame; when someone talks on and no quiet frame comes,
  by playing two frames of speech in less time (`shorten`, time-stretching); only far beyond
  (`max_ms`) does it drop speech, oldest first, and count it.
It counts in 20 ms frames, the packet size that aiortc and browsers send.
Pure and synchronous: the caller gives arrival times and holds any lock. Each frame played
is counted by where it came from (`AudioFigures`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Pcm = npt.NDArray[np.int16]
RATE = 48_000
FRAME_MS = 20
FRAME_SAMPLES = RATE * FRAME_MS // 1000
QUIET_RMS = 100.0  # about -50 dBFS: below this a frame is silence that may be left out
RESTART_GAP = 500  # sequence numbers: a jump this far is a new stream
EMPTY_FRAMES_BEFORE_REST = 10  # 200 ms with nothing to play: stop and fill again
LOSS_MEMORY = 0.98  # per packet: the loss estimate forgets over about 50 packets
ACCELERATE_AFTER = 10  # late this many frames in a row with no silence: speed speech up
PITCH_MIN, PITCH_MAX = RATE // 400, RATE // 66  # 2.5 to 15 ms: a voice's pitch periods
OVERLAP = RATE // 200  # 5 ms cross-fade


class OpusDecoding(Protocol):
    """What the buffer needs of a decoder (`rtc.opus.Decoder`)."""

    def decode(
        self, data: bytes | None, *, fec: bool = False, samples: int = FRAME_SAMPLES
    ) -> Pcm: ...


class Origin(enum.Enum):
    REAL = "real"  # the packet itself
    FEC = "fec"  # recovered from the next packet's in-band FEC
    CONCEALED = "concealed"  # Opus PLC, in place of a lost or late packet
    SILENCE = "silence"  # a gap after a quiet frame (the sender's DTX)


@dataclass
class AudioFigures:
    real: int = 0
    fec: int = 0
    concealed: int = 0
    silence: int = 0
    lost: int = 0  # sequence numbers never received, played as FEC or concealment
    late: int = 0  # received after their turn, left out
    duplicates: int = 0
    dropped_quiet: int = 0  # quiet frames left out to catch up
    dropped_speech: int = 0  # frames left out because far too much was held
    accelerated: int = 0  # pairs of frames played in less time (`shorten`) to catch up
    restarts: int = 0

    @property
    def played(self) -> int:
        """Frames of the stream played: what the sender sent, or what stands in for it."""
        return self.real + self.fec + self.concealed

    def count(self, origin: Origin) -> None:
        name = origin.value
        setattr(self, name, getattr(self, name) + 1)


@dataclass(frozen=True)
class PlayedFrame:
    origin: Origin
    pcm: Pcm  # 20 ms, or less than 40 when two frames were played faster


@dataclass
class _Packet:
    timestamp: int
    payload: bytes


class AudioJitterBuffer:
    """See the module doc. `push` on arrival, `pop` once per frame of playing time."""

    def __init__(
        self,
        decoder: OpusDecoding,
        *,
        min_ms: float = FRAME_MS,
        max_ms: float = 200.0,
        on_restart: Callable[[], None] | None = None,
    ) -> None:
        self._decoder = decoder
        self.min_ms, self.max_ms = min_ms, max_ms
        self._on_restart = on_restart
        self._packets: dict[int, _Packet] = {}
        self._highest: int | None = None  # unwrapped sequence number of the newest packet
        self._next: int | None = None  # unwrapped sequence number to play next
        self._transit: float | None = None
        self.jitter_ms = 0.0  # RFC 3550 interarrival jitter estimate
        self.loss_rate = 0.0  # recent share of packets lost
        self.playing = False
        self._empty_pops = 0
        self._late_pops = 0  # pops in a row that found it late
        self._last_quiet = True
        self.figures = AudioFigures()

    # -- what the buffer holds -----------------------------------------------------------------

    @property
    def target_ms(self) -> float:
        """How much audio it aims to hold when a frame is due: the jitter's spread, plus a
        frame while packets are lost (so the next packet's FEC is here), within min-max."""
        wanted = FRAME_MS + 3.0 * self.jitter_ms + (FRAME_MS if self.loss_rate > 0.005 else 0)
        return min(self.max_ms, max(self.min_ms, wanted))

    @property
    def wanted_frames(self) -> int:
        return max(1, round(self.target_ms / FRAME_MS))

    @property
    def level_frames(self) -> int:
        """Frames from the next to play up to the newest held (holes included)."""
        if self._next is None or self._highest is None or not self._packets:
            return 0
        return max(0, self._highest - self._next + 1)

    # -- arrivals ------------------------------------------------------------------------------

    def push(self, sequence: int, timestamp: int, payload: bytes, arrival_s: float) -> None:
        """A packet arrived at `arrival_s` (seconds, any monotonic clock)."""
        index = self._unwrap(sequence)
        if self._next is not None and abs(index - self._next) > RESTART_GAP:
            self._restart()
            index = sequence
        self._measure_jitter(timestamp, arrival_s)
        if self._next is None:
            self._next = index
        if index < self._next:
            self.figures.late += 1
            return
        if index in self._packets:
            self.figures.duplicates += 1
            return
        self._packets[index] = _Packet(timestamp, payload)
        if self._highest is None or index > self._highest:
            self._highest = index

    def _unwrap(self, sequence: int) -> int:
        if self._highest is None:
            return sequence
        delta = ((sequence - self._highest) + 0x8000) % 0x10000 - 0x8000
        return self._highest + delta

    def _measure_jitter(self, timestamp: int, arrival_s: float) -> None:
        transit = arrival_s * RATE - timestamp
        if self._transit is not None:
            difference = abs(transit - self._transit)
            if difference < RATE:  # a timestamp jump (a new stream) is not jitter
                self.jitter_ms += (difference * 1000 / RATE - self.jitter_ms) / 16
        self._transit = transit

    def _restart(self) -> None:
        self.figures.restarts += 1
        self._packets.clear()
        self._highest = self._next = None
        self._transit = None
        self.playing = False
        if self._on_restart is not None:
            self._on_restart()

    # -- playing -------------------------------------------------------------------------------

    def pop(self) -> PlayedFrame | None:
        """The next 20 ms to play, or None while it waits to hold enough."""
        if not self.playing:
            if self._next is None or self.level_frames < self.wanted_frames:
                return None
            self.playing, self._empty_pops = True, 0
        self._drop_far_beyond()
        while True:
            frame = self._next_frame()
            if frame is None:
                return self._fill_gap()
            self._empty_pops = 0
            if (
                frame.origin is Origin.REAL
                and self._last_quiet
                and self._quiet(frame.pcm)
                and self.level_frames > self.wanted_frames
            ):
                self.figures.dropped_quiet += 1  # late: leave out a quiet frame, not speech
                continue
            self._last_quiet = self._quiet(frame.pcm)
            self.figures.count(frame.origin)
            return self._maybe_accelerate(frame)

    def _maybe_accelerate(self, frame: PlayedFrame) -> PlayedFrame:
        """Late for a while, and no quiet frame came to leave out (someone talks on): play
        this frame and the next in less time, a pitch period or more shorter (see
        `shorten`), so that the delay comes down without a word being lost."""
        late = self.level_frames > self.wanted_frames + 1
        self._late_pops = self._late_pops + 1 if late else 0
        if (
            self._late_pops < ACCELERATE_AFTER
            or frame.origin is not Origin.REAL
            or self._next is None
            or not (following := self._packets.get(self._next))
            or not following.payload
        ):
            return frame
        del self._packets[self._next]
        self._next += 1
        self.figures.real += 1
        self.figures.accelerated += 1
        self._late_pops = 0
        both = np.concatenate((frame.pcm, self._decoder.decode(following.payload)))
        return PlayedFrame(Origin.REAL, shorten(both))

    def _next_frame(self) -> PlayedFrame | None:
        """The frame of the next sequence number (using it up), or None if nothing is here
        to say what it was: the packet may still come."""
        assert self._next is not None
        index = self._next
        packet = self._packets.pop(index, None)
        if packet is not None:
            self._next = index + 1
            self.loss_rate *= LOSS_MEMORY
            if not packet.payload:
                return PlayedFrame(Origin.SILENCE, np.zeros(FRAME_SAMPLES, np.int16))
            return PlayedFrame(Origin.REAL, self._decoder.decode(packet.payload))
        after = self._packets.get(index + 1)
        if after is None and not self._packets:
            return None
        # A hole, with something after it: the packet is lost.
        self._next = index + 1
        self.figures.lost += 1
        self.loss_rate = self.loss_rate * LOSS_MEMORY + (1 - LOSS_MEMORY)
        if after is not None and after.payload:
            return PlayedFrame(Origin.FEC, self._decoder.decode(after.payload, fec=True))
        return PlayedFrame(Origin.CONCEALED, self._decoder.decode(None))

    def _fill_gap(self) -> PlayedFrame | None:
        """Nothing to play yet: stretch the audio by a frame (or stop after long enough)."""
        self._empty_pops += 1
        if self._empty_pops > EMPTY_FRAMES_BEFORE_REST:
            self.playing = False
            return None
        if self._last_quiet:
            frame = PlayedFrame(Origin.SILENCE, np.zeros(FRAME_SAMPLES, np.int16))
        else:
            frame = PlayedFrame(Origin.CONCEALED, self._decoder.decode(None))
            self._last_quiet = self._quiet(frame.pcm)
        self.figures.count(frame.origin)
        return frame

    def _drop_far_beyond(self) -> None:
        """Far more held than `max_ms` (a burst after an outage): drop the oldest, counted."""
        limit = max(self.wanted_frames + 1, round(self.max_ms / FRAME_MS))
        while self._next is not None and self.level_frames > limit:
            if self._packets.pop(self._next, None) is not None:
                self.figures.dropped_speech += 1
            else:
                self.figures.lost += 1
            self._next += 1

    @staticmethod
    def _quiet(pcm: Pcm) -> bool:
        if pcm.size == 0:
            return True
        return float(np.sqrt(np.mean(pcm.astype(np.float32) ** 2))) < QUIET_RMS


def shorten(pcm: Pcm) -> Pcm:
    """`pcm` (40 ms) played in less time without changing its pitch: the stretch between two
    points that look most alike, a whole number of pitch periods apart (2.5 to 15 ms), is
    cut out, with a 5 ms cross-fade over the seam (WSOLA, as NetEq's "accelerate")."""
    signal = pcm.astype(np.float32)
    start = len(signal) // 4
    head = signal[start : start + OVERLAP]
    best, best_score = PITCH_MIN, -np.inf
    for lag in range(PITCH_MIN, min(PITCH_MAX, len(signal) - start - OVERLAP) + 1):
        candidate = signal[start + lag : start + lag + OVERLAP]
        norm = float(np.sqrt(np.dot(candidate, candidate) * np.dot(head, head))) or 1.0
        score = float(np.dot(head, candidate)) / norm
        if score > best_score:
            best, best_score = lag, score
    fade = np.linspace(1.0, 0.0, OVERLAP, dtype=np.float32)
    seam = head * fade + signal[start + best : start + best + OVERLAP] * (1 - fade)
    out = np.concatenate((signal[:start], seam, signal[start + best + OVERLAP :]))
    shortened: Pcm = np.clip(np.rint(out), -32768, 32767).astype(np.int16)
    return shortened
