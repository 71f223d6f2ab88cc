"""`Meeting`'s own logic on the in-memory fakes (tests/engine/fakes.py): the roster and the
reconnection, in a fraction of a second and the same way every time, including the server
going away at the worst moments. The real server and real peer connections are in
test_session.py; the watchdog is in test_meeting_watchdog.py."""

from __future__ import annotations

import contextlib
import dataclasses

from tests.engine import conftest
from tests.engine.fake_plane import FakePlanes
from tests.engine.fakes import ROOM, FakeBackend, FakeBackends, Pulse
from tests.engine.meeting_rig import (
    ANNE,
    BRUNO,
    CHLOE,
    FAST,
    LINK,
    Rig,
    State,
    call_state_of,
    roster_of,
)
from visio_desktop.core.errors import (
    ServerRejectedError,
    ServerUnreachableError,
)
from visio_desktop.core.kinds import SLOTS, PeerState, Slot
from visio_desktop.core.protocol import (
    ErrorCode,
    Leave,
    LeaveReason,
    ParticipantInfo,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    ServerShutdown,
    Signal,
    SignalKind,
    UpdateState,
)
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.options import ReconnectPolicy
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.synthetic import SyntheticAudioTrack
from visio_desktop.rtc.plane import TransportStats

# -- joining and the roster -----------------------------------------------------------------


async def test_joining_a_room_with_two_people_reports_both_and_connects_to_each(
    rig: Rig,
) -> None:
    rig.backend.admits("m-me", ANNE, BRUNO)
    meeting = await rig.start("Agent")

    joined = await rig.events.wait_for(ev.Joined)
    assert (joined.room, joined.self_id) == (ROOM, "m-me")
    assert {p.id: p for p in joined.participants} == {
        "m-me": ParticipantInfo(id="m-me", display_name="Agent"),
        ANNE.id: ANNE,
        BRUNO.id: BRUNO,
    }
    assert rig.events.states() == [State.CONNECTING, State.CONNECTED]
    connected = rig.events.of(ev.ConnectionStateChanged)[-1]
    assert rig.events.index(joined) < rig.events.index(connected)
    assert rig.backend.requests[0].display_name == "Agent"
    assert meeting.me is not None and meeting.me.id == "m-me"
    assert list(meeting.participants) == [ANNE.id, BRUNO.id]

    # One plane for the admission: it was told who we are, given the three local slots
    # first, then each of the others (never ourselves).
    assert len(rig.planes.planes) == 1
    plane = rig.plane
    assert plane.setup.self_id == "m-me"
    assert plane.calls == [
        *(("publish", slot) for slot in SLOTS),
        ("add", ANNE.id),
        ("add", BRUNO.id),
    ]
    assert set(plane.published) == set(SLOTS)
    # The plane's offer goes through the meeting server, and only to the one we offer to:
    # Anne's id is smaller than ours, so she offers to us; ours is smaller than Bruno's.
    offers = [m for m in rig.backend.sent if isinstance(m, Signal)]
    assert [(s.to, s.kind) for s in offers] == [(BRUNO.id, SignalKind.OFFER)]
    # The connections the plane reported are passed on to the front end.
    peers = [(e.participant_id, e.state) for e in rig.events.of(ev.PeerStateChanged)]
    assert peers == [(ANNE.id, PeerState.NEW), (BRUNO.id, PeerState.NEW)]


