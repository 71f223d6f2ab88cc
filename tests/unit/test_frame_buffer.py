"""The video frame buffer: a frame goes to the decoder as soon as its last packet is in and
none of its packets is missing; reordering, wrap, loss, retransmission, giving up (with a
keyframe request) and asking again, on hand-made RTP packets."""

from __future__ import annotations

from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtpPacket
from hypothesis import given, settings
from hypothesis import strategies as st

from visio_desktop.rtc.frame_buffer import CompleteFrameBuffer, vp8_starts_frame

SSRC = 1234


def packet(seq: int, timestamp: int, *, marker: bool = False, first: bool = True) -> RtpPacket:
    """A VP8 packet: `first` sets the descriptor's S bit (partition 0 starts here)."""
    made = RtpPacket(
        payload_type=96,
        marker=marker,
        sequence_number=seq & 0xFFFF,
        timestamp=timestamp,
        ssrc=SSRC,
        payload=bytes([0x10 if first else 0x00]) + b"x",
    )
    made._data = f"{seq & 0xFFFF}.".encode()  # type: ignore[attr-defined]
    return made


def frame_packets(first_seq: int, timestamp: int, count: int = 3) -> list[RtpPacket]:
    return [
        packet(first_seq + i, timestamp, marker=i == count - 1, first=i == 0) for i in range(count)
    ]


class Rig:
    def __init__(self, **knobs: float) -> None:
        self.now = 0.0
        self.frames: list[JitterFrame] = []
        self.asked: list[list[int]] = []
        self.buffer = CompleteFrameBuffer(
            lambda _, frame: self.frames.append(frame),
            starts_frame=vp8_starts_frame,
            ask_again=lambda ssrc, seqs: self.asked.append(seqs),
            clock=lambda: self.now,
            **knobs,  # type: ignore[arg-type]
        )
        self.keyframes = 0

    def feed(self, *packets: RtpPacket) -> None:
        for one in packets:
            keyframe, returned = self.buffer.add(one)
            assert returned is None  # frames go to `deliver`, never back to aiortc
            self.keyframes += keyframe

    def timestamps(self) -> list[int]:
        return [frame.timestamp for frame in self.frames]


def test_a_frame_goes_out_with_its_last_packet_not_with_the_next_frame() -> None:
    rig = Rig()
    first, second = frame_packets(100, 3000), frame_packets(103, 6000)
    rig.feed(*first[:2])
    assert rig.frames == []
    rig.feed(first[2])  # the marker: complete now
    assert rig.timestamps() == [3000] and rig.frames[0].data == b"100.101.102."
    rig.feed(*second)
    assert rig.timestamps() == [3000, 6000] and rig.keyframes == 0


def test_reordered_packets_make_the_frame_in_sequence_order() -> None:
    rig = Rig()
    a, b, c = frame_packets(10, 90)
    rig.feed(c, a)  # the stream's very first packets, out of order
    assert rig.frames == []
    rig.feed(b)
    assert rig.frames[0].data == b"10.11.12."
    d, e, f = frame_packets(13, 180)
    rig.feed(e, f, d)  # and later ones
    assert rig.timestamps() == [90, 180] and rig.frames[1].data == b"13.14.15."


def test_a_stream_that_begins_mid_frame_starts_at_the_next_frame_and_asks_for_a_keyframe() -> None:
    rig = Rig()
    lost_start = frame_packets(0, 10)
    rig.feed(*lost_start[1:])  # the first packet of the first frame never came
    assert rig.frames == [] and rig.keyframes == 0  # it may still come, out of order
    rig.feed(*frame_packets(3, 20))
    assert rig.timestamps() == [20]  # the partial frame never reaches the decoder
    assert rig.keyframes == 1  # what came before it is gone: a keyframe, at once


def test_sequence_numbers_wrap_around() -> None:
    rig = Rig()
    rig.feed(*frame_packets(65534, 1))  # 65534, 65535, 0
    rig.feed(*frame_packets(65537, 2))  # 1, 2, 3
    assert rig.timestamps() == [1, 2]
    assert rig.frames[0].data == b"65534.65535.0." and rig.frames[1].data == b"1.2.3."


def test_a_retransmission_releases_the_frames_waiting_behind_it_in_order() -> None:
    rig = Rig()
    first, second, third = frame_packets(0, 10), frame_packets(3, 20), frame_packets(6, 30)
    rig.feed(first[0], first[2], *second, *third)  # packet 1 is lost
    assert rig.frames == []
    rig.feed(first[1])  # its retransmission (RTX, unwrapped by aiortc)
    assert rig.timestamps() == [10, 20, 30] and rig.keyframes == 0


def test_an_unrepaired_frame_is_dropped_once_newer_frames_are_complete() -> None:
    rig = Rig(give_up_frames=2)
    first = frame_packets(0, 10)
    rig.feed(first[0], first[2])  # packet 1 never comes back
    rig.feed(*frame_packets(3, 20))
    assert rig.frames == [] and rig.keyframes == 0  # one complete frame behind: still waiting
    rig.feed(*frame_packets(6, 30))
    assert rig.timestamps() == [20, 30]
    assert rig.keyframes == 1 and rig.buffer.figures.dropped_frames == 1
    rig.feed(*frame_packets(9, 40))  # and on at full rate
    assert rig.timestamps() == [20, 30, 40]


