"""La Suite Meet's live features over LiveKit, as its web app sends and reads them, translated to
and from our `core.protocol` messages. Pure functions over livekit.protocol messages.

What the web app (suitenumerique/meet, src/frontend) does, and what we do:

- Chat: the `lk.chat` text stream of LiveKit's `useChat` (components-js `setupChat`); the
  stream id is the message id and the header's timestamp (ms) the time sent. `useChat` also sends
  a legacy `lk-chat-topic` user packet ``{"id", "timestamp", "message", "ignoreLegacy": true}``
  that its readers skip when ``ignoreLegacy`` is true; we read it only when it is false or absent
  (`decode_legacy_chat`), and never send it. The `ChatMessage` DataPacket is not used by the web
  app.
- Reactions and notifications: a user packet with no topic whose payload is the JSON
  ``{"type": <NotificationType>, ...}`` (`useNotifyParticipants`); a reaction is
  ``{"type": "reactionReceived", "data": {"emoji": "thumbs-up"}}``.
- The raised hand: the participant attribute `handRaisedAt`, an ISO 8601 time when raised and
  "" when lowered. La Suite Meet's server writes it (`POST rooms/<id>/toggle-hand/`, see
  `signaling.meet_api`); its tokens do not let participants write their own attributes.
- Captions: LiveKit transcriptions. We send the `lk.transcription` text stream with LiveKit's
  attributes `lk.segment_id`, `lk.transcription_final` ("true"/"false") and
  `lk.transcribed_track_id` (our microphone track's sid); we read that and the older
  `Transcription` DataPacket (which LiveKit forwards only from agents).

Who said it: always an identity LiveKit stamped on the packet, never one written in a payload.
For a text stream that is `TextStream.sender`; an agent (ParticipantInfo.kind AGENT) may publish
a stream on a participant's behalf, which LiveKit allows and marks, and we accept it only when
its carrier is indeed an agent in the room. A legacy `Transcription` names the transcribed
participant itself: we believe that name only when the stamped sender is that participant or an
agent in the room. A transcription naming a track that belongs to someone else is dropped.

`Roster` is what the caller knows of the room: identity -> LiveKit's ParticipantInfo.
Reading a connection's packets is one call per packet with `rtc.livekit.incoming.LiveData`;
sending is `connection.send_data(p)` for each packet `encode_chat`, `encode_reaction` or
`encode_caption` gives. LiveKit never echoes our own packets back: show our own chat line and
captions locally.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from livekit.protocol import models as lm

from visio_desktop.core.meet import HAND_ATTRIBUTE, hand_attribute
from visio_desktop.core.protocol import (
    CAPTION_MAX,
    CHAT_MAX,
    ID_MAX,
    Caption,
    Chat,
    Reaction,
    clean_display_name,
)
from visio_desktop.rtc.livekit.streams import TextStream, encode_text

log = logging.getLogger(__name__)

Roster = Mapping[str, lm.ParticipantInfo]

CHAT_TOPIC = "lk.chat"
LEGACY_CHAT_TOPIC = "lk-chat-topic"
TRANSCRIPTION_TOPIC = "lk.transcription"
STREAM_TOPICS = frozenset({CHAT_TOPIC, TRANSCRIPTION_TOPIC})  # for streams.TextStreams
SEGMENT_ID = "lk.segment_id"
TRANSCRIPTION_FINAL = "lk.transcription_final"
TRANSCRIBED_TRACK = "lk.transcribed_track_id"

MAX_JSON_BYTES = 16 * 1024
CLOCK_SKEW = 300.0  # a sender's clock further off than this is not believed (seconds)
_MAX_SEGMENTS = 16

# Our reactions and La Suite Meet's names for them (src/frontend/src/features/reactions/types.ts).
# Theirs also has "folded-hands", which we do not offer: it is refused.
EMOJI_NAMES: Mapping[str, str] = {
    "👍": "thumbs-up",
    "👎": "thumbs-down",
    "👏": "clapping-hands",
    "😂": "face-with-tears-of-joy",
    "😮": "face-with-open-mouth",
    "❤️": "red-heart",
    "🎉": "party-popper",
}
_EMOJIS = {name: emoji for emoji, name in EMOJI_NAMES.items()}


class NoticeKind(StrEnum):
    """La Suite Meet's data-message notifications we understand (NotificationType.ts), beside
    reactions. Others (handRaised, lowerHand, participantJoined...) are never sent as data."""

    PARTICIPANT_MUTED = "participantMuted"  # to the muted one; the sender muted them
    PERMISSIONS_REMOVED = "permissionsRemoved"  # data.removedSources: what may not be published
    PARTICIPANT_WAITING = "participantWaiting"  # from the server: someone waits in the lobby
    TRANSCRIPTION_STARTED = "transcriptionStarted"
    TRANSCRIPTION_STOPPED = "transcriptionStopped"
    TRANSCRIPTION_LIMIT_REACHED = "transcriptionLimitReached"
    TRANSCRIPTION_REQUESTED = "transcriptionRequested"
    SCREEN_RECORDING_STARTED = "screenRecordingStarted"
    SCREEN_RECORDING_STOPPED = "screenRecordingStopped"
    SCREEN_RECORDING_LIMIT_REACHED = "screenRecordingLimitReached"
    SCREEN_RECORDING_REQUESTED = "screenRecordingRequested"


REACTION_TYPE = "reactionReceived"


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    sender: str  # LiveKit's stamp; "" when La Suite Meet's server sent it
    removed_sources: tuple[str, ...] = ()  # PERMISSIONS_REMOVED only


# -- chat -------------------------------------------------------------------------------------


def encode_chat(text: str, *, message_id: str, sent_at: float) -> list[lm.DataPacket]:
    """A chat line as the web app sends it: an `lk.chat` text stream whose id is the message
    id; `sent_at` in seconds since the epoch."""
    return encode_text(text, CHAT_TOPIC, stream_id=message_id, timestamp_ms=int(sent_at * 1000))


def decode_chat(stream: TextStream, roster: Roster, now: float) -> Chat | None:
    """The chat line an `lk.chat` stream carries, or None (logged); `now` (seconds since the
    epoch) stands in for a sender's time that is missing or implausible."""
    if stream.topic != CHAT_TOPIC or not _carrier_ok(stream, roster):
        return None
    sent_at = _sent_at(stream.timestamp_ms, now)
    return _chat(stream.text, stream.stream_id, sent_at, stream.sender, roster)


