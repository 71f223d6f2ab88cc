"""Two real sessions in a real meeting: aiortc peer connections on 127.0.0.1, synthetic media."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from aiortc.mediastreams import MediaStreamTrack

from tests.engine.conftest import WAIT, EventLog, frame_from
from tests.screen_sources import fake_screen
from visio_desktop.core.errors import ServerUnreachableError
from visio_desktop.core.kinds import MediaKind, PeerState, Slot, TileKey
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import NotInMeetingError, Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import MediaSources, SyntheticSources
from visio_desktop.media.synthetic import read_stamp
from visio_desktop.rtc.mesh import MeshCall
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig

MakeSession = Callable[[], tuple[Session, EventLog]]


def synthetic(name: str) -> MediaOptions:
    return MediaOptions(
        audio=True, video=True, sources=SyntheticSources(name, width=320, height=180, fps=15)
    )


def join_two(
    make_session: MakeSession, link: MeetingLink
) -> tuple[tuple[Session, EventLog, str], tuple[Session, EventLog, str]]:
    alice, alice_log = make_session()
    bob, bob_log = make_session()
    alice.join(link, "Alice", synthetic("Alice")).result(timeout=WAIT)
    alice_id = alice_log.wait_for(ev.Joined).self_id
    bob.join(link, "Bob", synthetic("Bob")).result(timeout=WAIT)
    bob_id = bob_log.wait_for(ev.Joined).self_id
    return (alice, alice_log, alice_id), (bob, bob_log, bob_id)


def test_two_sessions_exchange_video_audio_chat_and_captions(
    make_session: MakeSession, link: MeetingLink
) -> None:
    (alice, alice_log, alice_id), (bob, bob_log, bob_id) = join_two(make_session, link)
    for log, other in ((alice_log, bob_id), (bob_log, alice_id)):
        for kind in (Slot.CAMERA, Slot.AUDIO):
            log.wait_for(ev.FirstRemoteFrame, frame_from(other, kind))

    bob.send_chat("Bonjour Alice").result(timeout=WAIT)
    chat = alice_log.wait_for(ev.ChatReceived)
    assert (chat.sender, chat.sender_name, chat.text) == (bob_id, "Bob", "Bonjour Alice")
    assert bob_log.wait_for(ev.ChatReceived).message_id == chat.message_id

    segment = alice.send_caption("bonjour", final=False, language="fr").result(timeout=WAIT)
    alice.send_caption("bonjour Bob", final=True, language="fr", segment_id=segment).result(
        timeout=WAIT
    )
    partial = bob_log.wait_for(ev.CaptionReceived)
    final = bob_log.wait_for(ev.CaptionReceived)
    assert (partial.final, final.final) == (False, True)
    assert partial.segment_id == final.segment_id == segment
    assert (final.sender, final.text) == (alice_id, "bonjour Bob")

    stats = {s.participant_id: s for s in alice.stats().result(timeout=WAIT)}
    assert stats[bob_id].video_frames > 0 and stats[bob_id].audio_frames > 0
    assert stats[bob_id].bytes_received > 0
    latency = stats[bob_id].video_latency_p50_ms  # read back from the synthetic stamp
    assert latency is not None and 0 <= latency < 5000


def test_turning_video_off_stops_the_source_and_tells_the_others(
    make_session: MakeSession, link: MeetingLink
) -> None:
    (alice, _, alice_id), (_, bob_log, _) = join_two(make_session, link)
    bob_log.wait_for(ev.FirstRemoteFrame, lambda e: e.kind == "video")
    assert alice.set_video(False).result(timeout=WAIT) is True
    update = bob_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.id == alice_id)
    assert update.participant.video is False and update.participant.audio is True
    alice.raise_hand(True).result(timeout=WAIT)
    update = bob_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.hand_raised)
    assert update.participant.id == alice_id
    assert alice.set_video(True).result(timeout=WAIT) is True
    update = bob_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.video)
    assert update.participant.hand_raised


def test_leaving_is_reported_and_tears_the_peer_down(
    make_session: MakeSession, link: MeetingLink
) -> None:
    (_, alice_log, _), (bob, bob_log, bob_id) = join_two(make_session, link)
    alice_log.wait_for(ev.FirstRemoteFrame, lambda e: e.kind == "video")
    bob.leave().result(timeout=WAIT)
    left = alice_log.wait_for(ev.ParticipantLeft)
    assert (left.participant_id, left.display_name) == (bob_id, "Bob")
    removed = {alice_log.wait_for(ev.TrackRemoved).kind for _ in range(2)}
    assert removed == {"audio", "video"}
    assert bob_log.wait_for(ev.Left).reason == "left"
    with pytest.raises(NotInMeetingError):
        bob.send_chat("after leaving").result(timeout=WAIT)


def test_an_unreachable_server_is_a_clear_error(make_session: MakeSession) -> None:
    session, log = make_session()
    dead = EmbeddedServer()
    dead.start()
    link = parse_link(f"{dead.base_url}/abc-defg-hij")
    dead.stop()  # nothing listens on that port any more
    with pytest.raises(ServerUnreachableError, match="connection refused"):
        session.join(link, "Alice").result(timeout=WAIT)
    assert log.wait_for(ev.ErrorOccurred).fatal
    assert not session.in_meeting


def test_a_server_that_stays_away_ends_the_meeting_after_retrying(
    make_session: MakeSession, server: EmbeddedServer, link: MeetingLink
) -> None:
    session, log = make_session()
    session.join(link, "Alice").result(timeout=WAIT)
    server.stop()
    state = log.wait_for(
        ev.ConnectionStateChanged, lambda e: e.state is ev.ConnectionState.RECONNECTING
    )
    assert "shutting down" in state.detail
    log.wait_for(ev.ConnectionStateChanged, lambda e: e.state is ev.ConnectionState.DISCONNECTED)
    assert log.wait_for(ev.ErrorOccurred).fatal
    log.wait_for(ev.Left)
    assert not session.in_meeting


def test_a_restarted_server_is_rejoined_and_media_flows_again(
    make_session: MakeSession, server: EmbeddedServer, link: MeetingLink
) -> None:
    (alice, alice_log, _), (bob, bob_log, bob_id) = join_two(make_session, link)
    alice_log.wait_for(ev.FirstRemoteFrame, frame_from(bob_id))
    bob.raise_hand().result(timeout=WAIT)
    bob.share_screen(fake_screen).result(timeout=WAIT)
    alice_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.screen)
    port = server.port
    server.stop()
    replacement = EmbeddedServer(ServerConfig(host="127.0.0.1", port=port))
    replacement.start()
    try:
        rejoined = []
        for log in (alice_log, bob_log):
            log.wait_for(
                ev.ConnectionStateChanged, lambda e: e.state is ev.ConnectionState.RECONNECTING
            )
            log.wait_for(ev.ParticipantLeft)  # the old peer goes until it is back
            rejoined.append(log.wait_for(ev.Joined))
        alice_new, bob_new = (joined.self_id for joined in rejoined)
        alice_log.wait_for(ev.FirstRemoteFrame, frame_from(bob_new))
        bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_new))
        # Bob's raised hand and shared screen are back too, and the screen flows again. Alice
        # learns it from her own rejoin's roster or from an update, whichever of them rejoined
        # first.
        wait_until_known(
            alice_log, rejoined[0], lambda p: p.id == bob_new and p.screen and p.hand_raised
        )
        alice_log.wait_for(ev.FirstRemoteFrame, frame_from(bob_new, Slot.SCREEN))
        bob.send_chat("back again").result(timeout=WAIT)
        assert alice_log.wait_for(ev.ChatReceived).text == "back again"
    finally:
        alice.leave().result(timeout=WAIT)
        bob.leave().result(timeout=WAIT)
        replacement.stop()


def participants_in(event: ev.Event) -> tuple[ParticipantInfo, ...]:
    """The participants whose state `event` carries."""
    if isinstance(event, ev.Joined):
        return event.participants
    if isinstance(event, ev.ParticipantJoined | ev.ParticipantUpdated):
        return (event.participant,)
    return ()


def wait_until_known(
    log: EventLog, joined: ev.Joined, where: Callable[[ParticipantInfo], bool]
) -> None:
    """Waits until the session behind `log` knows of a participant matching `where`."""
    if not any(where(p) for p in joined.participants):
        log.wait_for(ev.Event, lambda e: any(where(p) for p in participants_in(e)))


async def _drop_packets(data: bytes) -> None:
    return None


def cut_media_path(engine: EngineThread, session: Session, peer_id: str) -> None:
    """Drop every RTP packet `session` sends to `peer_id`, as a dead network path would."""

    async def cut() -> None:
        meeting = session._meeting  # test-only fault injection into the real connection
        mesh = meeting.plane if meeting is not None else None
        assert isinstance(mesh, MeshCall)
        pc = mesh.connection(peer_id)
        assert pc is not None
        for transceiver in pc.getTransceivers():
            transceiver.sender.transport._send_rtp = _drop_packets  # type: ignore[method-assign]

    engine.submit(cut()).result(timeout=WAIT)


def test_a_dead_media_path_is_noticed_and_replaced(
    make_session: MakeSession, link: MeetingLink, engine: EngineThread
) -> None:
    (alice, alice_log, alice_id), (bob, bob_log, bob_id) = join_two(make_session, link)
    alice_log.wait_for(ev.FirstRemoteFrame, frame_from(bob_id))
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id))
    cut_media_path(engine, alice, bob_id)
    cut_media_path(engine, bob, alice_id)
    offerer_log, answerer_id = (alice_log, bob_id) if alice_id < bob_id else (bob_log, alice_id)
    offerer_log.wait_for(
        ev.PeerStateChanged,
        lambda e: (e.participant_id, e.state) == (answerer_id, PeerState.RESTARTING),
    )
    # The replacement connection carries media again, both ways, with nobody leaving.
    alice_log.wait_for(ev.FirstRemoteFrame, frame_from(bob_id))
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id))
    assert not any(isinstance(e, ev.ParticipantLeft) for e in alice_log.seen + bob_log.seen)


def test_engine_thread_stops_cleanly_with_work_in_flight() -> None:
    engine = EngineThread()
    engine.start()
    pending = engine.submit(_forever())
    engine.stop()
    assert pending.cancelled()
    assert engine.loop.is_closed()


async def _forever() -> None:
    await asyncio.Event().wait()


@contextlib.contextmanager
def watched_by_bob(
    engine: EngineThread, link: MeetingLink, watch: ev.VideoSink, bob_media: MediaOptions
) -> Iterator[tuple[Session, EventLog]]:
    """Alice sends synthetic media; every video frame Bob decodes goes to `watch`. Yields
    Alice's session and Bob's events once Bob has Alice's first frame; both leave after."""
    alice_log, bob_log = EventLog(), EventLog()
    alice = Session(engine, alice_log)
    bob = Session(engine, bob_log, video_sink=watch)
    try:
        alice.join(link, "Alice", synthetic("Alice")).result(timeout=WAIT)
        bob.join(link, "Bob", bob_media).result(timeout=WAIT)
        bob_log.wait_for(ev.FirstRemoteFrame, lambda e: e.kind == "video")
        yield alice, bob_log
    finally:
        for session in (alice, bob):
            session.leave().result(timeout=WAIT)


