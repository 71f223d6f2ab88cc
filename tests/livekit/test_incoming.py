"""One connection's data packets read in turn: chat, captions, reactions, notices."""

from __future__ import annotations

import json

from livekit.protocol import models as lm

from visio_desktop.core.protocol import Caption, Chat, Reaction
from visio_desktop.rtc.livekit.features import (
    Notice,
    NoticeKind,
    Roster,
    encode_caption,
    encode_chat,
    encode_reaction,
)
from visio_desktop.rtc.livekit.incoming import LiveData

NOW = 1_790_000_000.0
ROSTER: Roster = {
    "alice": lm.ParticipantInfo(identity="alice", name="Alice"),
    "bob": lm.ParticipantInfo(identity="bob", name="Bob"),
}


def relayed(packets: list[lm.DataPacket], identity: str) -> list[lm.DataPacket]:
    for packet in packets:
        packet.participant_identity = identity
        if packet.WhichOneof("value") == "user":
            packet.user.participant_identity = identity
    return packets


def test_a_rooms_traffic_interleaved_comes_out_in_order() -> None:
    live = LiveData(lambda: 0.0, lambda: NOW)
    chat = relayed(encode_chat("salut", message_id="m1", sent_at=NOW), "alice")
    caption = relayed(
        encode_caption(Caption(segment_id="s1", text="hello", final=True), "", timestamp_ms=0),
        "bob",
    )
    reaction = relayed([encode_reaction("🎉")], "bob")
    muted = lm.DataPacket(
        participant_identity="alice",
        user=lm.UserPacket(
            participant_identity="alice", payload=json.dumps({"type": "participantMuted"}).encode()
        ),
    )
    noise = lm.DataPacket(participant_identity="bob", speaker=lm.ActiveSpeakerUpdate())
    order = [chat[0], caption[0], chat[1], reaction[0], caption[1], noise, muted, caption[2]]
    order.append(chat[2])
    items = [item for packet in order for item in live.read(packet, ROSTER)]
    assert items == [
        Reaction(emoji="🎉", sender="bob"),
        Notice(NoticeKind.PARTICIPANT_MUTED, "alice"),
        Caption(segment_id="s1", text="hello", final=True, sender="bob", sender_name="Bob"),
        Chat(text="salut", message_id="m1", sent_at=NOW, sender="alice", sender_name="Alice"),
    ]


def test_legacy_chat_and_transcriptions_are_read_too() -> None:
    live = LiveData(lambda: 0.0, lambda: NOW)
    legacy = lm.DataPacket(
        participant_identity="bob",
        user=lm.UserPacket(
            participant_identity="bob",
            topic="lk-chat-topic",
            payload=json.dumps({"id": "m", "timestamp": NOW * 1000, "message": "hi"}).encode(),
        ),
    )
    assert [c.text for c in live.read(legacy, ROSTER)] == ["hi"]  # type: ignore[union-attr]
    transcription = lm.DataPacket(
        participant_identity="bob",
        transcription=lm.Transcription(
            transcribed_participant_identity="bob",
            segments=[lm.TranscriptionSegment(id="SG", text="yes", final=True)],
        ),
    )
    assert live.read(transcription, ROSTER) == [
        Caption(segment_id="SG", text="yes", final=True, sender="bob", sender_name="Bob")
    ]
