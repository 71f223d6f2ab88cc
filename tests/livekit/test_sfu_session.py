"""Real sessions in a LiveKit room: the engine with `LiveKitBackend` against a real
livekit-server on 127.0.0.1, synthetic media. The grants are minted here as our server's REST
front mints them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from livekit import api

from tests.engine.conftest import QUICK_RECONNECT, WAIT, EventLog, frame_from
from tests.livekit.rig import LiveKitNode
from tests.screen_sources import fake_screen
from visio_desktop.core.kinds import Slot, TileKey
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.protocol import LeaveReason
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.sfu_backend import GrantSource, LiveKitBackend
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources

Joined = tuple[Session, EventLog, str]
MakeSession = Callable[[str], tuple[Session, EventLog]]


def grants(livekit: LiveKitNode, room: str) -> GrantSource:
    counter = iter(range(1_000_000))

    async def grant(username: str) -> LiveKitGrant:
        identity = f"{username.lower()}-{next(counter)}"
        grants = api.VideoGrants(
            room_join=True, room=room, can_publish_data=True, can_update_own_metadata=True
        )
        token = (
            api.AccessToken(livekit.api_key, livekit.api_secret)
            .with_identity(identity)
            .with_name(username)
            .with_grants(grants)
            .to_jwt()
        )
        return LiveKitGrant(livekit.url, room, token)

    return grant


@pytest.fixture
def link() -> MeetingLink:
    return parse_link("http://127.0.0.1:9/sfu-room-one")  # only its loopback-ness matters


@pytest.fixture
def make_session(livekit: LiveKitNode, request: pytest.FixtureRequest) -> Iterator[MakeSession]:
    engine = EngineThread()
    engine.start()
    sessions: list[Session] = []
    room = request.node.name[:60]

    def make(name: str) -> tuple[Session, EventLog]:
        log = EventLog()
        source = grants(livekit, room)
        session = Session(
            engine, log, lambda link: LiveKitBackend(source), reconnect=QUICK_RECONNECT
        )
        sessions.append(session)
        return session, log

    yield make
    for session in sessions:
        session.leave().result(timeout=WAIT)
    engine.stop()


def synthetic(name: str) -> MediaOptions:
    return MediaOptions(
        audio=True, video=True, sources=SyntheticSources(name, width=320, height=180, fps=15)
    )


def join(make_session: MakeSession, link: MeetingLink, name: str) -> Joined:
    session, log = make_session(name)
    session.join(link, name, synthetic(name)).result(timeout=WAIT)
    return session, log, log.wait_for(ev.Joined).self_id


def test_a_newcomer_sees_who_is_there_and_both_exchange_media(
    make_session: MakeSession, link: MeetingLink
) -> None:
    alice, alice_log, alice_id = join(make_session, link, "Alice")
    bob, bob_log, bob_id = join(make_session, link, "Bob")
    # Alice was there first: Bob's roster has her; Alice hears of Bob.
    arrival = alice_log.wait_for(ev.ParticipantJoined)
    assert (arrival.participant.id, arrival.participant.display_name) == (bob_id, "Bob")
    for session, other in ((alice, bob_id), (bob, alice_id)):
        session.show_tiles({TileKey.camera(other): (320, 180)}).result(timeout=WAIT)
    for log, other in ((alice_log, bob_id), (bob_log, alice_id)):
        for kind in (Slot.CAMERA, Slot.AUDIO):
            log.wait_for(ev.FirstRemoteFrame, frame_from(other, kind))
    # What arrived is counted per participant, though one transport carries everyone.
    meeting = bob._meeting
    assert meeting is not None and meeting.plane is not None
    received = bob._engine.submit(meeting.plane.transport_stats(alice_id)).result(WAIT)
    nothing = bob._engine.submit(meeting.plane.transport_stats("nobody")).result(WAIT)
    assert received.packets_received > 0 and nothing.packets_received == 0


def test_chat_hand_reaction_and_captions_between_two_clients(
    make_session: MakeSession, link: MeetingLink
) -> None:
    alice, alice_log, alice_id = join(make_session, link, "Alice")
    bob, bob_log, bob_id = join(make_session, link, "Bob")
    alice_log.wait_for(ev.ParticipantJoined)

    bob.send_chat("Bonjour Alice").result(timeout=WAIT)
    chat = alice_log.wait_for(ev.ChatReceived)
    assert (chat.sender, chat.sender_name, chat.text) == (bob_id, "Bob", "Bonjour Alice")
    assert bob_log.wait_for(ev.ChatReceived).message_id == chat.message_id

    bob.raise_hand(True).result(timeout=WAIT)
    raised = alice_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.hand_raised)
    assert raised.participant.id == bob_id

    alice.send_reaction("👏").result(timeout=WAIT)
    reaction = bob_log.wait_for(ev.ReactionReceived)
    assert (reaction.sender, reaction.emoji) == (alice_id, "👏")

    segment = alice.send_caption("bonjour", final=False, language="fr").result(timeout=WAIT)
    alice.send_caption("bonjour Bob", final=True, language="fr", segment_id=segment).result(
        timeout=WAIT
    )
    partial = bob_log.wait_for(ev.CaptionReceived)
    final = bob_log.wait_for(ev.CaptionReceived)
    assert (partial.final, final.final) == (False, True)
    assert partial.segment_id == final.segment_id == segment
    assert (final.sender, final.sender_name, final.text) == (alice_id, "Alice", "bonjour Bob")


def test_a_shared_screen_reaches_the_other_client(
    make_session: MakeSession, link: MeetingLink
) -> None:
    alice, alice_log, alice_id = join(make_session, link, "Alice")
    bob, bob_log, _ = join(make_session, link, "Bob")
    alice_log.wait_for(ev.ParticipantJoined)
    bob.show_tiles({TileKey.screen(alice_id): (1280, 720)}).result(timeout=WAIT)
    alice.share_screen(fake_screen).result(timeout=WAIT)
    assert alice_log.wait_for(ev.ScreenShareChanged).sharing
    update = bob_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.screen)
    assert update.participant.id == alice_id
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id, Slot.SCREEN))
    alice.share_screen(None).result(timeout=WAIT)
    bob_log.wait_for(ev.ParticipantUpdated, lambda e: not e.participant.screen)


def test_livekit_reports_speakers_and_connection_quality(
    make_session: MakeSession, link: MeetingLink
) -> None:
    """Who speaks and each person's connection quality come from LiveKit itself: it measures
    every stream, including those we do not receive."""
    _, alice_log, alice_id = join(make_session, link, "Alice")
    bob, bob_log, bob_id = join(make_session, link, "Bob")
    quality = alice_log.wait_for(ev.QualityReported, lambda e: e.participant_id == bob_id)
    assert quality.quality in ("good", "poor")
    speaking = bob_log.wait_for(
        ev.AudioLevels, lambda e: dict(e.levels).get(TileKey.camera(alice_id), 0.0) > 0.0
    )
    assert dict(speaking.levels)[TileKey.camera(alice_id)] <= 1.0
    assert bob._meeting is not None and bob._meeting._server_levels  # LiveKit's, not ours


def test_someone_who_leaves_is_gone_for_the_others_at_once(
    make_session: MakeSession, link: MeetingLink
) -> None:
    """A clean leave: LiveKit hears it from the client (no wait for its timeout) and tells the
    others that the person left, which the call shows differently from a dropped connection."""
    _, alice_log, _ = join(make_session, link, "Alice")
    bob, _, bob_id = join(make_session, link, "Bob")
    alice_log.wait_for(ev.ParticipantJoined)
    bob.leave().result(timeout=WAIT)
    left = alice_log.wait_for(ev.ParticipantLeft)
    assert (left.participant_id, left.display_name) == (bob_id, "Bob")
    assert left.reason is LeaveReason.LEFT  # CLIENT_INITIATED: not LiveKit's 15 s timeout
