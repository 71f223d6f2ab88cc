"""Room logic of the server, without sockets."""

from __future__ import annotations

import pytest

from visio_desktop.core.protocol import ErrorCode, ParticipantInfo, UpdateState
from visio_desktop.server.limits import TokenBucket
from visio_desktop.server.rooms import RoomError, RoomRegistry


def person(pid: str) -> ParticipantInfo:
    return ParticipantInfo(id=pid, display_name=f"name-{pid}")


def test_rooms_are_created_on_first_join_and_dropped_when_empty() -> None:
    rooms = RoomRegistry(max_participants=4)
    assert rooms.get("abc-defg-hij") is None
    rooms.join("abc-defg-hij", person("a"))
    rooms.join("abc-defg-hij", person("b"))
    assert len(rooms) == 1
    assert rooms.participant_count == 2
    room = rooms.get("abc-defg-hij")
    assert room is not None
    assert room.others("a") == ["b"]
    assert rooms.leave("abc-defg-hij", "a") == person("a")
    assert len(rooms) == 1
    rooms.leave("abc-defg-hij", "b")
    assert len(rooms) == 0
    assert rooms.leave("abc-defg-hij", "b") is None


def test_a_full_room_refuses_and_leaves_others_alone() -> None:
    rooms = RoomRegistry(max_participants=2)
    rooms.join("abc-defg-hij", person("a"))
    rooms.join("abc-defg-hij", person("b"))
    with pytest.raises(RoomError) as caught:
        rooms.join("abc-defg-hij", person("c"))
    assert caught.value.code is ErrorCode.ROOM_FULL
    assert rooms.participant_count == 2
    rooms.join("xyz-wxyz-xyz", person("c"))
    assert len(rooms) == 2


def test_a_room_of_size_zero_is_not_left_behind() -> None:
    rooms = RoomRegistry(max_participants=0)
    with pytest.raises(RoomError):
        rooms.join("abc-defg-hij", person("a"))
    assert len(rooms) == 0


def test_joining_twice_is_refused() -> None:
    rooms = RoomRegistry(max_participants=4)
    rooms.join("abc-defg-hij", person("a"))
    with pytest.raises(RoomError) as caught:
        rooms.join("abc-defg-hij", person("a"))
    assert caught.value.code is ErrorCode.ALREADY_JOINED


def test_update_changes_state_but_not_identity() -> None:
    rooms = RoomRegistry(max_participants=4)
    rooms.join("abc-defg-hij", person("a"))
    info = rooms.update(
        "abc-defg-hij",
        "a",
        UpdateState(display_name="Renamed", audio=True, video=True, hand_raised=True),
    )
    assert info == ParticipantInfo(
        id="a", display_name="Renamed", audio=True, video=True, hand_raised=True
    )
    with pytest.raises(RoomError) as caught:
        rooms.update("abc-defg-hij", "ghost", UpdateState(display_name="x"))
    assert caught.value.code is ErrorCode.NOT_JOINED


def test_signals_go_only_to_other_members_of_the_same_room() -> None:
    rooms = RoomRegistry(max_participants=4)
    rooms.join("abc-defg-hij", person("a"))
    rooms.join("abc-defg-hij", person("b"))
    rooms.join("xyz-wxyz-xyz", person("c"))
    rooms.check_peer("abc-defg-hij", "a", "b")
    for target in ("c", "a", "nobody"):
        with pytest.raises(RoomError) as caught:
            rooms.check_peer("abc-defg-hij", "a", target)
        assert caught.value.code is ErrorCode.UNKNOWN_PARTICIPANT


def test_token_bucket_spends_and_refills() -> None:
    now = [100.0]
    bucket = TokenBucket(capacity=3, rate=2.0, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5  # one token back
    assert bucket.take()
    assert not bucket.take()
    now[0] += 60  # never more than the capacity
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
