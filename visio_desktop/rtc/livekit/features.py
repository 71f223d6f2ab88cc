"""Placeholder for La Suite Meet's conventions (replaced by the meetconv branch)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from livekit.protocol import models as lm

from visio_desktop.core.protocol import REACTIONS, Caption, Chat, Message, Reaction

HAND = "handRaisedAt"
CHAT_TOPIC = "lk-chat-topic"
NOTIFY_TOPIC = "notify"


class StreamReader:
    pass


def hand_raised(attributes: Mapping[str, str]) -> bool:
    return bool(attributes.get(HAND))


def with_hand(attributes: Mapping[str, str], raised: bool) -> dict[str, str]:
    new = dict(attributes)
    if raised:
        new.setdefault(HAND, "1")
    else:
        new.pop(HAND, None)
    return new


def _user(topic: str, document: object) -> lm.DataPacket:
    return lm.DataPacket(
        kind=lm.DataPacket.Kind.RELIABLE,
        user=lm.UserPacket(topic=topic, payload=json.dumps(document).encode()),
    )


def chat_packets(text: str, sent_at: float, chat_id: str) -> list[lm.DataPacket]:
    document = {"id": chat_id, "message": text, "timestamp": int(sent_at * 1000)}
    return [_user(CHAT_TOPIC, document)]


def reaction_packet(emoji: str) -> lm.DataPacket:
    return _user(NOTIFY_TOPIC, {"type": "reaction", "data": {"emoji": emoji}})


def caption_packets(caption: Caption, identity: str, track_sid: str) -> list[lm.DataPacket]:
    segment = lm.TranscriptionSegment(
        id=caption.segment_id,
        text=caption.text,
        final=caption.final,
        language=caption.language,
    )
    return [
        lm.DataPacket(
            kind=lm.DataPacket.Kind.RELIABLE,
            transcription=lm.Transcription(
                transcribed_participant_identity=identity, track_id=track_sid, segments=[segment]
            ),
        )
    ]


def messages_from(
    packet: lm.DataPacket, reader: StreamReader, name_of: Callable[[str], str]
) -> list[Message]:
    sender = packet.participant_identity[:64]
    kind = packet.WhichOneof("value")
    if kind == "transcription":
        return [
            Caption(
                segment_id=s.id[:64],
                text=s.text[:1000],
                final=s.final,
                language=s.language[:16],
                sender=sender,
                sender_name=name_of(sender),
            )
            for s in packet.transcription.segments
        ]
    if kind != "user":
        return []
    try:
        document = json.loads(packet.user.payload)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    if packet.user.topic == CHAT_TOPIC and isinstance(document.get("message"), str):
        return [
            Chat(
                text=document["message"][:4000],
                message_id=str(document.get("id", ""))[:64],
                sent_at=0.0,
                sender=sender,
                sender_name=name_of(sender),
            )
        ]
    data = document.get("data")
    if packet.user.topic == NOTIFY_TOPIC and isinstance(data, dict):
        emoji = data.get("emoji")
        if emoji in REACTIONS:
            return [Reaction(emoji=str(emoji), sender=sender)]
    return []
