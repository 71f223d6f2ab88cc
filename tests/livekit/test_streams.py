"""LiveKit text streams: encoding within LiveKit's limits, and strict reassembly."""

from __future__ import annotations

import logging
import random
import zlib

import pytest
from google.protobuf.message import DecodeError
from livekit.protocol import models as lm

from visio_desktop.rtc.livekit.streams import (
    CHUNK_BYTES,
    MAX_TEXT_BYTES,
    TextStream,
    TextStreams,
    encode_text,
)

DS = lm.DataStream


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stamped(packets: list[lm.DataPacket], identity: str) -> list[lm.DataPacket]:
    """The packets as LiveKit relays them: stamped with their publisher's identity."""
    for packet in packets:
        packet.participant_identity = identity
    return packets


def feed_all(streams: TextStreams, packets: list[lm.DataPacket]) -> list[TextStream]:
    return [done for p in packets if (done := streams.feed(p)) is not None]


def test_a_short_text_is_one_header_one_chunk_and_a_trailer() -> None:
    packets = encode_text("bonjour", "lk.chat", {"a": "b"}, stream_id="s1", timestamp_ms=42)
    assert [p.WhichOneof("value") for p in packets] == [
        "stream_header",
        "stream_chunk",
        "stream_trailer",
    ]
    header = packets[0].stream_header
    assert header.topic == "lk.chat"
    assert header.mime_type == "text/plain"
    assert header.total_length == len("bonjour")
    assert header.timestamp == 42
    assert dict(header.attributes) == {"a": "b"}
    assert header.WhichOneof("content_header") == "text_header"
    assert header.text_header.operation_type == DS.CREATE
    assert not header.HasField("inline_content")
    assert packets[1].stream_chunk.chunk_index == 0
    assert all(p.kind == lm.DataPacket.RELIABLE for p in packets)
    done = feed_all(TextStreams(Clock()), stamped(packets, "alice"))
    assert done == [TextStream("s1", "lk.chat", "alice", "alice", False, {"a": "b"}, "bonjour", 42)]


def test_a_long_text_is_cut_within_the_chunk_limit_between_characters() -> None:
    text = "é" * CHUNK_BYTES + "€x" * 3000  # two- and three-byte characters across the cuts
    packets = encode_text(text, "lk.chat")
    chunks = [p.stream_chunk for p in packets if p.WhichOneof("value") == "stream_chunk"]
    assert len(chunks) == 3
    assert [c.chunk_index for c in chunks] == [0, 1, 2]
    assert all(len(c.content) <= CHUNK_BYTES for c in chunks)
    for chunk in chunks:
        chunk.content.decode()  # each piece is whole characters
    assert all(len(p.SerializeToString()) < 16_000 for p in packets)
    (done,) = feed_all(TextStreams(Clock()), stamped(packets, "alice"))
    assert done.text == text


def test_an_empty_text_has_no_chunk() -> None:
    packets = encode_text("", "lk.chat")
    assert [p.WhichOneof("value") for p in packets] == ["stream_header", "stream_trailer"]
    (done,) = feed_all(TextStreams(Clock()), stamped(packets, "alice"))
    assert done.text == ""


def test_trailer_attributes_update_the_headers() -> None:
    packets = stamped(encode_text("hi", "lk.transcription", {"final": "false", "k": "1"}), "a")
    packets[-1].stream_trailer.attributes["final"] = "true"
    (done,) = feed_all(TextStreams(Clock()), packets)
    assert done.attributes == {"final": "true", "k": "1"}


def test_a_chunk_from_someone_else_is_dropped_and_the_stream_still_completes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    packets = stamped(encode_text("mine", "lk.chat", stream_id="s1"), "alice")
    forged = stamped(encode_text("yours", "lk.chat", stream_id="s1"), "mallory")
    streams = TextStreams(Clock())
    assert streams.feed(packets[0]) is None
    assert streams.feed(forged[1]) is None  # mallory's chunk 0 in alice's stream
    assert streams.feed(forged[2]) is None  # and her trailer
    (done,) = feed_all(streams, packets[1:])
    assert (done.text, done.sender) == ("mine", "alice")
    assert "mallory" in caplog.text


def test_an_agents_stream_on_behalf_of_a_participant_pins_the_agent_as_carrier() -> None:
    """LiveKit keeps the transcribed participant on an agent's header (generated) and stamps
    the agent on its chunks and trailer."""
    packets = encode_text("hello", "lk.transcription", stream_id="s1")
    packets[0].stream_header.text_header.generated = True
    packets[0].participant_identity = "bob"
    stamped(packets[1:], "agent")
    forged = stamped(encode_text("lies", "lk.transcription", stream_id="s1"), "mallory")
    streams = TextStreams(Clock())
    streams.feed(packets[0])
    streams.feed(packets[1])
    assert streams.feed(forged[1]) is None
    assert streams.feed(forged[2]) is None
    done = streams.feed(packets[2])
    assert done is not None
    assert (done.sender, done.carrier, done.generated, done.text) == ("bob", "agent", True, "hello")


def test_a_gap_in_chunk_numbers_drops_the_stream(caplog: pytest.LogCaptureFixture) -> None:
    packets = stamped(encode_text("x" * (CHUNK_BYTES * 2), "lk.chat"), "alice")
    streams = TextStreams(Clock())
    streams.feed(packets[0])
    streams.feed(packets[2])  # chunk 1 before chunk 0
    assert streams.open_count == 0
    assert feed_all(streams, packets[1:]) == []
    assert "chunk 1 where 0 was due" in caplog.text


