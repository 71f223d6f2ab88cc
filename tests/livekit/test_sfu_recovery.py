"""SFU meetings through our own server in front of a real livekit-server, as a user joins them
(a link, discovery naming the SFU, a grant from the REST API), when things go wrong: a cut
signalling connection is resumed, a LiveKit restart leads to a rejoin, and a participant whose
process is killed disappears for the others."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from tests.engine.conftest import QUICK_RECONNECT, WAIT, EventLog, frame_from
from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode, restart_node, start_node
from visio_desktop.core.kinds import Slot, TileKey
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.sfu_backend import LiveKitBackend
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.server.livekit_keys import LiveKitKeys
from visio_desktop.server.livekit_rooms import LiveKitFront
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig

MakeSession = Callable[[], tuple[Session, EventLog]]
FRAMES = 15  # a second of the synthetic camera
PYTHON = (sys.executable, "-m", "visio_desktop")
# LiveKit gives up on a participant that stopped answering after its ping timeout (15 s).
GONE_WITHIN = 40.0
CONNECTED = ev.ConnectionState.CONNECTED
RECONNECTING = ev.ConnectionState.RECONNECTING


def front_for(node: LiveKitNode) -> EmbeddedServer:
    front = LiveKitFront(url=node.url, keys=LiveKitKeys(API_KEY, API_SECRET), api_url=None)
    server = EmbeddedServer(ServerConfig(host="127.0.0.1", port=0, livekit=front))
    server.start()
    return server


@pytest.fixture
def own_node() -> Iterator[LiveKitNode]:
    """A LiveKit of this test's own, which it may restart."""
    node = start_node()
    yield node
    node.stop()


@pytest.fixture
def make_session(engine: EngineThread) -> Iterator[MakeSession]:
    sessions: list[Session] = []

    def make() -> tuple[Session, EventLog]:
        log = EventLog()
        session = Session(engine, log, reconnect=QUICK_RECONNECT, video_sink=Frames())
        sessions.append(session)
        return session, log

    yield make
    for session in sessions:
        session.leave().result(timeout=WAIT)


def synthetic(name: str) -> MediaOptions:
    return MediaOptions(
        audio=True, video=True, sources=SyntheticSources(name, width=320, height=180, fps=15)
    )


def join(make_session: MakeSession, link: MeetingLink, name: str) -> tuple[Session, EventLog, str]:
    session, log = make_session()
    session.join(link, name, synthetic(name)).result(timeout=WAIT)
    return session, log, log.wait_for(ev.Joined).self_id


def livekit_backend(session: Session) -> LiveKitBackend:
    meeting = session._meeting
    assert meeting is not None and isinstance(meeting.backend, ServerBackend)
    chosen = meeting.backend.chosen
    assert isinstance(chosen, LiveKitBackend), "discovery must have chosen LiveKit"
    return chosen


class Frames:
    """A video sink that counts the frames rendered for each tile, for the test thread."""

    def __init__(self) -> None:
        self.counts: dict[TileKey, int] = {}
        self._changed = threading.Condition()

    def __call__(self, key: TileKey, frame: object) -> None:
        with self._changed:
            self.counts[key] = self.counts.get(key, 0) + 1
            self._changed.notify_all()

    def wait_for_more(self, key: TileKey, than: int) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.counts.get(key, 0) > than, WAIT):
                raise AssertionError(f"no new frames for {key}")


def test_a_cut_signalling_connection_resumes_the_same_session(
    livekit: LiveKitNode, make_session: MakeSession
) -> None:
    server = front_for(livekit)
    try:
        link = parse_link(f"{server.base_url}/res-umes-ion")
        _alice, alice_log, alice_id = join(make_session, link, "Alice")
        bob, bob_log, _bob_id = join(make_session, link, "Bob")
        bob.show_tiles({TileKey.camera(alice_id): (320, 180)}).result(timeout=WAIT)
        bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id, Slot.CAMERA))
        backend = livekit_backend(bob)
        connection = backend._connection
        assert connection is not None and connection.join is not None
        session_sid = connection.join.participant.sid

        async def cut() -> None:
            connection.cut_signalling()

        bob._engine.submit(cut()).result(timeout=WAIT)
        bob_log.wait_for(ev.ConnectionStateChanged, lambda e: e.state is RECONNECTING)
        bob_log.wait_for(ev.ConnectionStateChanged, lambda e: e.state is CONNECTED)
        assert backend._connection is connection  # resumed, not rejoined
        assert connection.join.participant.sid == session_sid
        frames = bob._video_sink
        assert isinstance(frames, Frames)
        tile = TileKey.camera(alice_id)
        frames.wait_for_more(tile, frames.counts.get(tile, 0) + FRAMES)
        assert not any(isinstance(e, ev.ParticipantLeft) for e in alice_log.seen)
    finally:
        server.stop()


def test_a_livekit_restart_leads_to_a_rejoin(
    own_node: LiveKitNode, make_session: MakeSession
) -> None:
    server = front_for(own_node)
    try:
        link = parse_link(f"{server.base_url}/res-tart-edx")
        _alice, alice_log, alice_id = join(make_session, link, "Alice")
        bob, bob_log, bob_id = join(make_session, link, "Bob")
        restart_node(own_node)
        for log in (alice_log, bob_log):
            log.wait_for(ev.ConnectionStateChanged, lambda e: e.state is RECONNECTING)
        # Each rejoins with a new grant: a new identity, announced in a new roster.
        new_alice = alice_log.wait_for(ev.Joined).self_id
        new_bob = bob_log.wait_for(ev.Joined).self_id
        assert {new_alice, new_bob}.isdisjoint({alice_id, bob_id})
        bob.show_tiles({TileKey.camera(new_alice): (320, 180)}).result(timeout=WAIT)
        bob_log.wait_for(ev.FirstRemoteFrame, frame_from(new_alice, Slot.CAMERA))
    finally:
        server.stop()


def test_a_killed_participant_disappears_for_the_others(
    livekit: LiveKitNode, make_session: MakeSession
) -> None:
    server = front_for(livekit)
    url = f"{server.base_url}/kil-ledp-art"
    link = parse_link(url)
    process = subprocess.Popen(
        [*PYTHON, "join", url, "--headless", "--synthetic", "--name", "Doomed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the headless client says when it has joined
            if b'"joined"' in line:
                break
        alice, alice_log = make_session()
        alice.join(link, "Alice", synthetic("Alice")).result(timeout=WAIT)
        roster = alice_log.wait_for(ev.Joined).participants
        doomed = next(p.id for p in roster if p.display_name == "Doomed")
        process.send_signal(signal.SIGKILL)
        left = alice_log.wait_for(
            ev.ParticipantLeft, lambda e: e.participant_id == doomed, timeout=GONE_WITHIN
        )
        assert left.display_name == "Doomed"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        server.stop()
