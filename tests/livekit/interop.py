"""What the interop tests share: a room on the livekit-server in the tests' namespace, and the
participants they start in it (LiveKit's SDK as the web app, our connection, our headless
client), each a process printing JSON lines (netns.Participant)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from livekit import api

from tests.livekit.netns import Event, NamespacedNode, Participant

HERE = Path(__file__).resolve().parent
MEDIA_FRAMES = 30  # two seconds of video at 15 fps
AUDIBLE_FRAMES = 20  # 0.4 s of sound in 20 ms frames


@dataclass
class Room:
    node: NamespacedNode
    name: str  # a room slug, `abc-defg-hij`, which is also the LiveKit room's name

    def token(self, identity: str, *, agent: bool = False) -> str:
        grants = api.VideoGrants(
            room_join=True, room=self.name, can_publish_data=True, can_update_own_metadata=True
        )
        token = (
            api.AccessToken(self.node.api_key, self.node.api_secret)
            .with_identity(identity)
            .with_name(identity)
            .with_grants(grants)
        )
        if agent:
            token = token.with_kind("agent")
        return token.to_jwt()

    def sdk(
        self, identity: str, *, agent: bool = False, size: str = "320x180", codec: str = "VP8"
    ) -> Participant:
        """A participant made with LiveKit's SDK, as the web app joins."""
        script = str(HERE / "sdk_participant.py")
        token = self.token(identity, agent=agent)
        return self.node.start(identity, [script, self.node.url, token, size, codec])

    def ours(self, identity: str) -> Participant:
        """A participant made with our LiveKitConnection alone."""
        script = str(HERE / "aiortc_participant.py")
        token = self.token(identity)
        return self.node.start(
            identity, [script, self.node.url, token, self.node.namespace.address]
        )

    def desktop(self, front: str, name: str, *options: str) -> Participant:
        """Our headless client (`visio-desktop join --headless --synthetic`) joining this room
        through the front at `front`, as from a link to it; `options` are more of join's."""
        return self.node.start(
            name,
            [
                "-m",
                "visio_desktop",
                "join",
                f"{front}/{self.name}",
                "--headless",
                "--synthetic",
                "--name",
                name,
                "--video-size",
                "320x180",
                "--fps",
                "15",
                "--stats-interval",
                "0.5",
                *options,
            ],
            by_signal=True,
        )


def ready(participant: Participant) -> Event:
    return participant.wait_for(lambda e: e["event"] == "ready", what="ready")


def joined(participant: Participant, identity: str) -> None:
    participant.wait_for(
        lambda e: e["event"] == "joined" and e["identity"] == identity, what=f"{identity} joined"
    )


def received(participant: Participant, sender: str, size: tuple[int, int] = (320, 180)) -> Event:
    """Wait until `participant` (the SDK's or our connection's) has decoded enough of
    `sender`'s video and sound; what it counted."""

    def enough(event: Event) -> bool:
        counts = event.get("received", {}).get(sender) if event["event"] == "stats" else None
        return bool(
            counts
            and counts["video"] >= MEDIA_FRAMES
            and counts["audible"] >= AUDIBLE_FRAMES
            and counts["size"] == list(size)
        )

    event = participant.wait_for(enough, what=f"media from {sender}")
    counts: Event = event["received"][sender]
    return counts
