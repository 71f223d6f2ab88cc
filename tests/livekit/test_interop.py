"""Our LiveKit client beside LiveKit's own client SDK, the one the Visio web app (La Suite Meet)
is built on: a real livekit-server, the `livekit` SDK (Google's libwebrtc) and our
`LiveKitConnection` (aiortc) in one room, each as a process inside a network namespace of the
tests' own (netns.py: libwebrtc gathers no loopback candidates). They see and hear each other,
whoever arrives first, and what the web app sends (chat, raised hand, reactions, captions)
reaches our client as LiveKit carries it."""

from __future__ import annotations

import json
from datetime import datetime

from tests.livekit.interop import MEDIA_FRAMES, Room, joined, ready, received
from tests.livekit.netns import Event, Participant


def frames_at(participant: Participant, sender: str, size: list[int], count: int) -> None:
    """Wait until `participant` has decoded `count` frames of `sender`'s video at `size`."""

    def counts(event: Event) -> Event | None:
        found: Event | None = (
            event.get("received", {}).get(sender) if event["event"] == "stats" else None
        )
        return found if found and found["size"] == size else None

    first = participant.wait_for(lambda e: counts(e) is not None, what=f"video at {size}")
    at_first = counts(first)
    assert at_first is not None
    start = at_first["video"]
    participant.wait_for(
        lambda e: (c := counts(e)) is not None and c["video"] >= start + count,
        what=f"{count} frames at {size}",
    )


def codecs(participant: Participant, sender: str) -> dict[str, str]:
    """The codec of each of `sender`'s tracks as `participant` receives it, by kind."""
    tracks = [e for e in participant.seen if e["event"] == "track" and e["from"] == sender]
    return {e["kind"]: e["mime"].lower() for e in tracks}


def negotiated(participant: Participant, sender: str, kind: str) -> list[str]:
    """The codecs our client agreed on for `sender`'s track of `kind`."""
    for event in participant.seen:
        if event["event"] == "track" and event["from"] == sender and event["kind"] == kind:
            return [mime.lower() for mime in event["negotiated"]]
    return []


def test_our_client_joins_a_web_app_participant_and_both_see_and_hear_each_other(
    room: Room,
) -> None:
    """The web app's participant is in the room, publishing, before we arrive: LiveKit offers
    its tracks to us in a second offer right after the first (see rtc.livekit.transceivers)."""
    web = room.sdk("web")
    ready(web)
    ours = room.ours("desktop")
    ready(ours)
    assert received(ours, "web")["video"] >= MEDIA_FRAMES
    assert received(web, "desktop")["video"] >= MEDIA_FRAMES
    # The SDK publishes VP8 (simulcast) and Opus with RED, which aiortc lacks: LiveKit serves
    # us plain Opus.
    assert codecs(ours, "web") == {"video": "video/vp8", "audio": "audio/red"}
    assert negotiated(ours, "web", "audio")[0] == "audio/opus"
    assert codecs(web, "desktop") == {"video": "video/vp8", "audio": "audio/opus"}


def test_three_in_a_room_with_a_vp8_and_an_h264_camera(room: Room) -> None:
    """Two web app participants, one sending H264 (as Safari may), and our client: everyone
    receives both others. Two tracks of a kind offered in one go need aiortc's max-bundle."""
    vp8 = room.sdk("web-vp8")
    h264 = room.sdk("web-h264", size="640x360", codec="H264")
    ready(vp8)
    ready(h264)
    ours = room.ours("desktop")
    ready(ours)
    received(ours, "web-vp8")
    received(ours, "web-h264", size=(640, 360))
    assert codecs(ours, "web-h264")["video"] == "video/h264"
    for web in (vp8, h264):
        received(web, "desktop")
    received(vp8, "web-h264", size=(640, 360))
    received(h264, "web-vp8")


def test_a_web_app_participant_joining_after_us_is_seen_and_heard(room: Room) -> None:
    ours = room.ours("desktop")
    ready(ours)
    web = room.sdk("web")
    ready(web)
    joined(ours, "web")
    received(ours, "web")
    received(web, "desktop")


def test_our_client_receives_a_simulcast_camera_at_the_size_it_asks_for(room: Room) -> None:
    """The web app publishes its camera in three simulcast layers (320x180, 640x360,
    1280x720). We get the top one until we ask LiveKit for a size (as the media plane does
    for a tile), then the layer that fits; aiortc's VP8 decoder follows the switches."""
    web = room.sdk("web", size="1280x720")
    camera = ready(web)["video_sid"]
    ours = room.ours("desktop")
    ready(ours)
    frames_at(ours, "web", [1280, 720], 15)
    ours.send({"command": "view", "sid": camera, "width": 320, "height": 180})
    frames_at(ours, "web", [320, 180], 15)
    ours.send({"command": "view", "sid": camera, "width": 640, "height": 360})
    frames_at(ours, "web", [640, 360], 15)