def decode_legacy_chat(packet: lm.DataPacket, roster: Roster, now: float) -> Chat | None:
    """A legacy `lk-chat-topic` chat packet, unless it says to ignore it (its sender also sent
    the same line as a stream); None otherwise (logged when malformed)."""
    if packet.WhichOneof("value") != "user" or packet.user.topic != LEGACY_CHAT_TOPIC:
        return None
    sender = _user_sender(packet)
    document = _json_object(packet.user.payload, "legacy chat")
    if sender is None or document is None or document.get("ignoreLegacy") is True:
        return None
    message_id, text, stamp = document.get("id"), document.get("message"), document.get("timestamp")
    if not isinstance(message_id, str) or not isinstance(text, str):
        log.warning("ignoring a legacy chat packet without id or message from %.64r", sender)
        return None
    stamp_ms = int(stamp) if isinstance(stamp, int | float) and not isinstance(stamp, bool) else 0
    return _chat(text, message_id, _sent_at(stamp_ms, now), sender, roster)


def _chat(text: str, message_id: str, sent_at: float, sender: str, roster: Roster) -> Chat | None:
    if not text.strip() or len(text) > CHAT_MAX or not message_id or len(message_id) > ID_MAX:
        log.warning("ignoring a chat line from %.64r: empty, too long or a bad id", sender)
        return None
    return Chat(
        text=text,
        message_id=message_id,
        sent_at=sent_at,
        sender=sender,
        sender_name=_name(sender, roster),
    )


def _sent_at(timestamp_ms: int, now: float) -> float:
    sent_at = timestamp_ms / 1000
    return sent_at if abs(sent_at - now) <= CLOCK_SKEW else now


