"""What La Suite Meet's web app, our clients and LiveKit's agents send in a room, read from the
data packets of one LiveKit connection: chat, captions, reactions and notifications.

    live = LiveData(time.monotonic, time.time)       # one per connection
    def data_received(packet):                        # SignalEvents.data_received
        for item in live.read(packet, roster):        # roster: identity -> lm.ParticipantInfo
            ...                                       # Chat | Caption | Reaction | Notice

The formats and the rules about who said what are in `rtc.livekit.features`; the reassembly of
text streams in `rtc.livekit.streams`. Nothing here raises on what the network sends.
"""

from __future__ import annotations

from collections.abc import Callable

from livekit.protocol import models as lm

from visio_desktop.core.protocol import Caption, Chat, Reaction
from visio_desktop.rtc.livekit.features import (
    CHAT_TOPIC,
    LEGACY_CHAT_TOPIC,
    STREAM_TOPICS,
    CaptionReader,
    Notice,
    Roster,
    decode_chat,
    decode_legacy_chat,
    decode_notification,
)
from visio_desktop.rtc.livekit.streams import TextStreams

LiveItem = Chat | Caption | Reaction | Notice
_STREAM_PARTS = frozenset({"stream_header", "stream_chunk", "stream_trailer"})


class LiveData:
    """Reads one connection's data packets; `clock` (monotonic seconds) times unfinished text
    streams out, `wall_clock` (seconds since the epoch) stands in for a chat line's time when
    its sender's is implausible."""

    def __init__(self, clock: Callable[[], float], wall_clock: Callable[[], float]) -> None:
        self._streams = TextStreams(clock, STREAM_TOPICS)
        self._captions = CaptionReader()
        self._wall_clock = wall_clock

    def read(self, packet: lm.DataPacket, roster: Roster) -> list[LiveItem]:
        """What `packet` completes, in order; usually nothing or one item."""
        which = packet.WhichOneof("value")
        item: LiveItem | None = None
        if which in _STREAM_PARTS:
            stream = self._streams.feed(packet)
            if stream is not None and stream.topic == CHAT_TOPIC:
                item = decode_chat(stream, roster, self._wall_clock())
            elif stream is not None:
                item = self._captions.from_stream(stream, roster)
        elif which == "user" and packet.user.topic == LEGACY_CHAT_TOPIC:
            item = decode_legacy_chat(packet, roster, self._wall_clock())
        elif which == "user":
            item = decode_notification(packet)
        elif which == "transcription":
            return list(self._captions.from_packet(packet, roster))
        return [] if item is None else [item]


__all__ = ["LiveData", "LiveItem"]
