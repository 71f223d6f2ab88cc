"""Our desktop client, whole, in a meeting with the Visio web app: `visio-desktop serve
--livekit-url` (our front, La Suite Meet's REST API) and livekit-server in the tests' network
namespace, LiveKit's SDK joining as the web app does, and `visio-desktop join --headless
--synthetic` joining from a link to the front. Each sees and hears the other; chat and captions
go both ways; the web app's raised hand and reactions reach the desktop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.livekit.interop import AUDIBLE_FRAMES, MEDIA_FRAMES, Room, ready, received
from tests.livekit.netns import Event, NamespacedNode, Participant

_FRONT_START = 30.0


@pytest.fixture(scope="session")
def front(node_in_namespace: NamespacedNode) -> Iterator[str]:
    """Our server in front of the namespace's LiveKit; its URL (127.0.0.1 in the namespace)."""
    node = node_in_namespace
    server = node.start(
        "front",
        ["-m", "visio_desktop", "serve", "--port", "0", "--livekit-url", node.loopback_url],
        env={"LIVEKIT_API_KEY": node.api_key, "LIVEKIT_API_SECRET": node.api_secret},
        keep=True,
        by_signal=True,
    )
    listening = server.wait_for(lambda e: e["event"] == "listening", _FRONT_START, "listening")
    yield str(listening["url"])
    server.stop()


def from_desktop(participant: Participant) -> str:
    """The desktop's LiveKit identity (the front gives each join a new one)."""
    event = participant.wait_for(lambda e: e["event"] == "joined", what="joined")
    return str(event["self_id"])


def desktop_received(desktop: Participant, sender: str) -> Event:
    """Wait until the desktop has received enough of `sender`'s video and audio."""

    def enough(event: Event) -> bool:
        if event["event"] != "stats":
            return False
        return any(
            r["participant_id"] == sender
            and r["video_frames"] >= MEDIA_FRAMES
            and r["audio_frames"] >= AUDIBLE_FRAMES
            for r in event["remote"]
        )

    event = desktop.wait_for(enough, what=f"media from {sender}")
    remote: Event = next(r for r in event["remote"] if r["participant_id"] == sender)
    return remote


def test_the_desktop_and_the_web_app_in_one_meeting(room: Room, front: str) -> None:
    web = room.sdk("web")
    ready(web)
    desktop = room.desktop(
        front, "Desktop", "--chat", "Bonjour du bureau", "--caption", "Le bureau parle"
    )
    me = from_desktop(desktop)
    assert desktop_received(desktop, "web")["video_fps"] > 0
    received(web, me)

    chat = web.wait_for(lambda e: e["event"] == "chat", what="our chat")
    assert (chat["from"], chat["text"]) == (me, "Bonjour du bureau")
    caption = web.wait_for(
        lambda e: e["event"] == "stream" and e["attributes"]["lk.transcription_final"] == "true",
        what="our final caption",
    )
    assert (caption["from"], caption["topic"], caption["text"]) == (
        me,
        "lk.transcription",
        "Le bureau parle",
    )
    # Attributed to our microphone's track, as the web app's subtitles attribute captions.
    microphone = web.wait_for(
        lambda e: e["event"] == "track" and e["from"] == me and e["kind"] == "audio",
        what="our microphone",
    )
    assert caption["attributes"]["lk.transcribed_track_id"] == microphone["sid"]


def test_what_the_web_app_sends_reaches_the_desktop(room: Room, front: str) -> None:
    """Chat, the raised hand, a reaction, a caption, a camera turned off and on, a shared
    screen, and leaving, as La Suite Meet's web app does them, reach the desktop as its own
    events."""
    web = room.sdk("web")
    ready(web)
    desktop = room.desktop(front, "Desktop")
    me = from_desktop(desktop)
    web.wait_for(lambda e: e["event"] == "joined" and e["identity"] == me, what="desktop joined")

    web.send({"command": "chat", "text": "Bonjour du navigateur"})
    chat = desktop.wait_for(lambda e: e["event"] == "chat_received", what="chat")
    assert (chat["sender"], chat["sender_name"], chat["text"]) == (
        "web",
        "web",
        "Bonjour du navigateur",
    )

    web.send({"command": "hand", "raised": True})
    desktop.wait_for(
        lambda e: (
            e["event"] == "participant_updated"
            and e["participant"]["id"] == "web"
            and e["participant"]["hand_raised"]
        ),
        what="raised hand",
    )

    reaction = {"type": "reactionReceived", "data": {"emoji": "thumbs-up"}}
    web.send({"command": "data", "payload": reaction, "topic": ""})
    got = desktop.wait_for(lambda e: e["event"] == "reaction_received", what="reaction")
    assert (got["sender"], got["emoji"]) == ("web", "👍")

    web.send({"command": "caption_stream", "text": "Le navigateur parle", "final": True})
    caption = desktop.wait_for(
        lambda e: e["event"] == "caption_received" and e["final"], what="caption"
    )
    assert (caption["sender"], caption["text"]) == ("web", "Le navigateur parle")

    web.send({"command": "mute", "kind": "video", "muted": True})
    desktop.wait_for(lambda e: web_update(e, video=False), what="camera off")
    off = desktop.mark()
    web.send({"command": "mute", "kind": "video", "muted": False})
    desktop.wait_for(lambda e: web_update(e, video=True), what="camera on again", since=off)

    web.send({"command": "screen"})
    desktop.wait_for(lambda e: web_update(e, screen=True), what="screen shared")
    desktop.wait_for(
        lambda e: (
            e["event"] == "first_remote_frame"
            and e["participant_id"] == "web"
            and e["kind"] == "screen"
        ),
        what="a frame of the shared screen",
    )

    web.stop()
    left = desktop.wait_for(lambda e: e["event"] == "participant_left", what="web left")
    assert left["participant_id"] == "web"


def web_update(event: Event, **expected: object) -> bool:
    """Whether `event` is an update of the web app participant showing `expected`."""
    if event["event"] != "participant_updated" or event["participant"]["id"] != "web":
        return False
    return all(event["participant"][key] == value for key, value in expected.items())
