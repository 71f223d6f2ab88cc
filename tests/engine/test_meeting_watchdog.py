"""The media watchdog of `Meeting`, and its strictness about what the server sends, on the
in-memory fakes: a peer whose media never came or stopped is restarted, one that sends is
left alone, and messages that make no sense cost nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tests.engine.fake_plane import Restart
from tests.engine.fakes import ROOM
from tests.engine.meeting_rig import (
    ANNE,
    BRUNO,
    CHLOE,
    DAVID,
    QUICK_STALLS,
    Rig,
    State,
    call_state_of,
)
from visio_desktop.core.errors import (
    PeerConnectionError,
)
from visio_desktop.core.kinds import PeerState, Slot
from visio_desktop.core.protocol import (
    Chat,
    Error,
    ErrorCode,
    Joined,
    Message,
    ParticipantInfo,
    ParticipantJoined,
    ParticipantUpdated,
    Pong,
    Signal,
    SignalKind,
    Welcome,
)
from visio_desktop.engine import events as ev
from visio_desktop.media.synthetic import SyntheticAudioTrack

# -- the watchdog ---------------------------------------------------------------------------


async def test_a_peer_whose_media_never_came_is_restarted_after_its_patience(rig: Rig) -> None:
    """The watchdog judges by the frames that arrive on the tracks (RemoteMedia's counters)
    of someone who says they send; the plane only says how many checks to wait for."""
    rig.stall_rules = QUICK_STALLS
    rig.planes.patience[ANNE.id] = 3  # as the mesh's answering side waits
    rig.backend.admits("m-me", ANNE, DAVID)
    await rig.start()
    plane = rig.plane

    restarting = await rig.events.wait_for(
        ev.PeerStateChanged, lambda e: e.state is PeerState.RESTARTING
    )
    assert restarting.participant_id == ANNE.id
    await rig.pulse.until(lambda: bool(plane.restarts), "the plane restarts Anne")
    assert plane.restarts[0] == Restart(ANNE.id, stalled_checks=3)
    # David sends nothing, so there is nothing to miss from him.
    assert plane.stall_checks[DAVID.id] == 0
    assert rig.events.of(ev.ParticipantLeft) == []


async def test_flowing_media_keeps_a_peer_and_its_end_gets_it_restarted(rig: Rig) -> None:
    rig.stall_rules = QUICK_STALLS
    rig.backend.admits("m-me", ANNE, DAVID)
    rig.planes.patience[DAVID.id] = 10**6  # David's failed connection counts the checks
    await rig.start()
    plane = rig.plane
    voice = SyntheticAudioTrack.tone(frequency_hz=440.0)
    plane.deliver(ANNE.id, Slot.AUDIO, voice)
    await rig.events.wait_for(ev.FirstRemoteFrame, lambda e: e.participant_id == ANNE.id)
    plane.report(DAVID.id, PeerState.FAILED)  # a failed connection is stalled, media or not

    await rig.pulse.until(lambda: plane.stall_checks[DAVID.id] >= 20, "twenty checks")
    assert plane.stall_checks[ANNE.id] == 0  # her audio arrives
    assert plane.restarts == []

    voice.stop()  # nothing arrives from Anne any more
    await rig.events.wait_for(
        ev.PeerStateChanged,
        lambda e: (e.participant_id, e.state) == (ANNE.id, PeerState.RESTARTING),
    )
    assert [r.participant_id for r in plane.restarts] == [ANNE.id]


async def test_a_failed_restart_does_not_stop_the_watchdog(rig: Rig) -> None:
    rig.stall_rules = QUICK_STALLS
    rig.backend.admits("m-me", BRUNO)
    await rig.start()
    plane = rig.plane
    plane.restart_error = PeerConnectionError("could not prepare an offer")
    plane.report(BRUNO.id, PeerState.FAILED)

    await rig.pulse.until(lambda: len(plane.restarts) >= 2, "a second restart")
    restarting = [e for e in rig.events.of(ev.PeerStateChanged) if e.state is PeerState.RESTARTING]
    assert len(restarting) >= 2 and {e.participant_id for e in restarting} == {BRUNO.id}
    assert rig.events.of(ev.Left) == []


# -- what the server should not have sent ---------------------------------------------------


@dataclass(frozen=True)
class Mystery(Message):
    """A message type this client does not know (a newer server's)."""

    TYPE: ClassVar[str] = "mystery"


async def test_unexpected_server_messages_do_not_end_the_meeting(rig: Rig) -> None:
    rig.backend.admits("m-me", ANNE, BRUNO)
    meeting = await rig.start()
    plane = rig.plane
    plane.refuse_signals = True  # as the mesh refuses SDP it cannot parse
    stranger = ParticipantInfo(id="q-stranger", display_name="Stranger")
    rig.backend.server_sends(
        Mystery(),
        Pong(nonce=7),
        Welcome(protocol=1, participant_id="x", ice_servers=()),  # only at the start
        Joined(room=ROOM, participant_id="x", participants=()),
        ParticipantUpdated(participant=stranger),  # someone never admitted
        Signal(to="m-me", kind=SignalKind.ANSWER, sdp="garbage", sender="q-stranger"),
        Error(code=ErrorCode.RATE_LIMITED, message="slow down"),
        Chat(text="still there?", message_id="1", sender=ANNE.id, sender_name="Anne"),
    )

    chat = await rig.events.wait_for(ev.ChatReceived)
    assert (chat.sender, chat.text) == (ANNE.id, "still there?")
    problems = [e.message for e in rig.events.of(ev.ErrorOccurred)]
    assert len(problems) == 2 and not any(e.fatal for e in rig.events.of(ev.ErrorOccurred))
    assert problems[0].startswith("a media connection failed")
    assert problems[1] == "the server refused a request: slow down"
    assert rig.events.states() == [State.CONNECTING, State.CONNECTED]
    assert rig.events.of(ev.Left) == []
    assert list(meeting.participants) == [ANNE.id, BRUNO.id]
    assert set(call_state_of(rig.events.events).roster) == {ANNE.id, BRUNO.id}
    assert plane.added == [ANNE.id, BRUNO.id]
    # ...and the meeting goes on reading: a newcomer still arrives.
    rig.backend.server_sends(ParticipantJoined(participant=CHLOE))
    await rig.events.wait_for(ev.ParticipantJoined)
