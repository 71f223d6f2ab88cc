"""LiveKit text streams: a text with a topic and attributes, carried by several DataPackets.

This is the wire format of LiveKit's SDKs (`sendText` / `stream_text`, "data streams"): a
`stream_header` packet (topic, attributes, `text_header`, `total_length` in UTF-8 bytes), then
`stream_chunk` packets numbered from 0 (at most `CHUNK_BYTES` of UTF-8 each, cut on character
boundaries), then a `stream_trailer`. LiveKit's newer SDKs may also send a whole text inside the
header (`inline_content`, optionally deflate-raw compressed) to participants that advertise
client protocol 2; that is read here too, and never sent.

Sending::

    for packet in encode_text("hello", "lk.chat"):
        connection.send_data(packet)          # reliable, in this order

Receiving (one `TextStreams` per connection, fed every data packet; the clock gives seconds)::

    streams = TextStreams(time.monotonic, topics={"lk.chat", "lk.transcription"})
    done = streams.feed(packet)               # a TextStream once its trailer (or inline header)
                                              # arrived, else None

Who sent a stream: LiveKit overwrites the `participant_identity` of every packet with its
publisher's identity, except that it lets an agent participant publish a text stream on behalf of
another participant (the header then keeps that participant's identity and LiveKit sets
`text_header.generated`; its chunks and trailer still carry the agent's own identity). So
`TextStream.sender` is the identity stamped on the header, and `TextStream.carrier` the one on
the chunks and trailer ("" when there were none). A chunk or trailer stamped with another
identity than the header's is dropped (a participant cannot write into someone else's stream);
for a `generated` header the first chunk or trailer pins the carrier.

Strict reading: every oddity (unknown stream, a gap in chunk numbers, invalid UTF-8, too much
text, an unknown compression, encryption, a trailer giving a reason, which marks an aborted
stream) is logged and dropped, never raised; a chunk seen again is ignored; at most
`MAX_OPEN_STREAMS` streams are open (the oldest is dropped), each at most `MAX_TEXT_BYTES`, and a
stream left unfinished for `STREAM_TIMEOUT` seconds is dropped.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from livekit.protocol import models as lm

log = logging.getLogger(__name__)

CHUNK_BYTES = 15_000  # LiveKit's STREAM_CHUNK_SIZE(_BYTES) in the JS and Rust SDKs
MAX_TEXT_BYTES = 64 * 1024
MAX_OPEN_STREAMS = 32
STREAM_TIMEOUT = 30.0
MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_BYTES = 4096  # keys and values together, per stream
MAX_NAME_CHARS = 256  # stream ids and topics

_MIME = "text/plain"
_DS = lm.DataStream


@dataclass(frozen=True, slots=True)
class TextStream:
    """A complete text stream."""

    stream_id: str
    topic: str
    sender: str  # the identity LiveKit stamped on the header
    carrier: str  # the identity on its chunks and trailer; "" when it had none
    generated: bool  # LiveKit's mark: an agent published it on `sender`'s behalf
    attributes: Mapping[str, str]  # the header's, updated by the trailer's
    text: str
    timestamp_ms: int  # as the sender wrote it in the header


def encode_text(
    text: str,
    topic: str,
    attributes: Mapping[str, str] | None = None,
    *,
    stream_id: str | None = None,
    timestamp_ms: int = 0,
) -> list[lm.DataPacket]:
    """`text` as a text stream on `topic`: header, chunks, trailer, to send in order on the
    reliable channel. `stream_id` defaults to a new UUID (LiveKit's SDKs use UUIDs too)."""
    data = text.encode()
    attrs = dict(attributes or {})
    if len(attrs) > MAX_ATTRIBUTES or _attributes_size(attrs) > MAX_ATTRIBUTE_BYTES:
        raise ValueError("too many stream attributes")
    sid = stream_id or str(uuid.uuid4())
    header = _DS.Header(
        stream_id=sid,
        timestamp=timestamp_ms,
        topic=topic,
        mime_type=_MIME,
        total_length=len(data),
        attributes=attrs,
        text_header=_DS.TextHeader(operation_type=_DS.CREATE),
    )
    packets = [lm.DataPacket(kind=lm.DataPacket.RELIABLE, stream_header=header)]
    for index, piece in enumerate(_utf8_pieces(data, CHUNK_BYTES)):
        chunk = _DS.Chunk(stream_id=sid, chunk_index=index, content=piece)
        packets.append(lm.DataPacket(kind=lm.DataPacket.RELIABLE, stream_chunk=chunk))
    trailer = _DS.Trailer(stream_id=sid)
    packets.append(lm.DataPacket(kind=lm.DataPacket.RELIABLE, stream_trailer=trailer))
    return packets


def _utf8_pieces(data: bytes, size: int) -> list[bytes]:
    """`data` cut into pieces of at most `size` bytes, never inside a UTF-8 character."""
    pieces: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte
            end -= 1
        pieces.append(data[start:end])
        start = end
    return pieces


def _attributes_size(attributes: Mapping[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) for k, v in attributes.items())


@dataclass(slots=True)
class _Open:
    header: lm.DataStream.Header
    sender: str
    opened_at: float
    carrier: str = ""
    next_index: int = 0
    size: int = 0  # bytes received (compressed, if it is)
    parts: list[bytes] = field(default_factory=list)


class TextStreams:
    """Reassembles incoming text streams on `topics` (all topics when None); see the module
    docstring. Everything runs on the caller's thread; nothing here blocks or raises."""

    def __init__(
        self,
        clock: Callable[[], float],
        topics: Collection[str] | None = None,
        *,
        timeout: float = STREAM_TIMEOUT,
        max_open: int = MAX_OPEN_STREAMS,
        max_bytes: int = MAX_TEXT_BYTES,
    ) -> None:
        self._clock = clock
        self._topics = frozenset(topics) if topics is not None else None
        self._timeout = timeout
        self._max_open = max_open
        self._max_bytes = max_bytes
        self._open: dict[str, _Open] = {}  # by stream id, oldest first

    @property
    def open_count(self) -> int:
        return len(self._open)

    def feed(self, packet: lm.DataPacket) -> TextStream | None:
        """Take one data packet; a TextStream when it completes one. Packets that are not part
        of a text stream are ignored."""
        self.expire()
        which = packet.WhichOneof("value")
        identity = packet.participant_identity
        if which == "stream_header":
            return self._header(packet.stream_header, identity)
        if which == "stream_chunk":
            self._chunk(packet.stream_chunk, identity)
        elif which == "stream_trailer":
            return self._trailer(packet.stream_trailer, identity)
        return None

    def expire(self) -> None:
        """Drop the streams left unfinished for longer than the timeout."""
        now = self._clock()
        for sid in [s for s, o in self._open.items() if now - o.opened_at > self._timeout]:
            log.warning("dropping text stream %.40r: unfinished after %.0f s", sid, self._timeout)
            del self._open[sid]

    def _header(self, header: lm.DataStream.Header, sender: str) -> TextStream | None:
        if header.WhichOneof("content_header") != "text_header":
            return None  # a byte stream: not ours to read
        if self._topics is not None and header.topic not in self._topics:
            return None
        sid = header.stream_id
        problem = _header_problem(header, sender)
        if problem is None and sid in self._open:
            problem = "a second header for an open stream"
        if problem is not None:
            log.warning("dropping text stream %.40r from %.64r: %s", sid, sender, problem)
            self._open.pop(sid, None)
            return None
        if header.HasField("inline_content"):
            opened = _Open(header, sender, self._clock(), size=len(header.inline_content))
            opened.parts.append(header.inline_content)
            return self._complete(opened, {})
        if len(self._open) >= self._max_open:
            oldest = next(iter(self._open))
            log.warning("dropping text stream %.40r: too many open streams", oldest)
            del self._open[oldest]
        self._open[sid] = _Open(header, sender, self._clock())
        return None

    def _owned(self, sid: str, identity: str, what: str) -> _Open | None:
        """The open stream `sid` if `identity` may write into it (see the module docstring)."""
        opened = self._open.get(sid)
        if opened is None:
            log.debug("ignoring a text stream %s for no open stream (%.40r)", what, sid)
            return None
        expected = opened.sender
        if opened.header.text_header.generated:
            expected = opened.carrier or identity
        if not identity or identity != expected:
            log.warning("ignoring a %s from %.64r in a stream of %.64r", what, identity, expected)
            return None
        opened.carrier = identity
        return opened

    def _chunk(self, chunk: lm.DataStream.Chunk, identity: str) -> None:
        opened = self._owned(chunk.stream_id, identity, "chunk")
        if opened is None:
            return
        if chunk.chunk_index < opened.next_index:
            log.debug("ignoring chunk %d of %.40r again", chunk.chunk_index, chunk.stream_id)
            return  # a replay (LiveKit may resend reliable data after a resume)
        problem = None
        if chunk.chunk_index != opened.next_index:
            problem = f"chunk {chunk.chunk_index} where {opened.next_index} was due"
        elif chunk.iv or chunk.version:
            problem = "an encrypted or versioned chunk"
        elif opened.size + len(chunk.content) > self._max_bytes:
            problem = "too much text"
        if problem is not None:
            log.warning("dropping text stream %.40r: %s", chunk.stream_id, problem)
            del self._open[chunk.stream_id]
            return
        opened.next_index += 1
        opened.size += len(chunk.content)
        opened.parts.append(chunk.content)

    def _trailer(self, trailer: lm.DataStream.Trailer, identity: str) -> TextStream | None:
        opened = self._owned(trailer.stream_id, identity, "trailer")
        if opened is None:
            return None
        del self._open[trailer.stream_id]
        if trailer.reason:
            log.info("text stream %.40r ended abnormally: %.80r", trailer.stream_id, trailer.reason)
            return None
        return self._complete(opened, dict(trailer.attributes))

    def _complete(self, opened: _Open, more: dict[str, str]) -> TextStream | None:
        header = opened.header
        attributes = {**header.attributes, **more}
        problem = None
        if len(attributes) > MAX_ATTRIBUTES or _attributes_size(attributes) > MAX_ATTRIBUTE_BYTES:
            problem = "too many attributes"
        data = b"".join(opened.parts)
        if problem is None and header.compression == _DS.DEFLATE_RAW:
            data, problem = _inflate(data, self._max_bytes)
        if problem is None and header.HasField("total_length") and header.total_length != len(data):
            problem = f"{len(data)} bytes where the header announced {header.total_length}"
        try:
            text = data.decode() if problem is None else ""
        except UnicodeDecodeError:
            problem = "text that is not UTF-8"
        if problem is not None:
            log.warning("dropping text stream %.40r: %s", header.stream_id, problem)
            return None
        return TextStream(
            stream_id=header.stream_id,
            topic=header.topic,
            sender=opened.sender,
            carrier=opened.carrier,
            generated=header.text_header.generated,
            attributes=attributes,
            text=text,
            timestamp_ms=header.timestamp,
        )


def _header_problem(header: lm.DataStream.Header, sender: str) -> str | None:
    if not sender:
        return "no sender identity"
    if not header.stream_id or len(header.stream_id) > MAX_NAME_CHARS:
        return "a missing or overlong stream id"
    if len(header.topic) > MAX_NAME_CHARS:
        return "an overlong topic"
    if header.encryption_type != lm.Encryption.Type.NONE:
        return "an encrypted stream"
    if header.compression not in (_DS.NONE, _DS.DEFLATE_RAW):
        return f"compression {header.compression}"
    if header.HasField("total_length") and header.total_length > MAX_TEXT_BYTES:
        return "too much text announced"
    if len(header.inline_content) > MAX_TEXT_BYTES:
        return "too much inline text"
    if len(header.attributes) > MAX_ATTRIBUTES:
        return "too many attributes"
    if _attributes_size(header.attributes) > MAX_ATTRIBUTE_BYTES:
        return "attributes too large"
    return None


def _inflate(data: bytes, limit: int) -> tuple[bytes, str | None]:
    """Raw-deflate `data`, refusing to produce more than `limit` bytes."""
    inflater = zlib.decompressobj(wbits=-15)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        return b"", f"bad compressed text ({exc})"
    if len(out) > limit or inflater.unconsumed_tail:
        return b"", "too much text once decompressed"
    return out, None


__all__ = [
    "CHUNK_BYTES",
    "MAX_OPEN_STREAMS",
    "MAX_TEXT_BYTES",
    "STREAM_TIMEOUT",
    "TextStream",
    "TextStreams",
    "encode_text",
]