def test_video_turned_back_on_reaches_the_others_again(
    engine: EngineThread, link: MeetingLink
) -> None:
    """aiortc's sender stops for good once its track ends: turning the camera off and on again
    must not end the track the peers read, only switch its source."""
    fresh = threading.Event()
    turned_on_ms = [float("inf")]

    def watch(key: TileKey, frame: object) -> None:
        stamp = read_stamp(frame)  # type: ignore[arg-type]
        if stamp is not None and stamp.capture_ms > turned_on_ms[0]:
            fresh.set()

    with watched_by_bob(engine, link, watch, synthetic("Bob")) as (alice, bob_log):
        assert alice.set_video(False).result(timeout=WAIT) is True
        bob_log.wait_for(ev.ParticipantUpdated, lambda e: not e.participant.video)
        turned_on_ms[0] = time.time() * 1000 % 2**40
        assert alice.set_video(True).result(timeout=WAIT) is True
        assert fresh.wait(timeout=WAIT), "no video from Alice after she turned it back on"


@dataclass
class Opened:
    """Media sources that remember which kinds were opened."""

    inner: MediaSources
    kinds: list[str] = field(default_factory=list)

    def open(self, kind: str) -> MediaStreamTrack | None:
        self.kinds.append(kind)
        return self.inner.open(kind)


def test_changing_camera_mid_call_keeps_the_others_receiving(
    engine: EngineThread, link: MeetingLink
) -> None:
    """Another device without renegotiating: Bob sees frames of the new camera's size."""
    small = threading.Event()

    def watch(key: TileKey, frame: object) -> None:
        if getattr(frame, "width", 0) == 160:
            small.set()

    with watched_by_bob(engine, link, watch, MediaOptions()) as (alice, _):
        assert not small.is_set()
        second_camera = Opened(SyntheticSources("Alice 2", width=160, height=90, fps=15))
        alice.use_sources(second_camera, (MediaKind.VIDEO,)).result(timeout=WAIT)
        assert small.wait(timeout=WAIT), "Bob got nothing from Alice's second camera"
        assert second_camera.kinds == ["video"]  # the microphone was left alone