def test_an_unrepaired_frame_is_dropped_after_the_deadline() -> None:
    rig = Rig(give_up_ms=150)
    first = frame_packets(0, 10)
    rig.feed(first[0], first[2])
    rig.now = 0.1
    rig.feed(packet(3, 20))
    assert rig.frames == []
    rig.now = 0.2  # the first frame has waited 200 ms
    rig.feed(packet(4, 20), packet(5, 20, marker=True))
    assert rig.timestamps() == [20] and rig.keyframes == 1


def test_what_a_waiting_frame_misses_is_asked_for_again() -> None:
    rig = Rig(renack_ms=40, renacks=2, give_up_ms=10_000, give_up_frames=100)
    first = frame_packets(0, 10, count=4)
    rig.feed(first[0], first[3])  # 1 and 2 lost: aiortc asked for them once
    assert rig.asked == []
    for step in range(1, 6):
        rig.now = step * 0.05
        rig.feed(packet(3 + step, 10 + step, marker=True))  # later frames keep coming
    assert rig.asked[:2] == [[1, 2], [1, 2]] and len(rig.asked) == 2  # twice, no more
    rig.feed(first[1], first[2])
    assert rig.timestamps() == [10, 11, 12, 13, 14, 15]  # the repaired frame, then the rest


def test_late_copies_are_ignored_and_a_jump_starts_again_with_a_keyframe() -> None:
    rig = Rig()
    rig.feed(*frame_packets(0, 10))
    rig.feed(packet(1, 10))  # a duplicate of a released packet
    assert rig.timestamps() == [10]
    rig.feed(*frame_packets(30_000, 50))  # the sender started again far away
    assert rig.timestamps() == [10, 50] and rig.keyframes == 1
    assert rig.buffer.figures.restarts == 1


def test_a_stream_without_markers_is_released_by_the_next_frame() -> None:
    rig = Rig()
    rig.feed(packet(0, 10), packet(1, 10, first=False), packet(2, 20))
    assert rig.timestamps() == [10]


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=30),
    start=st.integers(0, 0xFFFF),
    lost=st.sets(st.integers(0, 150), max_size=10),
    swaps=st.lists(st.tuples(st.integers(0, 150), st.integers(1, 4)), max_size=20),
)
def test_whatever_the_network_does_frames_go_out_whole_once_and_in_order(
    sizes: list[int], start: int, lost: set[int], swaps: list[tuple[int, int]]
) -> None:
    sent: list[RtpPacket] = []
    expected: dict[int, bytes] = {}
    seq = start
    for number, size in enumerate(sizes):
        frame = frame_packets(seq, (number + 1) * 3000, count=size)
        expected[(number + 1) * 3000] = b"".join(p._data for p in frame)  # type: ignore[attr-defined]
        sent += frame
        seq += size
    arriving = [p for i, p in enumerate(sent) if i not in lost]
    for at, distance in swaps:  # reordering: a packet overtakes a few others
        if at + distance < len(arriving):
            arriving[at], arriving[at + distance] = arriving[at + distance], arriving[at]
    rig = Rig()
    rig.feed(*arriving)
    stamps = rig.timestamps()
    assert stamps == sorted(set(stamps))  # in order, none twice
    for released in rig.frames:
        assert released.data == expected[released.timestamp]  # whole: every packet, in order
    if not lost and not swaps:
        assert stamps == sorted(expected)  # a clean network: every frame


def audio_rig() -> Rig:
    rig = Rig()
    rig.buffer = CompleteFrameBuffer(
        lambda _, frame: rig.frames.append(frame),
        single_packet_frames=True,
        capacity=64,
        give_up_frames=2,
        give_up_ms=60,
        clock=lambda: rig.now,
    )
    return rig


def test_audio_packets_go_out_one_by_one_at_once() -> None:
    rig = audio_rig()
    for seq in range(5):
        rig.feed(packet(seq, seq * 960))
        assert len(rig.frames) == seq + 1  # no hold: each packet is a whole frame


def test_a_reordered_audio_packet_is_waited_for_and_a_lost_one_left_behind() -> None:
    rig = audio_rig()
    rig.feed(packet(0, 0), packet(2, 1920))  # 1 is late
    assert rig.timestamps() == [0]
    rig.feed(packet(1, 960))
    assert rig.timestamps() == [0, 960, 1920]
    rig.feed(packet(4, 3840), packet(5, 4800))  # 3 is lost: two packets behind it, on we go
    assert rig.timestamps() == [0, 960, 1920, 3840, 4800]
    assert rig.keyframes == 0 and rig.buffer.figures.dropped_frames == 1
    rig.feed(packet(3, 2880))  # too late: never played out of order
    assert rig.timestamps()[-1] == 4800
