"""A video jitter buffer that releases each frame as soon as it is complete.

aiortc's video buffer releases a frame only when the first packet of the *next* frame
arrives: at 30 fps that holds every frame back for about a frame interval (33 of the 41 ms a
picture took from camera to tile here, see FINDINGS.md). A frame is complete when its last
packet (the RTP marker bit) has arrived and every sequence number from its first packet to
that one is present; then it goes to the decoder at once.

What goes wrong on a real network, and what this buffer does about it:
- Reordering: packets are stored by sequence number (mod 2^16, wrap included), and a frame is
  released only when contiguous, whatever order its packets came in.
- Loss: aiortc's NACK generator asks for a lost packet once; this buffer asks again for what a
  waiting frame still misses (every `renack_ms`, up to `renacks` times), so that a lost
  retransmission is not the end of it.
- A frame that cannot be repaired in time (after `give_up_ms`, or once `give_up_frames`
  newer frames are complete behind it) is dropped with everything before the next frame that
  starts cleanly, and a keyframe is requested (PLI): the frames after a hole reference it.
- Frames completed together (a retransmission that closes a hole behind complete frames) all
  go out, in order.
- A packet far outside the window (a sender restart, a long outage) starts the buffer again.

The buffer hands frames to `deliver` itself (in order, possibly several per packet) and never
returns one from `add`: aiortc's receiver queues at most one per packet.
`rtc.receivers.install_frame_buffer` puts it in an aiortc video receiver in place of its own.

With `single_packet_frames` every packet is a frame of its own. Audio no longer uses it: it
has an adaptive buffer with FEC and concealment (`rtc.audio_buffer`, `rtc.audio_receive`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add

StartsFrame = Callable[[RtpPacket], bool]
"""Whether a packet is the first of its frame (for VP8: the payload descriptor's S bit, on
partition 0)."""
Deliver = Callable[[int, JitterFrame], None]
"""Told (payload type, frame) for each frame ready to decode, in order."""
AskAgain = Callable[[int, list[int]], None]
"""Told (media SSRC, sequence numbers) to send a NACK for."""


@dataclass
class BufferFigures:
    frames: int = 0  # released complete
    dropped_frames: int = 0  # given up on: a keyframe was asked for
    renacks: int = 0  # sequence numbers asked for again
    restarts: int = 0  # packets far outside the window


@dataclass
class _Wait:
    since: float  # when the frame at the start of the window began to wait
    asked: dict[int, tuple[float, int]] = field(default_factory=dict)  # seq -> (last, times)


class CompleteFrameBuffer:
    """Drop-in for aiortc's video `JitterBuffer` (`capacity`, `add`); see the module doc."""

    def __init__(
        self,
        deliver: Deliver,
        *,
        starts_frame: StartsFrame | None = None,
        single_packet_frames: bool = False,
        capacity: int = 512,
        ask_again: AskAgain | None = None,
        give_up_ms: float = 150.0,
        give_up_frames: int = 4,
        renack_ms: float = 40.0,
        renacks: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert capacity & (capacity - 1) == 0, "capacity must be a power of 2"
        self._capacity = capacity
        self._deliver = deliver
        self._starts_frame = starts_frame
        self._single = single_packet_frames  # audio: each packet is a whole frame
        self._ask_again = ask_again
        self._give_up = give_up_ms / 1000
        self._give_up_frames = give_up_frames
        self._renack = renack_ms / 1000
        self._renacks = renacks
        self._clock = clock
        self._packets: list[RtpPacket | None] = [None] * capacity
        self._start: int | None = None  # the sequence number the next frame starts at
        self._highest: int | None = None  # the newest sequence number stored
        self._wait: _Wait | None = None
        self._primed = False  # a frame went out since the (re)start: the window is aligned
        self.figures = BufferFigures()

    @property
    def capacity(self) -> int:
        return self._capacity

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        """Store a packet; release what it completes. Returns (ask for a keyframe, None)."""
        seq = packet.sequence_number
        keyframe = False
        if self._start is None:
            self._restart(seq)
        assert self._start is not None
        ahead = uint16_add(seq, -self._start)
        if ahead >= 0x8000:
            if self._primed or 0x10000 - ahead >= self._capacity // 2:
                return False, None  # behind the window: a late copy of a released packet
            self._start, ahead = seq, 0  # the stream's first packets came out of order
        if ahead >= self._capacity:  # far ahead: nothing stored can be completed any more
            self.figures.restarts += 1
            self._restart(seq)
            keyframe = True
        self._packets[seq % self._capacity] = packet
        if self._highest is None or 0 < uint16_add(seq, -self._highest) < 0x8000:
            self._highest = seq
        keyframe = self._release() or keyframe
        return keyframe and not self._single, None

    # -- internals ------------------------------------------------------------------------

    def _restart(self, seq: int) -> None:
        self._packets = [None] * self._capacity
        self._start, self._highest, self._wait = seq, seq, None
        self._primed = False

    def _at(self, seq: int) -> RtpPacket | None:
        packet = self._packets[seq % self._capacity]
        return packet if packet is not None and packet.sequence_number == seq else None

    def _span(self) -> int:
        """How many sequence numbers from the start of the window to the newest one (0: all
        stored frames went out)."""
        assert self._start is not None and self._highest is not None
        distance = uint16_add(self._highest, -self._start)
        return 0 if distance >= 0x8000 else distance + 1

    def _release(self) -> bool:
        """Release every complete frame at the start of the window; True if one had to be
        given up on (a keyframe is needed)."""
        keyframe = False
        while self._start is not None and self._highest is not None:
            if self._span() == 0:
                self._wait = None
                break
            end = self._complete_frame_end()
            if end is not None:
                self._emit(end)
                continue
            if self._realign():
                keyframe = True
                continue
            if not self._stuck():
                break
            keyframe = self._skip() or keyframe
        return keyframe

    def _complete_frame_end(self) -> int | None:
        """The marker packet's sequence number if the frame at the start is complete."""
        assert self._start is not None
        first = self._at(self._start)
        if first is None:
            return None
        if self._single:
            return self._start
        if not self._primed and self._starts_frame is not None and not self._starts_frame(first):
            return None  # the stream began mid-frame or out of order: wait for its start
        for offset in range(self._span()):
            seq = uint16_add(self._start, offset)
            packet = self._at(seq)
            if packet is None:
                return None  # a hole: NACK and RTX may fill it
            if packet.timestamp != first.timestamp:
                return uint16_add(seq, -1)  # the next frame began: no marker, still whole
            if packet.marker:
                return seq
        return None

    def _realign(self) -> bool:
        """Before the first frame: if the stream began mid-frame (its first packets were lost
        before the connection was ready), move to the first frame start there is. The frames
        after it need the keyframe we missed: True when it moved."""
        assert self._start is not None
        first = self._at(self._start)
        if self._primed or self._single or self._starts_frame is None or first is None:
            return False
        if self._starts_frame(first):
            return False
        for offset in range(1, self._span()):
            seq = uint16_add(self._start, offset)
            packet = self._at(seq)
            if packet is not None and self._starts_frame(packet):
                for drop in range(offset):
                    self._packets[uint16_add(self._start, drop) % self._capacity] = None
                self._start, self._wait = seq, None
                self.figures.dropped_frames += 1
                return True
        return False

    def _emit(self, end: int) -> None:
        assert self._start is not None
        count = uint16_add(end, -self._start) + 1
        packets = [self._take(uint16_add(self._start, i)) for i in range(count)]
        frame = JitterFrame(
            data=b"".join(p._data for p in packets),  # type: ignore[attr-defined]
            timestamp=packets[0].timestamp,
        )
        self._start, self._wait, self._primed = uint16_add(end, 1), None, True
        self.figures.frames += 1
        self._deliver(packets[0].payload_type, frame)

    def _take(self, seq: int) -> RtpPacket:
        packet = self._at(seq)
        assert packet is not None
        self._packets[seq % self._capacity] = None
        return packet

    def _stuck(self) -> bool:
        """The frame at the start cannot be released yet: ask again for what it misses, and
        say whether it is time to give up on it."""
        now = self._clock()
        if self._wait is None:
            self._wait = _Wait(since=now)
        if now - self._wait.since >= self._give_up:
            return True
        if self._complete_frames_behind() >= self._give_up_frames:
            return True
        self._ask_for_missing(now)
        return False

    def _missing(self) -> list[int]:
        assert self._start is not None
        return [
            uint16_add(self._start, i)
            for i in range(self._span())
            if self._at(uint16_add(self._start, i)) is None
        ]

    def _ask_for_missing(self, now: float) -> None:
        if self._ask_again is None or self._wait is None:
            return
        due = []
        for seq in self._missing():
            last, times = self._wait.asked.get(seq, (now, 0))  # aiortc asked once already
            if seq not in self._wait.asked:
                self._wait.asked[seq] = (now, 0)
            elif times < self._renacks and now - last >= self._renack:
                self._wait.asked[seq] = (now, times + 1)
                due.append(seq)
        if due:
            newest = self._at(self._highest) if self._highest is not None else None
            if newest is not None:
                self.figures.renacks += len(due)
                self._ask_again(newest.ssrc, due)

    def _complete_frames_behind(self) -> int:
        """Frames after the first hole whose packets are all there (marker included)."""
        count, run_start, timestamp = 0, None, None
        assert self._start is not None
        for offset in range(self._span()):
            seq = uint16_add(self._start, offset)
            packet = self._at(seq)
            if packet is None:
                run_start, timestamp = None, None
                continue
            if self._single:
                count += 1
                continue
            if run_start is None or packet.timestamp != timestamp:
                previous = self._at(uint16_add(seq, -1))
                clean = previous is not None and previous.marker
                run_start, timestamp = (seq if clean else None), packet.timestamp
            if packet.marker and run_start is not None:
                count += 1
        return count

    def _skip(self) -> bool:
        """Drop the stuck frame and everything up to the next frame that starts cleanly
        (right after a marker packet that is there). True: a keyframe is needed."""
        assert self._start is not None
        self.figures.dropped_frames += 1
        span = self._span()
        if self._single:  # audio: the lost frame is left to concealment, on with the next
            while self._at(self._start) is None and self._span() > 0:
                self._start = uint16_add(self._start, 1)
            self._wait = None
            return False
        for offset in range(span):
            seq = uint16_add(self._start, offset)
            packet = self._at(seq)
            if packet is not None and packet.marker and offset + 1 < span:
                nxt = uint16_add(seq, 1)
                for drop in range(offset + 1):
                    self._packets[uint16_add(self._start, drop) % self._capacity] = None
                self._start, self._wait = nxt, None
                return True
        # No clean start is there yet: keep only the newest packet's frame, if any.
        assert self._highest is not None
        self._restart(uint16_add(self._highest, 1))
        return True


def vp8_starts_frame(packet: RtpPacket) -> bool:
    """RFC 7741: the S bit of the payload descriptor, on partition 0, opens a frame."""
    payload = packet.payload
    return bool(payload) and payload[0] & 0x10 != 0 and payload[0] & 0x07 == 0