# -- reactions and notifications --------------------------------------------------------------


def encode_reaction(emoji: str) -> lm.DataPacket:
    """A reaction as the web app sends it; ValueError for an emoji not in REACTIONS."""
    name = EMOJI_NAMES.get(emoji)
    if name is None:
        raise ValueError(f"not a reaction: {emoji!r}")
    payload = json.dumps(
        {"type": REACTION_TYPE, "data": {"emoji": name}}, separators=(",", ":")
    ).encode()
    return lm.DataPacket(kind=lm.DataPacket.RELIABLE, user=lm.UserPacket(payload=payload))


def decode_notification(packet: lm.DataPacket) -> Reaction | Notice | None:
    """A reaction or notification from a topic-less user packet; None for anything else
    (logged when malformed, or a reaction we do not offer)."""
    if packet.WhichOneof("value") != "user" or packet.user.topic:
        return None
    sender = _user_sender(packet)
    document = _json_object(packet.user.payload, "notification")
    if sender is None or document is None:
        return None
    kind, data = document.get("type"), document.get("data", {})
    if not isinstance(kind, str):
        return None
    if not isinstance(data, dict):
        data = {}
    if kind == REACTION_TYPE:
        name = data.get("emoji")
        emoji = _EMOJIS.get(name) if isinstance(name, str) else None
        if emoji is None or not sender:
            log.info("ignoring a reaction %.32r from %.64r", name, sender)
            return None
        return Reaction(emoji=emoji, sender=sender)
    try:
        notice = NoticeKind(kind)
    except ValueError:
        log.debug("ignoring a notification of type %.40r", kind)
        return None
    if not sender and notice is not NoticeKind.PARTICIPANT_WAITING:
        return None  # everything else comes from a participant
    sources = data.get("removedSources", [])
    removed = (
        tuple(s for s in sources if isinstance(s, str) and len(s) <= 32)[:8]
        if isinstance(sources, list)
        else ()
    )
    return Notice(notice, sender, removed if notice is NoticeKind.PERMISSIONS_REMOVED else ())


# -- the raised hand --------------------------------------------------------------------------


def hand_raised(info: lm.ParticipantInfo) -> bool:
    """Whether a participant's hand is up, read as the web app reads it (a non-empty
    `handRaisedAt`)."""
    return bool(info.attributes.get(HAND_ATTRIBUTE, ""))


def hand_attributes(raised: bool, now: datetime) -> dict[str, str]:
    """The attributes that raise or lower a hand (`core.meet.hand_attribute`), for a server or
    a token that lets participants write their own attributes (UpdateParticipantMetadata)."""
    return {HAND_ATTRIBUTE: hand_attribute(raised, now)}


# -- captions ---------------------------------------------------------------------------------


def encode_caption(caption: Caption, track_sid: str, *, timestamp_ms: int) -> list[lm.DataPacket]:
    """Our caption segment as a LiveKit transcription of our microphone track `track_sid`:
    one complete `lk.transcription` stream per version of the segment (partial or final)."""
    attributes = {
        SEGMENT_ID: caption.segment_id,
        TRANSCRIPTION_FINAL: "true" if caption.final else "false",
    }
    if track_sid:
        attributes[TRANSCRIBED_TRACK] = track_sid
    return encode_text(caption.text, TRANSCRIPTION_TOPIC, attributes, timestamp_ms=timestamp_ms)