async def test_arrivals_updates_and_departures_reach_the_events_and_the_plane(
    rig: Rig,
) -> None:
    rig.backend.admits("m-me", ANNE, BRUNO)
    rig.planes.stats[BRUNO.id] = TransportStats(bytes_received=1234, packets_lost=5)
    meeting = await rig.start()
    plane = rig.plane

    rig.backend.server_sends(ParticipantJoined(participant=CHLOE))
    assert (await rig.events.wait_for(ev.ParticipantJoined)).participant == CHLOE
    await rig.pulse.until(lambda: CHLOE.id in plane.peers, "the plane connects to Chloé")

    raised = dataclasses.replace(ANNE, hand_raised=True)
    rig.backend.server_sends(ParticipantUpdated(participant=raised))
    assert (await rig.events.wait_for(ev.ParticipantUpdated)).participant == raised
    assert meeting.participants[ANNE.id] == raised

    # What the plane reports about Bruno reaches the front end: his connection, his audio.
    plane.report(BRUNO.id, PeerState.CONNECTED)
    await rig.events.wait_for(
        ev.PeerStateChanged,
        lambda e: (e.participant_id, e.state) == (BRUNO.id, PeerState.CONNECTED),
    )
    voice = SyntheticAudioTrack.tone(frequency_hz=440.0)
    plane.deliver(BRUNO.id, Slot.AUDIO, voice)
    added = await rig.events.wait_for(ev.TrackAdded)
    assert (added.participant_id, added.kind, added.track) == (BRUNO.id, Slot.AUDIO, voice)
    await rig.events.wait_for(ev.FirstRemoteFrame, lambda e: e.participant_id == BRUNO.id)

    rig.backend.server_sends(ParticipantLeft(participant_id=BRUNO.id, reason=LeaveReason.LEFT))
    left = await rig.events.wait_for(ev.ParticipantLeft)
    assert (left.participant_id, left.display_name, left.reason) == (
        BRUNO.id,
        "Bruno",
        LeaveReason.LEFT,
    )
    removed = await rig.events.wait_for(ev.TrackRemoved)
    assert (removed.participant_id, removed.kind) == (BRUNO.id, Slot.AUDIO)
    assert plane.removed == [BRUNO.id]
    assert plane.added == [ANNE.id, BRUNO.id, CHLOE.id]
    assert list(meeting.participants) == [ANNE.id, CHLOE.id]
    assert roster_of(rig.events.events) == {ANNE.id: raised, CHLOE.id: CHLOE}

    # Bruno's figures stay as they were when he left: the plane's transport, the pump's frames.
    gone = meeting.departed[BRUNO.id]
    assert (gone.display_name, gone.bytes_received, gone.packets_lost) == ("Bruno", 1234, 5)
    assert gone.audio_frames > 0
    stats = {s.participant_id: s for s in await meeting.stats()}
    assert set(stats) == {ANNE.id, CHLOE.id, BRUNO.id}


async def test_plane_signals_go_both_ways_through_the_server(rig: Rig) -> None:
    rig.backend.admits("m-me", ANNE)
    await rig.start()
    plane = rig.plane
    answer = Signal(to="m-me", kind=SignalKind.ANSWER, sdp="v=0", sender=ANNE.id)
    rig.backend.server_sends(answer)
    await rig.pulse.until(lambda: plane.signals == [answer], "the plane gets Anne's answer")
    candidate = Signal(to=ANNE.id, kind=SignalKind.CANDIDATE, sdp="candidate:1", mid="0")
    await plane.send_signal(candidate)
    assert rig.backend.current.sent[-1] == candidate


# -- losing the server ----------------------------------------------------------------------


