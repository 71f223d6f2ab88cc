"""Our LiveKit connection against a real livekit-server on 127.0.0.1: two participants join one
room, publish synthetic camera and microphone tracks, and each decodes the other's media; data
packets carry the sender LiveKit stamps, not the one a client wrote."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from aiortc.mediastreams import MediaStreamTrack
from livekit import api
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from tests.livekit.rig import LiveKitNode
from visio_desktop.media.synthetic import SyntheticAudioTrack, SyntheticVideoTrack
from visio_desktop.rtc.livekit.connection import LiveKitConnection, SignallingState

_WAIT = 20.0
Pair = list[tuple[LiveKitConnection, "Recorder"]]


@dataclass
class Recorder:
    """A SignalEvents that remembers what arrived and lets a test wait for it."""

    identities: set[str] = field(default_factory=set)
    tracks: dict[str, MediaStreamTrack] = field(default_factory=dict)
    packets: list[lm.DataPacket] = field(default_factory=list)
    states: list[SignallingState] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None:
        for participant in participants:
            if participant.state == lm.ParticipantInfo.State.DISCONNECTED:
                self.identities.discard(participant.identity)
            else:
                self.identities.add(participant.identity)
        self.changed.set()

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None:
        self.tracks[track_sid] = track
        self.changed.set()

    def data_received(self, packet: lm.DataPacket) -> None:
        self.packets.append(packet)
        self.changed.set()

    def signal_message(self, response: lr.SignalResponse) -> None:
        pass

    def signalling_changed(self, state: SignallingState) -> None:
        self.states.append(state)
        self.changed.set()

    async def until(self, condition: Callable[[], object]) -> None:
        async with asyncio.timeout(_WAIT):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


def _token(livekit: LiveKitNode, room: str, identity: str) -> str:
    grants = api.VideoGrants(room_join=True, room=room, can_publish_data=True)
    return (
        api.AccessToken(livekit.api_key, livekit.api_secret)
        .with_identity(identity)
        .with_name(identity)
        .with_grants(grants)
        .to_jwt()
    )


@pytest.fixture
async def pair(livekit: LiveKitNode) -> AsyncIterator[Pair]:
    joined = []
    for identity in ("first", "second"):
        recorder = Recorder()
        connection = LiveKitConnection(recorder)
        await connection.connect(
            livekit.url, _token(livekit, "signal-pair", identity), auto_subscribe=True
        )
        joined.append((connection, recorder))
    yield joined
    for connection, _ in joined:
        await connection.close()


async def _frames(track: MediaStreamTrack, count: int) -> int:
    async with asyncio.timeout(_WAIT):
        for _ in range(count):
            await track.recv()
    return count


async def test_two_participants_see_and_hear_each_other(pair: Pair) -> None:
    (first, first_seen), (second, second_seen) = pair
    sids = {}
    for connection, label in ((first, "first"), (second, "second")):
        video = await connection.publish(
            "camera",
            SyntheticVideoTrack(label, 320, 180, 15),
            lm.TrackSource.CAMERA,
            width=320,
            height=180,
        )
        audio = await connection.publish(
            "microphone", SyntheticAudioTrack.tone(), lm.TrackSource.MICROPHONE
        )
        sids[label] = (video, audio)
    await first_seen.until(lambda: set(sids["second"]) <= set(first_seen.tracks))
    await second_seen.until(lambda: set(sids["first"]) <= set(second_seen.tracks))
    assert "second" in first_seen.identities and "first" in second_seen.identities
    for sid in sids["second"]:
        assert await _frames(first_seen.tracks[sid], 10) == 10
    for sid in sids["first"]:
        assert await _frames(second_seen.tracks[sid], 10) == 10


async def test_data_packets_carry_the_identity_livekit_stamps(pair: Pair) -> None:
    (first, _), (_, second_seen) = pair
    await second_seen.until(lambda: "first" in second_seen.identities)
    packet = lm.DataPacket(
        kind=lm.DataPacket.Kind.RELIABLE,
        participant_identity="somebody-else",
        user=lm.UserPacket(payload=b'{"type":"test"}', topic="visio"),
    )
    first.send_data(packet)
    await second_seen.until(lambda: second_seen.packets)
    received = second_seen.packets[0]
    assert received.user.payload == b'{"type":"test"}'
    assert received.participant_identity == "first"


async def test_only_the_tracks_asked_for_arrive(livekit: LiveKitNode) -> None:
    """Without auto-subscription, a participant receives exactly the tracks it subscribes to:
    here the microphone of one publisher and the camera of the other, not the four."""
    publishers = []
    published: dict[str, tuple[str, str]] = {}
    for label in ("left", "right"):
        connection = LiveKitConnection(Recorder())
        await connection.connect(livekit.url, _token(livekit, "selective", label))
        video = await connection.publish(
            "camera", SyntheticVideoTrack(label, 320, 180, 15), lm.TrackSource.CAMERA
        )
        audio = await connection.publish(
            "microphone", SyntheticAudioTrack.tone(), lm.TrackSource.MICROPHONE
        )
        published[label] = (video, audio)
        publishers.append(connection)
    seen = Recorder()
    viewer = LiveKitConnection(seen)
    await viewer.connect(livekit.url, _token(livekit, "selective", "viewer"))
    try:
        wanted = [published["left"][1], published["right"][0]]
        await viewer.subscribe(wanted, subscribe=True)
        await seen.until(lambda: set(wanted) <= set(seen.tracks))
        assert await _frames(seen.tracks[published["right"][0]], 5) == 5
        assert set(seen.tracks) == set(wanted)
        await viewer.subscribe([published["right"][0]], subscribe=False)
        await viewer.subscribe([published["left"][0]], subscribe=True)
        await seen.until(lambda: published["left"][0] in seen.tracks)
        assert await _frames(seen.tracks[published["left"][0]], 5) == 5
    finally:
        for connection in (viewer, *publishers):
            await connection.close()


async def test_a_cut_signalling_connection_resumes_and_media_goes_on(pair: Pair) -> None:
    """The signalling connection drops; the client resumes by itself (LiveKit's resume: the
    same session on a new WebSocket). LiveKit then restarts ICE on the subscriber, which aiortc
    cannot do by itself; the video must keep coming after it."""
    (first, _), (second, second_seen) = pair
    sid = await first.publish(
        "camera", SyntheticVideoTrack("first", 320, 180, 15), lm.TrackSource.CAMERA
    )
    await second_seen.until(lambda: sid in second_seen.tracks)
    track = second_seen.tracks[sid]
    assert await _frames(track, 5) == 5
    session = second.join.participant.sid if second.join is not None else ""
    second.cut_signalling()  # as a network drop would: no leave is sent
    await second_seen.until(lambda: SignallingState.RESUMED in second_seen.states)
    assert second_seen.states == [SignallingState.RESUMING, SignallingState.RESUMED]
    assert second.join is not None and second.join.participant.sid == session
    # A second and a half of frames after the restart (LiveKit's ICE restart would otherwise
    # have stopped them within one).
    assert await _frames(track, 45) == 45


class SilentRelay:
    """A TCP relay on 127.0.0.1 in front of LiveKit's signalling port. `go_silent` stops it
    passing anything on the connections open now, without closing them: a network that went
    away without a word (no FIN, no RST). Connections made afterwards are relayed."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._silent: set[int] = set()  # ids of connections that pass nothing any more
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def go_silent(self) -> None:
        self._silent.update(id(w) for w in self._writers)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._writers += [writer, up_writer]
        await asyncio.gather(
            self._pipe(reader, up_writer, writer), self._pipe(up_reader, writer, writer)
        )

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if id(client) not in self._silent:
                    writer.write(data)
        writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()


async def test_a_signalling_connection_gone_silent_is_noticed_and_resumed(
    livekit: LiveKitNode,
) -> None:
    """The keepalive: LiveKit answers our pings; once the line passes nothing (no error, no
    close) for longer than the silence allowed, the client drops it and resumes the session."""
    relay = SilentRelay(livekit.port)
    port = await relay.start()
    recorder = Recorder()
    connection = LiveKitConnection(recorder)
    connection.keepalive = (0.1, 1.0)  # LiveKit says 5 s and 15 s
    try:
        await connection.connect(f"ws://127.0.0.1:{port}", _token(livekit, "keepalive", "quiet"))
        assert connection.join is not None
        session = connection.join.participant.sid
        async with asyncio.timeout(_WAIT):
            assert await connection.ping() >= 0  # answered: the line is alive
        assert connection.signalling_rtt_ms is not None
        assert recorder.states == []
        relay.go_silent()
        await recorder.until(lambda: SignallingState.RESUMED in recorder.states)
        assert recorder.states == [SignallingState.RESUMING, SignallingState.RESUMED]
        assert connection.join.participant.sid == session
    finally:
        await connection.close()
        await relay.close()
