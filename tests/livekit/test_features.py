"""La Suite Meet's conventions over LiveKit <-> our messages, in the web app's exact formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from livekit.protocol import models as lm

from visio_desktop.core.protocol import REACTIONS, Caption, Chat, Reaction
from visio_desktop.rtc.livekit.features import (
    EMOJI_NAMES,
    STREAM_TOPICS,
    CaptionReader,
    Notice,
    NoticeKind,
    Roster,
    decode_chat,
    decode_legacy_chat,
    decode_notification,
    encode_caption,
    encode_chat,
    encode_reaction,
    hand_attributes,
    hand_raised,
)
from visio_desktop.rtc.livekit.streams import TextStream, TextStreams, encode_text

NOW = 1_790_000_000.0
AGENT = lm.ParticipantInfo.Kind.AGENT


def person(
    identity: str, name: str = "", *, kind: int = 0, tracks: tuple[str, ...] = ()
) -> lm.ParticipantInfo:
    info = lm.ParticipantInfo(identity=identity, name=name, kind=kind)  # type: ignore[arg-type]
    info.tracks.extend(lm.TrackInfo(sid=sid) for sid in tracks)
    return info


ROSTER: Roster = {
    "alice": person("alice", "Alice Martin", tracks=("TR_alice_mic",)),
    "bob": person("bob", "Bob", tracks=("TR_bob_mic",)),
    "mallory": person("mallory", "Mallory"),
    "multi-user-transcriber-room": person("multi-user-transcriber-room", kind=AGENT),
}


def received(packets: list[lm.DataPacket], identity: str) -> TextStream:
    """The stream our reader makes of `packets` once LiveKit stamped them with `identity`."""
    streams = TextStreams(lambda: 0.0, STREAM_TOPICS)
    done = []
    for packet in packets:
        packet.participant_identity = identity
        if (stream := streams.feed(packet)) is not None:
            done.append(stream)
    assert len(done) == 1
    return done[0]


def user_packet(payload: object, identity: str, topic: str = "") -> lm.DataPacket:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return lm.DataPacket(
        participant_identity=identity,
        user=lm.UserPacket(participant_identity=identity, payload=data, topic=topic),
    )


# -- chat --


def test_chat_goes_out_as_the_lk_chat_stream_and_comes_back_attributed_by_livekit() -> None:
    packets = encode_chat("Bonjour à tous", message_id="m-1", sent_at=NOW - 2)
    header = packets[0].stream_header
    assert (header.topic, header.stream_id, header.timestamp) == (
        "lk.chat",
        "m-1",
        (NOW - 2) * 1000,
    )
    assert dict(header.attributes) == {}
    chat = decode_chat(received(packets, "alice"), ROSTER, NOW)
    assert chat == Chat(
        text="Bonjour à tous",
        message_id="m-1",
        sent_at=NOW - 2,
        sender="alice",
        sender_name="Alice Martin",
    )


def test_a_senders_clock_far_off_is_replaced_by_ours() -> None:
    packets = encode_chat("hi", message_id="m", sent_at=NOW + 3600)
    chat = decode_chat(received(packets, "bob"), ROSTER, NOW)
    assert chat is not None and chat.sent_at == NOW


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_empty_or_overlong_chat_is_refused(text: str) -> None:
    assert (
        decode_chat(received(encode_chat(text, message_id="m", sent_at=NOW), "bob"), ROSTER, NOW)
        is None
    )


def test_chat_from_someone_not_yet_in_the_roster_has_no_name() -> None:
    chat = decode_chat(received(encode_chat("hi", message_id="m", sent_at=NOW), "zoe"), ROSTER, NOW)
    assert chat is not None and (chat.sender, chat.sender_name) == ("zoe", "")


def test_legacy_chat_is_read_unless_marked_ignore_legacy() -> None:
    legacy = {"id": "m-2", "timestamp": int(NOW * 1000), "message": "old client"}
    chat = decode_legacy_chat(user_packet(legacy, "bob", "lk-chat-topic"), ROSTER, NOW)
    assert chat == Chat(
        text="old client", message_id="m-2", sent_at=NOW, sender="bob", sender_name="Bob"
    )
    twin = {**legacy, "ignoreLegacy": True}  # what useChat sends beside its stream
    assert decode_legacy_chat(user_packet(twin, "bob", "lk-chat-topic"), ROSTER, NOW) is None


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1]",
        {"id": 3, "message": "x"},
        {"id": "m"},
        {"id": "m", "message": "x" * 5000},
    ],
)
def test_malformed_legacy_chat_is_dropped(payload: object) -> None:
    assert decode_legacy_chat(user_packet(payload, "bob", "lk-chat-topic"), ROSTER, NOW) is None


def test_a_payloads_sender_field_is_never_believed() -> None:
    legacy = {"id": "m", "timestamp": 0, "message": "hi", "from": {"identity": "alice"}}
    chat = decode_legacy_chat(user_packet(legacy, "mallory", "lk-chat-topic"), ROSTER, NOW)
    assert chat is not None and chat.sender == "mallory"
    packet = user_packet(legacy, "mallory", "lk-chat-topic")
    packet.user.participant_identity = "alice"  # stamps that disagree
    assert decode_legacy_chat(packet, ROSTER, NOW) is None


# -- reactions and notifications --


def test_our_reactions_map_to_la_suite_meets_names() -> None:
    assert set(EMOJI_NAMES) == set(REACTIONS)
    assert set(EMOJI_NAMES.values()) <= {
        "thumbs-up",
        "thumbs-down",
        "clapping-hands",
        "red-heart",
        "face-with-tears-of-joy",
        "face-with-open-mouth",
        "party-popper",
        "folded-hands",
    }


def test_a_reaction_is_the_web_apps_json_data_message() -> None:
    packet = encode_reaction("👍")
    assert packet.user.payload == b'{"type":"reactionReceived","data":{"emoji":"thumbs-up"}}'
    assert packet.user.topic == "" and packet.kind == lm.DataPacket.RELIABLE
    with pytest.raises(ValueError):
        encode_reaction("🙏")
    for emoji in REACTIONS:
        relayed = encode_reaction(emoji)
        relayed.participant_identity = relayed.user.participant_identity = "bob"
        assert decode_notification(relayed) == Reaction(emoji=emoji, sender="bob")


@pytest.mark.parametrize("name", ["folded-hands", "pile-of-poo", 7, None])
def test_reactions_we_do_not_offer_are_refused(name: object) -> None:
    packet = user_packet({"type": "reactionReceived", "data": {"emoji": name}}, "bob")
    assert decode_notification(packet) is None


def test_notifications_that_matter_are_read() -> None:
    muted = user_packet({"type": "participantMuted"}, "alice")
    assert decode_notification(muted) == Notice(NoticeKind.PARTICIPANT_MUTED, "alice")
    removed = {"type": "permissionsRemoved", "data": {"removedSources": ["camera", 5, "x" * 99]}}
    assert decode_notification(user_packet(removed, "alice")) == Notice(
        NoticeKind.PERMISSIONS_REMOVED, "alice", ("camera",)
    )
    waiting = user_packet({"type": "participantWaiting"}, "")  # from La Suite Meet's server
    assert decode_notification(waiting) == Notice(NoticeKind.PARTICIPANT_WAITING, "")
    assert decode_notification(user_packet({"type": "participantMuted"}, "")) is None


@pytest.mark.parametrize(
    "payload",
    [b"{", b'"x"', {"type": 3}, {"type": "handRaised"}, {"data": {}}, b"{" * 20_000, b"[" * 16_000],
)
def test_other_data_messages_are_ignored(payload: object) -> None:
    assert decode_notification(user_packet(payload, "bob")) is None


def test_a_topic_marks_a_packet_as_not_a_notification() -> None:
    packet = user_packet({"type": "participantMuted"}, "bob", topic="lk-chat-topic")
    assert decode_notification(packet) is None


# -- the hand --


def test_the_hand_is_the_handraisedat_attribute_as_la_suite_meet_writes_it() -> None:
    paris = timezone(timedelta(hours=1))
    raised = hand_attributes(True, datetime(2026, 12, 4, 17, 30, 5, 123456, tzinfo=paris))
    assert raised == {"handRaisedAt": "2026-12-04T16:30:05.123456+00:00"}  # Django's isoformat
    assert hand_attributes(False, datetime.now(UTC)) == {"handRaisedAt": ""}
    with pytest.raises(ValueError):
        hand_attributes(True, datetime(2026, 12, 4))
    info = person("bob")
    assert not hand_raised(info)
    info.attributes.update(raised)
    assert hand_raised(info)
    info.attributes["handRaisedAt"] = ""
    assert not hand_raised(info)


# -- captions --


def test_our_caption_is_an_lk_transcription_stream_of_our_microphone_track() -> None:
    caption = Caption(segment_id="seg-1", text="hello there", final=True)
    packets = encode_caption(caption, "TR_alice_mic", timestamp_ms=5)
    header = packets[0].stream_header
    assert header.topic == "lk.transcription"
    assert dict(header.attributes) == {
        "lk.segment_id": "seg-1",
        "lk.transcription_final": "true",
        "lk.transcribed_track_id": "TR_alice_mic",
    }
    got = CaptionReader().from_stream(received(packets, "alice"), ROSTER)
    assert got == Caption(
        segment_id="seg-1",
        text="hello there",
        final=True,
        sender="alice",
        sender_name="Alice Martin",
    )
    partial = encode_caption(Caption(segment_id="seg-2", text="hel"), "", timestamp_ms=5)
    assert partial[0].stream_header.attributes["lk.transcription_final"] == "false"
    assert "lk.transcribed_track_id" not in partial[0].stream_header.attributes


def test_a_caption_naming_someone_elses_track_is_dropped() -> None:
    packets = encode_caption(Caption(segment_id="s", text="I quit"), "TR_alice_mic", timestamp_ms=0)
    assert CaptionReader().from_stream(received(packets, "mallory"), ROSTER) is None


def agent_stream(speaker: str, carrier: str, text: str, attributes: dict[str, str]) -> TextStream:
    """An agent's delta stream as LiveKit relays it: the header stamped with the participant it
    transcribes (generated), chunks and trailer with the agent, `final` on the trailer."""
    packets = encode_text(
        text, "lk.transcription", {**attributes, "lk.transcription_final": "false"}
    )
    packets[0].stream_header.text_header.generated = True
    packets[-1].stream_trailer.attributes["lk.transcription_final"] = "true"
    streams = TextStreams(lambda: 0.0, STREAM_TOPICS)
    done = None
    for index, packet in enumerate(packets):
        packet.participant_identity = speaker if index == 0 else carrier
        done = streams.feed(packet) or done
    assert done is not None
    return done


def test_a_transcription_agents_stream_is_attributed_to_the_participant_it_transcribes() -> None:
    attributes = {"lk.segment_id": "SG_abc", "lk.transcribed_track_id": "TR_bob_mic"}
    stream = agent_stream("bob", "multi-user-transcriber-room", "on y va", attributes)
    caption = CaptionReader().from_stream(stream, ROSTER)
    assert caption is not None
    assert (caption.sender, caption.sender_name, caption.segment_id, caption.final) == (
        "bob",
        "Bob",
        "SG_abc",
        True,
    )


def test_a_stream_on_someones_behalf_not_carried_by_an_agent_is_dropped() -> None:
    stream = agent_stream("bob", "mallory", "lies", {"lk.segment_id": "SG_x"})
    assert CaptionReader().from_stream(stream, ROSTER) is None


def legacy(
    stamped: str, speaker: str, track: str, *segments: lm.TranscriptionSegment
) -> lm.DataPacket:
    return lm.DataPacket(
        participant_identity=stamped,
        transcription=lm.Transcription(
            transcribed_participant_identity=speaker, track_id=track, segments=segments
        ),
    )


def test_legacy_transcriptions_count_from_an_agent_or_the_speaker_only() -> None:
    segment = lm.TranscriptionSegment(
        id="SG_1", text="bonjour", final=True, language="fr", start_time=1500, end_time=2500
    )
    packet = legacy("multi-user-transcriber-room", "alice", "TR_alice_mic", segment)
    assert CaptionReader().from_packet(packet, ROSTER) == [
        Caption(
            segment_id="SG_1",
            text="bonjour",
            final=True,
            language="fr",
            start=1.5,
            end=2.5,
            sender="alice",
            sender_name="Alice Martin",
        )
    ]
    assert CaptionReader().from_packet(legacy("mallory", "alice", "", segment), ROSTER) == []
    wrong_track = legacy("multi-user-transcriber-room", "alice", "TR_bob_mic", segment)
    assert CaptionReader().from_packet(wrong_track, ROSTER) == []
    own = CaptionReader().from_packet(legacy("bob", "", "", segment), ROSTER)
    assert [c.sender for c in own] == ["bob"]


def test_legacy_transcriptions_are_ignored_once_streams_arrive() -> None:
    reader = CaptionReader()
    segment = lm.TranscriptionSegment(id="SG_1", text="one")
    packet = legacy("multi-user-transcriber-room", "alice", "", segment)
    assert len(reader.from_packet(packet, ROSTER)) == 1
    stream = agent_stream("alice", "multi-user-transcriber-room", "one", {"lk.segment_id": "SG_2"})
    assert reader.from_stream(stream, ROSTER) is not None
    assert reader.from_packet(packet, ROSTER) == []


@pytest.mark.parametrize(
    "segment",
    [
        lm.TranscriptionSegment(id="", text="x"),
        lm.TranscriptionSegment(id="s" * 65, text="x"),
        lm.TranscriptionSegment(id="s", text="x" * 1001),
    ],
)
def test_malformed_segments_are_dropped(segment: lm.TranscriptionSegment) -> None:
    assert CaptionReader().from_packet(legacy("alice", "alice", "", segment), ROSTER) == []


def test_other_streams_are_not_captions_or_chat() -> None:
    chat = received(encode_chat("hi", message_id="m", sent_at=NOW), "alice")
    assert CaptionReader().from_stream(chat, ROSTER) is None
    caption = received(
        encode_caption(Caption(segment_id="s", text="x"), "", timestamp_ms=0), "alice"
    )
    assert decode_chat(caption, ROSTER, NOW) is None