async def test_a_dropped_server_is_rejoined_and_the_new_roster_replaces_the_old(
    rig: Rig,
) -> None:
    rig.backend.admits("m-1", ANNE, BRUNO)
    rig.backend.refuses(ServerUnreachableError("the server is restarting"))  # one miss
    rig.backend.admits("m-2", BRUNO, CHLOE)  # Anne left meanwhile, Chloé came
    meeting = await rig.start()
    first = rig.plane
    rig.backend.server_sends(ServerShutdown(reason="the server is shutting down"))
    rig.backend.drop()

    reconnecting = await rig.events.wait_for_state(State.RECONNECTING)
    assert reconnecting.detail == "the server is shutting down"  # the shutdown's reason
    await rig.events.wait_for_state(State.CONNECTED)
    rejoined = await rig.events.wait_for(ev.Joined, lambda e: e.self_id == "m-2")
    assert rig.events.states() == [
        State.CONNECTING,
        State.CONNECTED,
        State.RECONNECTING,
        State.CONNECTED,
    ]
    assert rig.events.index(reconnecting) < rig.events.index(rejoined)

    # While away, the old peers went (as disconnected) and the old plane was closed for good.
    gone = [(e.participant_id, e.reason) for e in rig.events.of(ev.ParticipantLeft)]
    assert gone == [(ANNE.id, LeaveReason.DISCONNECTED), (BRUNO.id, LeaveReason.DISCONNECTED)]
    assert first.closes >= 1 and first.used_after_close == []
    # Three join attempts in all (the first, one miss, the rejoin), under the same name.
    assert [r.display_name for r in rig.backend.requests] == ["Agent"] * 3
    # A fresh plane for the new admission, as the new id, connected to the new roster.
    assert len(rig.planes.planes) == 2
    second = rig.plane
    assert second.setup.self_id == "m-2"
    assert second.added == [BRUNO.id, CHLOE.id]
    assert meeting.me is not None and meeting.me.id == "m-2"
    assert list(meeting.participants) == [BRUNO.id, CHLOE.id]

    # A front end folding the events ends with exactly the new roster, and in the call.
    assert set(roster_of(rig.events.events)) == {BRUNO.id, CHLOE.id}
    state = call_state_of(rig.events.events)
    assert set(state.roster) == {BRUNO.id, CHLOE.id}
    assert (state.phase, state.connection, state.self_id) == (
        Phase.IN_CALL,
        State.CONNECTED,
        "m-2",
    )

    # The new connection is read as the old one was.
    rig.backend.server_sends(ParticipantLeft(participant_id=CHLOE.id))
    await rig.events.wait_for(ev.ParticipantLeft, lambda e: e.participant_id == CHLOE.id)
    assert second.removed == [CHLOE.id]


async def test_a_raised_hand_is_told_to_the_server_that_rejoined(rig: Rig) -> None:
    rig.backend.admits("m-1", ANNE)
    second = rig.backend.admits("m-2", ANNE)
    meeting = await rig.start()
    await meeting.set_hand(True)
    rig.backend.drop()
    await rig.events.wait_for(ev.Joined, lambda e: e.self_id == "m-2")
    await rig.pulse.until(lambda: bool(second.sent), "a state update to the new server")
    updates = [m for m in second.sent if isinstance(m, UpdateState)]
    assert len(updates) == 1 and updates[0].hand_raised
    assert meeting.me is not None and meeting.me.hand_raised


async def test_reconnecting_gives_up_when_every_attempt_fails(rig: Rig) -> None:
    rig.backend.admits("m-1", ANNE)  # and nothing after: every rejoin finds no server
    await rig.start()
    rig.backend.drop("the connection to the meeting server was lost")

    disconnected = await rig.events.wait_for_state(State.DISCONNECTED)
    assert disconnected.detail == "the connection to the meeting server was lost"
    fatal = await rig.events.wait_for(ev.ErrorOccurred)
    assert fatal.fatal and fatal.message == disconnected.detail
    left = await rig.events.wait_for(ev.Left)
    assert left.reason is LeaveReason.DISCONNECTED
    assert rig.events.states() == [
        State.CONNECTING,
        State.CONNECTED,
        State.RECONNECTING,
        State.DISCONNECTED,
    ]
    assert rig.events.events[-1] is left  # nothing after the end
    assert len(rig.backend.requests) == 1 + len(FAST.delays)  # the join, then each attempt
    assert rig.plane.used_after_close == []
    assert call_state_of(rig.events.events).phase is Phase.LEFT


async def test_a_refused_rejoin_ends_the_meeting_at_once(rig: Rig) -> None:
    rig.backend.admits("m-1", ANNE)
    rig.backend.refuses(ServerRejectedError(ErrorCode.ROOM_FULL, "the room is full"))
    rig.backend.admits("m-2", ANNE)  # never reached: a refusal is not retried
    await rig.start()
    rig.backend.drop()

    disconnected = await rig.events.wait_for_state(State.DISCONNECTED)
    assert disconnected.detail == "the room is full"
    assert (await rig.events.wait_for(ev.Left)).reason is LeaveReason.DISCONNECTED
    assert len(rig.backend.requests) == 2
    assert len(rig.planes.planes) == 1