def test_chat_hand_and_reactions_from_the_web_app_reach_our_client(room: Room) -> None:
    """What La Suite Meet sends, as the SDK carries it: chat on the `lk.chat` text stream, the
    raised hand as the `handRaisedAt` attribute, reactions as JSON data packets; and our data
    packets reach the web app's SDK, stamped with our identity."""
    ours = room.ours("desktop")
    ready(ours)
    web = room.sdk("web")
    ready(web)
    joined(ours, "web")
    long_text = "é" * 20_000  # more than one chunk of a text stream
    web.send({"command": "chat", "text": "Bonjour à tous ✓"})
    web.send({"command": "chat", "text": long_text})
    web.send({"command": "hand", "raised": True})
    reaction = {"type": "reactionReceived", "data": {"emoji": "thumbs-up"}}
    web.send({"command": "data", "payload": reaction, "topic": ""})

    chat = ours.wait_for(lambda e: e["event"] == "chat", what="chat")
    assert (chat["from"], chat["text"]) == ("web", "Bonjour à tous ✓")
    long = ours.wait_for(lambda e: e["event"] == "chat" and e is not chat, what="long chat")
    assert long["text"] == long_text
    assert long["shape"]["chunks"] > 1
    hand = ours.wait_for(lambda e: e["event"] == "attributes", what="raised hand")
    assert hand["from"] == "web"
    assert datetime.fromisoformat(hand["changed"]["handRaisedAt"]).tzinfo is not None
    data = ours.wait_for(lambda e: e["event"] == "data", what="reaction")
    assert (data["from"], json.loads(data["payload"])) == ("web", reaction)

    ours.send({"command": "data", "payload": reaction, "topic": ""})
    back = web.wait_for(lambda e: e["event"] == "data", what="our reaction")
    assert (back["from"], back["topic"], json.loads(back["payload"])) == ("desktop", "", reaction)

    web.send({"command": "hand", "raised": False})
    lowered = ours.wait_for(
        lambda e: e["event"] == "attributes" and e["changed"].get("handRaisedAt") == "",
        what="lowered hand",
    )
    assert lowered["from"] == "web"


def test_caption_packets_reach_us_from_an_agent_only_and_caption_streams_from_anyone(
    room: Room,
) -> None:
    """LiveKit forwards `Transcription` packets from agent participants only (livekit-server
    1.13.5, participant.go handleReceivedDataMessage): the captions of La Suite Meet's
    transcriber reach us; a transcription packet a plain participant publishes goes nowhere.
    Captions as an `lk.transcription` text stream (what LiveKit's agents send now) reach us
    from anyone, with their segment, finality and track in the stream's attributes."""
    ours = room.ours("desktop")
    ready(ours)
    transcriber = room.sdk("transcriber", agent=True)
    microphone = ready(transcriber)["audio_sid"]
    web = room.sdk("web")
    ready(web)
    joined(ours, "transcriber")
    joined(ours, "web")

    transcriber.send({"command": "transcription", "text": "Bonjour", "final": True})
    caption = ours.wait_for(lambda e: e["event"] == "transcription", what="caption")
    assert caption["from"] == "transcriber" and caption["track"] == microphone
    assert caption["segments"] == [{"id": "segment-1", "text": "Bonjour", "final": True}]

    # A plain participant's transcription, then a data packet on the same reliable channel:
    # the data packet arrives, the transcription before it did not.
    web.send({"command": "transcription", "text": "dropped", "final": True})
    web.wait_for(lambda e: e["event"] == "done" and e["command"] == "transcription")
    web.send({"command": "data", "payload": "after", "topic": "marker"})
    ours.wait_for(lambda e: e["event"] == "data" and e["topic"] == "marker", what="marker")
    assert [e for e in ours.seen if e["event"] == "transcription" and e["from"] == "web"] == []

    web_microphone = ready(web)["audio_sid"]
    web.send({"command": "caption_stream", "text": "Ça marche", "final": False})
    stream = ours.wait_for(lambda e: e["event"] == "stream", what="caption stream")
    assert (stream["from"], stream["topic"], stream["text"]) == (
        "web",
        "lk.transcription",
        "Ça marche",
    )
    assert stream["attributes"] == {
        "lk.segment_id": "segment-1",
        "lk.transcription_final": "false",
        "lk.transcribed_track_id": web_microphone,
    }