class CaptionReader:
    """Reads incoming transcriptions in both forms. LiveKit's agents send every segment twice,
    as a stream and as a legacy packet (with other segment ids): once a room has shown a
    stream, legacy packets are ignored."""

    def __init__(self) -> None:
        self._streams_seen = False

    def from_stream(self, stream: TextStream, roster: Roster) -> Caption | None:
        if stream.topic != TRANSCRIPTION_TOPIC or not _carrier_ok(stream, roster):
            return None
        self._streams_seen = True
        attributes = stream.attributes
        return _caption(
            stream.sender,
            attributes.get(TRANSCRIBED_TRACK, ""),
            lm.TranscriptionSegment(
                id=attributes.get(SEGMENT_ID) or stream.stream_id,
                text=stream.text,
                final=attributes.get(TRANSCRIPTION_FINAL) == "true",
            ),
            roster,
        )

    def from_packet(self, packet: lm.DataPacket, roster: Roster) -> list[Caption]:
        if packet.WhichOneof("value") != "transcription" or self._streams_seen:
            return []
        transcription, stamped = packet.transcription, packet.participant_identity
        speaker = transcription.transcribed_participant_identity or stamped
        if not stamped or (speaker != stamped and not _is_agent(stamped, roster)):
            log.warning("ignoring %.64r's transcription of %.64r", stamped, speaker)
            return []
        segments = transcription.segments[:_MAX_SEGMENTS]
        found = [_caption(speaker, transcription.track_id, s, roster) for s in segments]
        return [c for c in found if c is not None]


def _caption(
    speaker: str, track_sid: str, segment: lm.TranscriptionSegment, roster: Roster
) -> Caption | None:
    owner = _track_owner(track_sid, roster) if track_sid else None
    problem = None
    if owner is not None and owner != speaker:
        problem = f"track {track_sid:.40} is {owner:.64}'s"
    elif not segment.id or len(segment.id) > ID_MAX:
        problem = "a missing or overlong segment id"
    elif len(segment.text) > CAPTION_MAX:
        problem = "too much text"
    if problem is not None:
        log.warning("ignoring a transcription of %.64r: %s", speaker, problem)
        return None
    return Caption(
        segment_id=segment.id,
        text=segment.text,
        final=segment.final,
        language=segment.language if len(segment.language) <= 16 else "",
        start=segment.start_time / 1000,
        end=segment.end_time / 1000,
        sender=speaker,
        sender_name=_name(speaker, roster),
    )


# -- identities -------------------------------------------------------------------------------


def _carrier_ok(stream: TextStream, roster: Roster) -> bool:
    """A stream published on someone's behalf counts only when its carrier is an agent."""
    if stream.carrier in ("", stream.sender) or _is_agent(stream.carrier, roster):
        return True
    log.warning("ignoring a stream for %.64r carried by %.64r", stream.sender, stream.carrier)
    return False


def _is_agent(identity: str, roster: Roster) -> bool:
    info = roster.get(identity)
    return info is not None and info.kind == lm.ParticipantInfo.Kind.AGENT


def _track_owner(track_sid: str, roster: Roster) -> str | None:
    for identity, info in roster.items():
        if any(track.sid == track_sid for track in info.tracks):
            return identity
    return None


def _name(identity: str, roster: Roster) -> str:
    info = roster.get(identity)
    return clean_display_name(info.name or identity) if info is not None else ""


def _user_sender(packet: lm.DataPacket) -> str | None:
    """The identity LiveKit stamped on a user packet ("" from the server), None if the two
    stamps disagree."""
    outer, inner = packet.participant_identity, packet.user.participant_identity
    if outer and inner and outer != inner:
        log.warning("ignoring a data packet stamped %.64r and %.64r", outer, inner)
        return None
    return outer or inner


def _json_object(payload: bytes, what: str) -> dict[str, object] | None:
    if len(payload) > MAX_JSON_BYTES:
        log.warning("ignoring a %s of %d bytes", what, len(payload))
        return None
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: brackets nested too deep
        log.debug("ignoring a %s that is not JSON", what)
        return None
    return document if isinstance(document, dict) else None


__all__ = [
    "CHAT_TOPIC",
    "EMOJI_NAMES",
    "HAND_ATTRIBUTE",
    "LEGACY_CHAT_TOPIC",
    "STREAM_TOPICS",
    "TRANSCRIPTION_TOPIC",
    "CaptionReader",
    "Notice",
    "NoticeKind",
    "Roster",
    "decode_chat",
    "decode_legacy_chat",
    "decode_notification",
    "encode_caption",
    "encode_chat",
    "encode_reaction",
    "hand_attributes",
    "hand_raised",
]
