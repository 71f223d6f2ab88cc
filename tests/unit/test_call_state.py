"""The call state with plain Python: whatever order the roster, the join's result, an arrival
and a departure come in while the pre-join screen turns into the call, it ends the same; and a
late event of a meeting already left changes nothing."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import pytest

from visio_desktop.core.errors import ServerUnreachableError
from visio_desktop.core.kinds import PREVIEW_TILE, SELF_TILE, PeerState, TileKey
from visio_desktop.core.protocol import LeaveReason, ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import (
    Announced,
    Announcement,
    CaptionShown,
    Change,
    Phase,
    PhaseChanged,
    Quality,
)
from visio_desktop.engine.call_state import CallState

ME = ParticipantInfo(id="me", display_name="Agent")
ANNE = ParticipantInfo(id="anne", display_name="Anne", audio=True, video=True)
BRUNO = ParticipantInfo(id="bruno", display_name="Bruno", video=True)
CHLOE = ParticipantInfo(id="chloe", display_name="Chloé", audio=True)
MEETING = 7


def phase_of(state: CallState) -> Phase:
    """The phase now (mypy would otherwise keep the one an earlier assert narrowed)."""
    return state.phase


def numbered(event: ev.Event, meeting: int = MEETING) -> ev.Event:
    return dataclasses.replace(event, meeting=meeting)


def joining() -> CallState:
    state = CallState()
    state.open_prejoin("abc-defg-hij")
    state.join_started(MEETING, "abc-defg-hij", "Agent", audio=False, video=True)
    return state


Step = Callable[[CallState], None]
STEPS: dict[str, Step] = {
    # The server's roster: Anne and Bruno were there before us.
    "roster": lambda s: s.apply(numbered(ev.Joined("abc-defg-hij", "me", (ME, ANNE, BRUNO)))),
    "connected": lambda s: s.apply(
        numbered(ev.ConnectionStateChanged(ev.ConnectionState.CONNECTED))
    ),
    "future resolves": lambda s: s.join_succeeded(MEETING),
    "Chloé joins": lambda s: s.apply(numbered(ev.ParticipantJoined(CHLOE))),
    "Bruno leaves": lambda s: s.apply(
        numbered(ev.ParticipantLeft("bruno", "Bruno", LeaveReason.LEFT))
    ),
}


def snapshot(state: CallState) -> tuple[object, ...]:
    return (
        state.phase,
        state.connection,
        state.self_id,
        tuple(sorted(state.roster)),
        tuple(sorted(state.tiles)),
        state.me,
    )


@pytest.mark.parametrize("order", list(itertools.permutations(STEPS)), ids=" > ".join)
def test_every_ordering_of_the_transition_ends_the_same(order: tuple[str, ...]) -> None:
    state = joining()
    for step in order:
        STEPS[step](state)
    assert state.phase is Phase.IN_CALL
    assert state.connection is ev.ConnectionState.CONNECTED
    assert set(state.roster) == {"anne", "chloe"}
    assert set(state.tiles) == {SELF_TILE, TileKey.camera("anne"), TileKey.camera("chloe")}
    assert state.self_id == "me" and state.me.video and not state.me.audio
    reference = joining()
    for apply_step in STEPS.values():  # the order in which the steps are written
        apply_step(reference)
    assert snapshot(state) == snapshot(reference)


def test_a_roster_or_a_connection_alone_is_enough_to_be_in_the_call() -> None:
    for step in ("roster", "connected", "future resolves"):
        state = joining()
        STEPS[step](state)
        assert state.phase is Phase.IN_CALL, step


def test_an_update_before_the_roster_is_kept() -> None:
    state = joining()
    state.apply(numbered(ev.ParticipantUpdated(ParticipantInfo("anne", "Anne", hand_raised=True))))
    STEPS["roster"](state)
    assert state.roster["anne"].hand_raised


def test_events_of_a_meeting_left_change_nothing() -> None:
    state = joining()
    STEPS["roster"](state)
    state.go_home()
    state.open_prejoin("abc-defg-hij")
    state.join_started(MEETING + 1, "abc-defg-hij", "Agent", audio=False, video=False)
    state.apply(numbered(ev.ParticipantJoined(CHLOE)))  # the old meeting, late
    state.apply(numbered(ev.Left(LeaveReason.DISCONNECTED)))
    state.apply(numbered(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, "gone")))
    assert state.phase is Phase.JOINING and not state.roster
    assert state.connection is ev.ConnectionState.CONNECTING


def test_a_failed_join_is_failed_whichever_channel_says_it_first() -> None:
    error = ServerUnreachableError("no answer")
    fatal = numbered(ev.ErrorOccurred("no answer", fatal=True))
    for first_event in (True, False):
        state = joining()
        if first_event:
            state.apply(fatal)
            state.join_failed(MEETING, error)
        else:
            state.join_failed(MEETING, error)
            state.apply(fatal)
        assert state.phase is Phase.FAILED
        assert state.connection is ev.ConnectionState.DISCONNECTED
        assert state.failure is error


def test_reconnecting_then_a_new_roster_replaces_the_old_one() -> None:
    state = joining()
    STEPS["roster"](state)
    state.apply(numbered(ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING, "lost")))
    assert state.phase is Phase.RECONNECTING
    for pid, name in (("anne", "Anne"), ("bruno", "Bruno")):
        state.apply(numbered(ev.ParticipantLeft(pid, name, LeaveReason.DISCONNECTED)))
    me_again = ParticipantInfo(id="me2", display_name="Agent")
    state.apply(numbered(ev.Joined("abc-defg-hij", "me2", (me_again, BRUNO, CHLOE))))
    state.apply(numbered(ev.ConnectionStateChanged(ev.ConnectionState.CONNECTED)))
    assert phase_of(state) is Phase.IN_CALL and set(state.roster) == {"bruno", "chloe"}
    assert state.connection is ev.ConnectionState.CONNECTED


def test_the_server_going_for_good_ends_the_call() -> None:
    state = joining()
    STEPS["roster"](state)
    state.apply(numbered(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, "gave up")))
    assert state.phase is Phase.LEFT and state.connection_detail == "gave up"


def test_changes_are_told_and_announcements_only_after_the_roster() -> None:
    state = joining()
    seen: list[Change] = []
    state.subscribe(seen.append)
    STEPS["Chloé joins"](state)  # before the roster: part of what we find, no notice
    STEPS["roster"](state)
    state.apply(numbered(ev.ParticipantJoined(ParticipantInfo("dan", "Dan"))))
    state.apply(numbered(ev.ParticipantUpdated(ParticipantInfo("anne", "Anne", screen=True))))
    notices = [(c.kind, c.detail) for c in seen if isinstance(c, Announced)]
    assert notices == [
        (Announcement.JOINED, "Dan"),
        (Announcement.SHARING_STARTED, "Anne"),
    ]
    assert PhaseChanged(Phase.IN_CALL, Phase.JOINING) in seen
    assert TileKey.screen("anne") in state.tiles


def test_captions_are_keyed_by_the_stamped_sender() -> None:
    state = joining()
    STEPS["roster"](state)
    shown: list[CaptionShown] = []
    state.subscribe(lambda c: shown.append(c) if isinstance(c, CaptionShown) else None)
    honest = ev.CaptionReceived("seg-1", "anne", "Anne", "I approve", True, "en", 0.0, 1.0)
    forged = ev.CaptionReceived("seg-1", "bruno", "Bruno", "I reject", True, "en", 0.0, 1.0)
    state.apply(numbered(honest))
    state.apply(numbered(forged))
    assert shown[0].key != shown[1].key


def test_quality_speaker_and_preview_level() -> None:
    state = joining()
    STEPS["roster"](state)
    state.apply(numbered(ev.PeerStateChanged("anne", PeerState.FAILED)))
    assert state.quality["anne"] is Quality.POOR
    state.apply_stats({"anne": (30.0, True), "bruno": (2.0, False)})
    assert state.quality == {"anne": Quality.GOOD, "bruno": Quality.POOR}
    state.apply(numbered(ev.AudioLevels(((TileKey.camera("anne"), 0.9),))))
    assert state.active_speaker == TileKey.camera("anne")
    state.apply(numbered(ev.ParticipantLeft("anne", "Anne", LeaveReason.LEFT)))
    assert state.active_speaker is None and "anne" not in state.quality
    state.apply(ev.AudioLevels(((PREVIEW_TILE, 0.4),)))  # the preview: no meeting number
    assert state.preview_level == 0.4


def test_quality_the_sfu_reports_replaces_frame_rates() -> None:
    """On LiveKit we receive only the video on screen: Bruno's camera off screen gives 0 fps,
    which must not make him poor; the quality LiveKit measures is what counts."""
    state = joining()
    STEPS["roster"](state)
    state.apply(numbered(ev.QualityReported("bruno", "good")))
    state.apply(numbered(ev.QualityReported("anne", "lost")))
    state.apply_stats({"anne": (30.0, True), "bruno": (0.0, False)})
    assert state.quality == {"anne": Quality.POOR, "bruno": Quality.GOOD}
    state.apply(numbered(ev.QualityReported("nobody", "poor")))  # not in the meeting
    assert "nobody" not in state.quality
