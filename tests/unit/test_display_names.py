"""Display names: one normal form, and never two that look alike in one room."""

from __future__ import annotations

import pytest

from visio_desktop.core.display_names import (
    DEFAULT_NAME,
    normalise_display_name,
    unique_display_name,
)
from visio_desktop.core.protocol import NAME_MAX, ErrorCode, ParticipantInfo, UpdateState
from visio_desktop.server.rooms import RoomError, RoomRegistry

LOOKALIKES = [
    "Victim",
    "Victim\u00a0",
    "Victim\u200b",
    " Victim ",
    "Vic\u200ctim",
    "Vic\u200dtim",
    "\u2060Victim\ufeff",
    "\u202eVictim\u202c",
    "\u2066Victim\u2069",
    "Victim\x00\x07",
    "Victim\u180e",
]


@pytest.mark.parametrize("name", LOOKALIKES)
def test_lookalikes_of_a_name_normalise_to_it(name: str) -> None:
    assert normalise_display_name(name) == "Victim"


def test_white_space_is_collapsed_and_composed() -> None:
    assert normalise_display_name("  Jean\u00a0\t\n Dupont  ") == "Jean Dupont"
    assert normalise_display_name("Ame\u0301lie") == "Am\u00e9lie"  # NFD in, NFC out
    assert normalise_display_name("A\tB") == "A B"


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200d", "\u202e\x00", "\u00a0"])
def test_an_empty_result_gets_the_default_name(name: str) -> None:
    assert normalise_display_name(name) == DEFAULT_NAME


def test_names_are_cut_to_the_limit() -> None:
    assert len(normalise_display_name("n" * 500, 64)) == 64
    assert normalise_display_name("ab " + "c" * 70, 3) == "ab"


def test_later_equal_names_are_numbered_casefolded() -> None:
    assert unique_display_name("Victim", []) == "Victim"
    assert unique_display_name("Victim", ["Alice"]) == "Victim"
    assert unique_display_name("victim", ["Victim"]) == "victim (2)"
    assert unique_display_name("VICTIM", ["Victim", "victim (2)"]) == "VICTIM (3)"
    assert unique_display_name("Stra\u00dfe", ["STRASSE"]) == "Stra\u00dfe (2)"


def test_the_mark_always_fits() -> None:
    long = "x" * NAME_MAX
    marked = unique_display_name(long, [long], NAME_MAX)
    assert len(marked) == NAME_MAX and marked.endswith(" (2)")


def test_a_room_never_shows_two_equal_names() -> None:
    rooms = RoomRegistry(max_participants=8)
    slug = "abc-defg-hij"
    for pid, raw in zip(
        "abcd", ["Victim", "Victim\u00a0", "Victim\u200b", " Victim "], strict=True
    ):
        rooms.join(slug, ParticipantInfo(id=pid, display_name=normalise_display_name(raw)))
    room = rooms.get(slug)
    assert room is not None
    names = [p.display_name for p in room.participants.values()]
    assert names == ["Victim", "Victim (2)", "Victim (3)", "Victim (4)"]
    # Renaming to someone else's name is numbered too; keeping one's own name is not.
    assert rooms.update(slug, "d", UpdateState(display_name="victim")).display_name == "victim (4)"
    assert rooms.update(slug, "a", UpdateState(display_name="Victim")).display_name == "Victim"
    rooms.leave(slug, "a")
    assert rooms.update(slug, "d", UpdateState(display_name="Victim")).display_name == "Victim"


def test_a_refused_join_keeps_no_name() -> None:
    rooms = RoomRegistry(max_participants=1)
    rooms.join("abc-defg-hij", ParticipantInfo(id="a", display_name="A"))
    with pytest.raises(RoomError) as caught:
        rooms.join("abc-defg-hij", ParticipantInfo(id="b", display_name="A"))
    assert caught.value.code is ErrorCode.ROOM_FULL
