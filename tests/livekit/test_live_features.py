"""La Suite Meet's live features through a real livekit-server on 127.0.0.1, between our own
LiveKit connections: what LiveKit stamps, forwards and drops is what features.py assumes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from aiortc.mediastreams import MediaStreamTrack
from livekit import api
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from tests.livekit.rig import LiveKitNode
from visio_desktop.core.protocol import Caption, Chat, Reaction
from visio_desktop.rtc.livekit.connection import LiveKitConnection, SignallingState
from visio_desktop.rtc.livekit.features import encode_caption, encode_chat, encode_reaction
from visio_desktop.rtc.livekit.incoming import LiveData, LiveItem
from visio_desktop.rtc.livekit.streams import encode_text

_WAIT = 20.0
ROOM = "live-features"


@dataclass
class Listener:
    """A SignalEvents that keeps the roster and reads data packets as the backend will."""

    roster: dict[str, lm.ParticipantInfo] = field(default_factory=dict)
    items: list[LiveItem] = field(default_factory=list)
    raw: list[lm.DataPacket] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    live: LiveData = field(default_factory=lambda: LiveData(time.monotonic, time.time))

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None:
        for info in participants:
            if info.state == lm.ParticipantInfo.State.DISCONNECTED:
                self.roster.pop(info.identity, None)
            else:
                self.roster[info.identity] = info
        self.changed.set()

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None:
        pass

    def data_received(self, packet: lm.DataPacket) -> None:
        self.raw.append(packet)
        self.items.extend(self.live.read(packet, self.roster))
        self.changed.set()

    def signal_message(self, response: lr.SignalResponse) -> None:
        if response.WhichOneof("message") == "update":
            self.participants_updated(list(response.update.participants))

    def signalling_changed(self, state: SignallingState) -> None:
        pass

    async def until(self, condition: Callable[[], object]) -> None:
        async with asyncio.timeout(_WAIT):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


def _token(livekit: LiveKitNode, identity: str, name: str, *, agent: bool = False) -> str:
    grants = api.VideoGrants(room_join=True, room=ROOM, can_publish_data=True, agent=agent)
    token = (
        api.AccessToken(livekit.api_key, livekit.api_secret)
        .with_identity(identity)
        .with_name(name)
        .with_grants(grants)
    )
    if agent:
        token = token.with_kind("agent")
    return token.to_jwt()


@pytest.fixture
async def room(
    livekit: LiveKitNode,
) -> AsyncIterator[dict[str, tuple[LiveKitConnection, Listener]]]:
    people = {}
    for identity, name, agent in (
        ("alice", "Alice", False),
        ("bob", "Bob", False),
        ("transcriber", "", True),
    ):
        listener = Listener()
        connection = LiveKitConnection(listener)
        await connection.connect(livekit.url, _token(livekit, identity, name, agent=agent))
        people[identity] = (connection, listener)
    bob = people["bob"][1]
    await bob.until(lambda: {"alice", "transcriber"} <= set(bob.roster))
    yield people
    for connection, _ in people.values():
        await connection.close()


def send(connection: LiveKitConnection, packets: list[lm.DataPacket], claim: str = "") -> None:
    for packet in packets:
        packet.participant_identity = claim  # what a client may write; LiveKit decides
        connection.send_data(packet)


async def test_chat_captions_and_reactions_arrive_attributed_by_livekit(
    room: dict[str, tuple[LiveKitConnection, Listener]],
) -> None:
    alice, bob = room["alice"][0], room["bob"][1]
    long_text = "Bonjour à tous ! " * 1200  # about 20 kB: two chunks
    send(alice, encode_chat(long_text[:4000], message_id="m-1", sent_at=time.time()), "bob")
    send(alice, [encode_reaction("👏")], "bob")
    caption = Caption(segment_id="seg-1", text="on commence", final=True)
    send(alice, encode_caption(caption, "TR_whatever", timestamp_ms=0), "bob")
    send(alice, encode_text(long_text, "lk.chat"))  # over CHAT_MAX: read, then refused
    send(alice, [encode_reaction("🎉")])  # the reliable channel keeps alice's order
    await bob.until(lambda: len(bob.items) >= 4)
    chat, reaction, got, last = bob.items
    assert isinstance(chat, Chat) and (chat.sender, chat.sender_name) == ("alice", "Alice")
    assert chat.text == long_text[:4000]
    assert reaction == Reaction(emoji="👏", sender="alice")
    assert got == Caption(
        segment_id="seg-1", text="on commence", final=True, sender="alice", sender_name="Alice"
    )
    assert last == Reaction(emoji="🎉", sender="alice")


async def test_livekit_drops_a_participants_transcription_packet_and_forwards_an_agents(
    room: dict[str, tuple[LiveKitConnection, Listener]],
) -> None:
    def transcription(speaker: str, segment_id: str) -> lm.DataPacket:
        segment = lm.TranscriptionSegment(id=segment_id, text="words", final=True)
        return lm.DataPacket(
            kind=lm.DataPacket.RELIABLE,
            transcription=lm.Transcription(
                transcribed_participant_identity=speaker, segments=[segment]
            ),
        )

    (alice, _), (agent, _), (_, bob) = room["alice"], room["transcriber"], room["bob"]
    send(alice, [transcription("alice", "SG_from_alice")])
    send(agent, [transcription("alice", "SG_from_agent")])
    await bob.until(lambda: bob.items)
    assert [(c.segment_id, c.sender) for c in bob.items] == [("SG_from_agent", "alice")]  # type: ignore[union-attr]


async def test_an_agent_may_stream_on_a_participants_behalf_and_nobody_else(
    room: dict[str, tuple[LiveKitConnection, Listener]],
) -> None:
    (alice, _), (agent, _), (_, bob) = room["alice"], room["transcriber"], room["bob"]
    spoof = Caption(segment_id="SG_spoof", text="I never said that", final=True)
    send(alice, encode_caption(spoof, "", timestamp_ms=0), "bob")  # alice claims to be bob
    said = Caption(segment_id="SG_said", text="what bob said", final=True)
    send(agent, encode_caption(said, "", timestamp_ms=0), "bob")  # the agent speaks for bob
    await bob.until(lambda: len(bob.items) >= 2)
    headers = [p for p in bob.raw if p.WhichOneof("value") == "stream_header"]
    # (two publishers: their packets may arrive in either order)
    stamps = {(p.participant_identity, p.stream_header.text_header.generated) for p in headers}
    assert stamps == {("alice", False), ("bob", True)}
    chunks = {p.participant_identity for p in bob.raw if p.WhichOneof("value") == "stream_chunk"}
    assert chunks == {"alice", "transcriber"}
    said_by = {(c.segment_id, c.sender) for c in bob.items}  # type: ignore[union-attr]
    assert said_by == {("SG_spoof", "alice"), ("SG_said", "bob")}