def test_unfinished_streams_are_dropped_after_the_timeout() -> None:
    clock = Clock()
    streams = TextStreams(clock, timeout=5.0)
    packets = stamped(encode_text("slow", "lk.chat"), "alice")
    streams.feed(packets[0])
    streams.feed(packets[1])
    clock.now += 5.5
    streams.expire()
    assert streams.open_count == 0
    assert streams.feed(packets[2]) is None


def test_the_number_of_open_streams_is_bounded() -> None:
    streams = TextStreams(Clock(), max_open=3)
    firsts = [stamped(encode_text(f"m{i}", "lk.chat"), "alice") for i in range(5)]
    for packets in firsts:
        streams.feed(packets[0])
    assert streams.open_count == 3
    assert feed_all(streams, firsts[0][1:]) == []  # the oldest went first
    assert [d.text for d in feed_all(streams, firsts[4][1:])] == ["m4"]


def test_too_much_text_drops_the_stream() -> None:
    packets = stamped(encode_text("x" * (MAX_TEXT_BYTES + 10), "lk.chat"), "alice")
    packets[0].stream_header.ClearField("total_length")
    assert feed_all(TextStreams(Clock()), packets) == []


@pytest.mark.parametrize(
    "spoil",
    [
        lambda h: setattr(h, "total_length", 3),  # length mismatch
        lambda h: setattr(h, "total_length", MAX_TEXT_BYTES + 1),
        lambda h: setattr(h, "encryption_type", lm.Encryption.Type.GCM),
        lambda h: setattr(h, "compression", 7),
        lambda h: setattr(h, "stream_id", ""),
        lambda h: setattr(h, "stream_id", "s" * 300),
        lambda h: h.attributes.update({f"k{i}": "v" for i in range(40)}),
        lambda h: h.attributes.update({"k": "v" * 5000}),
    ],
)
def test_bad_headers_are_dropped(spoil: object) -> None:
    packets = stamped(encode_text("hello", "lk.chat"), "alice")
    spoil(packets[0].stream_header)  # type: ignore[operator]
    packets[1].stream_chunk.stream_id = packets[2].stream_trailer.stream_id = packets[
        0
    ].stream_header.stream_id
    assert feed_all(TextStreams(Clock()), packets) == []


def test_text_that_is_not_utf8_is_dropped() -> None:
    packets = stamped(encode_text("ab", "lk.chat"), "alice")
    packets[1].stream_chunk.content = b"\xff\xfe"
    assert feed_all(TextStreams(Clock()), packets) == []


def test_a_stream_without_sender_identity_is_dropped() -> None:
    assert feed_all(TextStreams(Clock()), encode_text("hi", "lk.chat")) == []


def test_other_topics_and_byte_streams_are_ignored() -> None:
    streams = TextStreams(Clock(), topics={"lk.chat"})
    assert feed_all(streams, stamped(encode_text("hi", "other"), "alice")) == []
    byte_header = DS.Header(stream_id="b", topic="lk.chat", byte_header=DS.ByteHeader(name="f"))
    assert streams.feed(lm.DataPacket(participant_identity="a", stream_header=byte_header)) is None
    assert streams.open_count == 0


def test_single_packet_streams_inline_and_compressed_are_read() -> None:
    text = "salut " * 200
    deflate = zlib.compressobj(wbits=-15)
    packed = deflate.compress(text.encode()) + deflate.flush()
    for content, compression in ((text.encode(), DS.NONE), (packed, DS.DEFLATE_RAW)):
        header = DS.Header(
            stream_id="s",
            topic="lk.chat",
            total_length=len(text.encode()),
            text_header=DS.TextHeader(),
            inline_content=content,
            compression=compression,
        )
        done = TextStreams(Clock()).feed(
            lm.DataPacket(participant_identity="alice", stream_header=header)
        )
        assert done is not None
        assert (done.text, done.carrier) == (text, "")


def test_a_decompression_bomb_is_refused() -> None:
    deflate = zlib.compressobj(wbits=-15)
    bomb = deflate.compress(b"\0" * (MAX_TEXT_BYTES * 20)) + deflate.flush()
    header = DS.Header(
        stream_id="s",
        topic="lk.chat",
        text_header=DS.TextHeader(),
        inline_content=bomb,
        compression=DS.DEFLATE_RAW,
    )
    packet = lm.DataPacket(participant_identity="alice", stream_header=header)
    assert TextStreams(Clock()).feed(packet) is None


def test_a_second_header_for_an_open_stream_drops_it() -> None:
    packets = stamped(encode_text("hi", "lk.chat", stream_id="s"), "alice")
    streams = TextStreams(Clock())
    streams.feed(packets[0])
    streams.feed(packets[0])
    assert feed_all(streams, packets[1:]) == []


def test_mangled_packets_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    rng = random.Random(11)
    streams = TextStreams(Clock(), max_open=4)
    originals = [
        p.SerializeToString()
        for i in range(6)
        for p in stamped(encode_text("é" * rng.randrange(0, 40_000), "lk.chat"), f"p{i % 2}")
    ]
    for _ in range(3000):
        data = bytearray(rng.choice(originals)[:2000])
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        packet = lm.DataPacket()
        try:
            packet.ParseFromString(bytes(data))
        except DecodeError:  # not even a packet
            continue
        streams.feed(packet)
    assert streams.open_count <= 4


def test_a_chunk_seen_again_is_ignored_and_an_aborted_stream_dropped() -> None:
    packets = stamped(encode_text("x" * (CHUNK_BYTES + 5), "lk.chat"), "alice")
    streams = TextStreams(Clock())
    (done,) = feed_all(streams, [packets[0], packets[1], packets[1], packets[2], packets[3]])
    assert len(done.text) == CHUNK_BYTES + 5
    aborted = stamped(encode_text("half", "lk.chat"), "alice")
    aborted[-1].stream_trailer.reason = "cancelled"
    assert feed_all(streams, aborted) == []
