"""When a peer's media counts as stalled."""

from __future__ import annotations

from visio_desktop.core.kinds import Slot
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine.options import StallRules
from visio_desktop.engine.receive import TrackCounter
from visio_desktop.engine.watchdog import stalled_peers

RULES = StallRules(check_seconds=1, silence_seconds=3, first_media_seconds=10)


AUDIO = ("p", Slot.AUDIO)
CAMERA = ("p", Slot.CAMERA)


def counter(kind: str, last_at: float | None) -> TrackCounter:
    return TrackCounter(kind, frames=0 if last_at is None else 10, last_at=last_at)


def check(
    info: ParticipantInfo,
    counters: dict[tuple[str, Slot], TrackCounter],
    *,
    now: float,
    since: float = 100.0,
    failed: frozenset[str] = frozenset(),
) -> bool:
    found = stalled_peers(
        now,
        {info.id: info},
        counters,
        connected_at={info.id: since},
        failed=set(failed),
        rules=RULES,
    )
    return found == [info.id]


SENDING = ParticipantInfo(id="p", display_name="P", audio=True, video=True)
SILENT = ParticipantInfo(id="p", display_name="P", audio=False, video=False)


def test_flowing_media_is_not_stalled() -> None:
    counters = {
        AUDIO: counter("audio", 109.5),
        CAMERA: counter("video", 109.9),
    }
    assert not check(SENDING, counters, now=110.0)


def test_silence_after_media_flowed_is_a_stall() -> None:
    counters = {
        AUDIO: counter("audio", 105.0),
        CAMERA: counter("video", 106.0),
    }
    assert not check(SENDING, counters, now=108.9)
    assert check(SENDING, counters, now=109.1)


def test_one_kind_still_flowing_is_enough() -> None:
    counters = {
        AUDIO: counter("audio", 119.9),
        CAMERA: counter("video", 101.0),
    }
    assert not check(SENDING, counters, now=120.0)


def test_a_connection_that_never_delivers_is_a_stall_after_the_grace_period() -> None:
    assert not check(SENDING, {}, now=109.0)
    assert check(SENDING, {}, now=111.0)


def test_after_a_restart_old_arrivals_do_not_count() -> None:
    old = {AUDIO: counter("audio", 90.0)}
    assert not check(SENDING, old, now=105.0, since=100.0)  # within the first-media grace
    assert check(SENDING, old, now=111.0, since=100.0)


def test_nobody_expects_media_from_a_participant_with_both_off() -> None:
    assert not check(SILENT, {}, now=1000.0)


def test_a_failed_connection_is_stalled_whatever_arrived() -> None:
    counters = {AUDIO: counter("audio", 109.9)}
    assert check(SENDING, counters, now=110.0, failed=frozenset({"p"}))
    assert check(SILENT, {}, now=110.0, failed=frozenset({"p"}))


def test_a_participant_not_yet_connected_is_left_alone() -> None:
    assert (
        stalled_peers(500.0, {"p": SENDING}, {}, connected_at={}, failed=set(), rules=RULES) == []
    )