async def test_leaving_while_reconnecting_stops_the_attempts(rig: Rig) -> None:
    rig.reconnect = ReconnectPolicy(
        delays=(3600.0,), quick_for=0.0
    )  # the first attempt would come in an hour
    rig.backend.admits("m-1", ANNE)
    rig.backend.admits("m-2", ANNE)
    meeting = await rig.start()
    rig.backend.drop()
    await rig.events.wait_for_state(State.RECONNECTING)

    await meeting.close()
    assert (await rig.events.wait_for(ev.Left)).reason is LeaveReason.LEFT
    assert len(rig.backend.requests) == 1
    assert State.DISCONNECTED not in rig.events.states()


# -- losing the server at the worst moments ---------------------------------------------


async def test_losing_the_server_while_offering_to_a_newcomer_still_reconnects(
    rig: Rig,
) -> None:
    zoe = ParticipantInfo(id="z-zoe", display_name="Zoé")  # we offer to her
    rig.backend.admits("m-1", ANNE)
    rig.backend.admits("m-2", ANNE, zoe)
    meeting = await rig.start()
    try:
        rig.backend.server_sends(ParticipantJoined(participant=zoe))
        rig.backend.drop()  # gone before our offer to Zoé can go out
        await rig.events.wait_for_state(State.RECONNECTING, within=0.5)
        await rig.events.wait_for_state(State.CONNECTED, within=0.5)
    finally:
        await meeting.close()


async def test_leaving_after_the_server_went_mid_offer_closes_everything_once(
    rig: Rig,
) -> None:
    zoe = ParticipantInfo(id="z-zoe", display_name="Zoé")
    rig.backend.admits("m-1", ANNE)
    meeting = await rig.start()
    plane = rig.plane
    try:
        rig.backend.server_sends(ParticipantJoined(participant=zoe))
        rig.backend.drop()  # our offer to Zoé cannot go out
        await rig.events.wait_for_state(State.RECONNECTING, within=0.5)
        await meeting.close()
        assert (await rig.events.wait_for(ev.Left)).reason is LeaveReason.LEFT
        assert plane.closes == 1  # closed when the server went, not again on leaving
        assert rig.backend.closes == 2  # when the server went, and on leaving
    finally:
        await meeting.close()


async def test_a_server_lost_again_during_the_rejoin_gets_another_attempt(rig: Rig) -> None:
    zoe = ParticipantInfo(id="z-zoe", display_name="Zoé")  # every plane offers to her
    rig.backend.admits("m-1", zoe)
    rig.backend.admits("m-2", zoe).drop()  # admits us, then goes at once
    rig.backend.admits("m-3", zoe)
    meeting = await rig.start()
    try:
        rig.backend.drop()
        await rig.events.wait_for(ev.Joined, lambda e: e.self_id == "m-3", within=0.5)
        assert rig.events.states()[-1] is State.CONNECTED
    finally:
        await meeting.close()


# -- a session on the fakes -----------------------------------------------------------------


def test_each_join_of_a_session_gets_the_next_backend(engine: EngineThread) -> None:
    first, second = FakeBackend(), FakeBackend()
    first.admits("m-1", ANNE)
    second.admits("m-7", BRUNO)
    backends = FakeBackends(first, second)
    log = conftest.EventLog()  # thread-safe: the events come on the engine thread
    session = Session(
        engine, log, backends, FAST, plane_factory=FakePlanes(Pulse(), mesh_like=False)
    )
    try:
        session.join(LINK, "Agent").result(timeout=conftest.WAIT)
        joined = log.wait_for(ev.Joined)
        assert (joined.meeting, joined.self_id) == (1, "m-1")
        session.join(LINK, "Agent").result(timeout=conftest.WAIT)
        left = log.wait_for(ev.Left)
        assert (left.meeting, left.reason) == (1, LeaveReason.LEFT)
        joined = log.wait_for(ev.Joined)
        assert (joined.meeting, joined.self_id) == (2, "m-7")
        assert [p.id for p in joined.participants] == ["m-7", BRUNO.id]
    finally:
        with contextlib.suppress(Exception):
            session.leave().result(timeout=conftest.WAIT)
    assert backends.links == [LINK, LINK]
    assert first.closes == 1 and first.current.sent[-1] == Leave()  # it said goodbye
    assert second.closes == 1
