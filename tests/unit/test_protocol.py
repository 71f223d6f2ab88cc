"""The meeting protocol: every message round-trips, and decoding refuses everything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visio_desktop.core import protocol as p
from visio_desktop.core.errors import ProtocolError
from visio_desktop.core.roles import Access, LobbyEntry, Moderation, RoomState
from visio_desktop.core.wire import decode, decode_object, encode

PERSON = p.ParticipantInfo(id="a1", display_name="Agent DINUM", audio=True, hand_raised=True)

EXAMPLES: list[p.Message] = [
    p.Hello(protocol=1, client="visio-desktop 0.1.0"),
    p.Welcome(
        protocol=1,
        participant_id="a1",
        ice_servers=(
            p.IceServer(urls=("turn:turn.example.fr:3478",), username="u", credential="c"),
        ),
        media_plane=p.MediaPlane.MESH,
        server="visio-desktop",
    ),
    p.Join(room="abc-defg-hij", display_name="Préfecture du Rhône", audio=False, video=True),
    p.Joined(room="abc-defg-hij", participant_id="a1", participants=(PERSON,)),
    p.ParticipantJoined(participant=PERSON),
    p.ParticipantLeft(participant_id="a1", reason=p.LeaveReason.DISCONNECTED),
    p.UpdateState(display_name="x", audio=True, video=False, screen=True, hand_raised=True),
    p.ParticipantUpdated(participant=PERSON),
    p.Signal(to="b2", kind=p.SignalKind.OFFER, sdp="v=0\r\n", sender="a1"),
    p.Signal(
        to="b2",
        kind=p.SignalKind.CANDIDATE,
        sdp="candidate:1 1 udp 1 127.0.0.1 9 typ host",
        mid="0",
    ),
    p.Chat(
        text="Bonjour <b>à tous</b> 👋", message_id="m1", sent_at=1.5, sender="a1", sender_name="A"
    ),
    p.Caption(segment_id="s1", text="bonjour", final=True, language="fr", start=0.5, end=1.25),
    p.Reaction(emoji="👍"),
    p.Leave(),
    p.Ping(nonce=7),
    p.Pong(nonce=7),
    p.Error(code=p.ErrorCode.ROOM_FULL, message="this meeting is full"),
    p.ServerShutdown(reason="maintenance"),
    p.Waiting(room="abc-defg-hij", display_name="Ann"),
    p.Lobby(waiting=(LobbyEntry(id="a1", display_name="Ann", since=1.5),)),
    p.Admit(ids=("a1", "b2"), allow=False),
    p.SetRoomState(state=RoomState(access=Access.LOBBY, mics_locked=True)),
    p.RoomStateChanged(state=RoomState(access=Access.LOCKED), by="h1", by_name="Hostess"),
    p.Moderate(action=Moderation.REMOVE, target="a1"),
    p.Moderated(action=Moderation.MUTE, by="h1", by_name="Hostess"),
    p.EndMeeting(),
    p.MeetingEnded(by="h1", by_name="Hostess"),
]


def test_every_message_type_has_an_example() -> None:
    assert {type(m) for m in EXAMPLES} == set(p.MESSAGE_TYPES.values())


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.TYPE)
def test_round_trip(message: p.Message) -> None:
    frame = encode(message)
    assert json.loads(frame)["type"] == message.TYPE
    assert decode(frame) == message
    assert decode(frame.encode()) == message


def test_optional_fields_may_be_omitted_but_required_ones_not() -> None:
    assert decode('{"type":"chat","text":"hi"}') == p.Chat(text="hi")
    with pytest.raises(ProtocolError, match=r"chat\.text: missing"):
        decode('{"type":"chat"}')
    with pytest.raises(ProtocolError, match=r"participant\.display_name: missing"):
        decode('{"type":"participant_joined","participant":{"id":"x"}}')


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("", "not valid JSON"),
        ("nope", "not valid JSON"),
        ("[1,2]", "not a JSON object"),
        ('"chat"', "not a JSON object"),
        ('{"text":"hi"}', "no string 'type'"),
        ('{"type":7}', "no string 'type'"),
        ('{"type":"teleport"}', "unknown message type"),
        ('{"type":"chat","text":"hi","sender_id":"x"}', "unexpected field"),
        ('{"type":"chat","text":5}', "expected a string"),
        ('{"type":"chat","text":null}', "expected a string"),
        ('{"type":"ping","nonce":"7"}', "expected an integer"),
        ('{"type":"ping","nonce":true}', "expected an integer"),
        ('{"type":"ping","nonce":1.5}', "expected an integer"),
        ('{"type":"ping","nonce":1e300}', "expected an integer"),
        ('{"type":"ping","nonce":123456789012345678901234567890}', "expected an integer"),
        ('{"type":"chat","text":"a","sent_at":NaN}', "not valid JSON"),
        ('{"type":"chat","text":"a","sent_at":Infinity}', "not valid JSON"),
        ('{"type":"chat","text":"a","sent_at":"now"}', "finite number"),
        ('{"type":"join","room":"r","display_name":"n","audio":1}', "expected a boolean"),
        ('{"type":"signal","to":"b","kind":"rollback"}', "expected one of"),
        ('{"type":"participant_joined","participant":[]}', "expected an object"),
        ('{"type":"joined","room":"r","participant_id":"p","participants":{}}', "expected a list"),
        (
            '{"type":"joined","room":"r","participant_id":"p","participants":[1]}',
            "expected an object",
        ),
        ('{"type":"chat","text":"\\ud800"}', "surrogates"),
        ('{"type":"reaction","emoji":"' + "x" * 17 + '"}', "longer than 16"),
        ('{"type":"chat","text":"' + "x" * (p.CHAT_MAX + 1) + '"}', f"longer than {p.CHAT_MAX}"),
        ('{"type":"join","room":"r","display_name":"' + "n" * 65 + '"}', "longer than 64"),
        ("{" * 100_000, "exceeds"),
        ('{"type":"chat","text":"' + "x" * (64 * 1024) + '"}', "exceeds"),
    ],
)
def test_malformed_frames_name_their_fault(frame: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode(frame)


def test_invalid_utf8_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="not valid JSON"):
        decode(b'{"type":"chat","text":"\xff"}')


def test_deep_nesting_is_refused_without_recursion_errors() -> None:
    deep = '{"type":"chat","text":' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(ProtocolError):
        decode(deep)


def test_encode_refuses_frames_over_the_limit() -> None:
    huge = p.Signal(to="b", kind=p.SignalKind.OFFER, sdp="x" * p.SDP_MAX)
    encode(huge)  # within the field limit and the frame limit
    with pytest.raises(ProtocolError, match="exceed"):
        encode(p.Signal(to="b", kind=p.SignalKind.OFFER, sdp="é" * p.SDP_MAX))


def test_discovery_document_is_checked_strictly() -> None:
    good = {
        "protocol": 1,
        "websocket": "wss://visio.example.fr/ws",
        "ice_servers": [],
        "media_planes": ["mesh"],
        "features": ["chat"],
        "max_participants": 12,
    }
    assert decode_object(p.Discovery, good, "discovery").media_planes == (p.MediaPlane.MESH,)
    with pytest.raises(ProtocolError, match="media_planes"):
        decode_object(p.Discovery, {**good, "media_planes": ["p2p"]}, "discovery")
    with pytest.raises(ProtocolError, match="expected an object"):
        decode_object(p.Discovery, [good], "discovery")


def test_display_names_are_cleaned() -> None:
    assert p.clean_display_name("  Agent\u202e DINUM\x00\n ") == "Agent DINUM"
    assert p.clean_display_name("\u200b\x07") == "Guest"
    assert len(p.clean_display_name("n" * 500)) == p.NAME_MAX


# -- fuzzing: nothing but ProtocolError ever escapes ------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


def _decode_or_protocol_error(frame: str | bytes) -> None:
    try:
        message = decode(frame)
    except ProtocolError:
        return
    assert decode(encode(message)) == message


@settings(max_examples=400)
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_fuzz_arbitrary_input(frame: str | bytes) -> None:
    _decode_or_protocol_error(frame)


@settings(max_examples=400)
@given(json_values)
def test_fuzz_arbitrary_json(value: Any) -> None:
    _decode_or_protocol_error(json.dumps(value))


@settings(max_examples=600)
@given(
    st.sampled_from(EXAMPLES),
    st.sampled_from(["drop", "replace", "add"]),
    st.integers(min_value=0, max_value=20),
    json_values,
)
def test_fuzz_mutated_valid_frames(message: p.Message, how: str, index: int, value: Any) -> None:
    data = json.loads(encode(message))
    keys = sorted(data)
    key = keys[index % len(keys)]
    if how == "drop":
        del data[key]
    elif how == "replace":
        data[key] = value
    else:
        data[f"extra{index}"] = value
    _decode_or_protocol_error(json.dumps(data))
