"""The lobby list a LiveKit meeting's host keeps (`engine.sfu_lobby`): what it reads of the
server's answers, and when it asks. The real front and real sessions are in
tests/livekit/test_sfu_hosting.py."""

from __future__ import annotations

import asyncio

import pytest

from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError
from visio_desktop.core.protocol import ErrorCode, Lobby, Message
from visio_desktop.engine.sfu_lobby import LobbyWatch, read_waiting


def answer(*people: object) -> dict[str, object]:
    return {"participants": list(people)}


@pytest.mark.parametrize(
    "bad",
    [None, [], "text", {"participants": "x"}, {"participants": None}, {}],
)
def test_an_unreadable_answer_is_an_empty_lobby(bad: object) -> None:
    assert read_waiting(bad) == []


def test_only_readable_waiting_entries_are_kept_and_names_are_cleaned() -> None:
    got = read_waiting(
        answer(
            {"id": "a", "username": "Mairie\u202e de Lyon\n", "status": "waiting"},
            {"id": "b", "username": "Accepted", "status": "accepted"},
            {"id": "", "username": "No id"},
            {"id": "x" * 65, "username": "Id too long"},
            {"id": 7, "username": "Id not text"},
            "not an object",
            {"id": "c", "username": None},
        )
    )
    assert [entry_id for entry_id, _ in got] == ["a", "c"]
    assert got[0][1] == "Mairie de Lyon"


class Server:
    """Answers the watch's questions from `answers`, one each time it is asked."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def fetch(self) -> object:
        self.asked += 1
        item = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(item, Exception):
            raise item
        return item


def watch_with(server: Server) -> tuple[LobbyWatch, asyncio.Queue[Message]]:
    shown: asyncio.Queue[Message] = asyncio.Queue()
    return LobbyWatch(server.fetch, shown.put_nowait, clock=lambda: 100.0), shown


async def test_a_knock_is_shown_then_its_departure_and_then_the_watch_rests() -> None:
    one = answer({"id": "a", "username": "Guest"})
    server = Server(one, ServerUnreachableError("down for a moment"), one, answer())
    watch, shown = watch_with(server)
    watch.nudge()
    first = await asyncio.wait_for(shown.get(), 5)
    assert isinstance(first, Lobby) and [e.display_name for e in first.waiting] == ["Guest"]
    assert first.waiting[0].since == 100.0
    # It goes on asking while anyone waits (through a failed request), until nobody does.
    assert await asyncio.wait_for(shown.get(), 10) == Lobby(waiting=())
    assert server.asked == 4
    assert watch._task is not None
    await asyncio.wait_for(watch._task, 5)  # it rests: the next knock's packet wakes it
    assert server.asked == 4


async def test_a_refusal_ends_the_watch_and_stop_empties_the_list() -> None:
    server = Server(ServerRejectedError(ErrorCode.FORBIDDEN, "hosts only"))
    watch, shown = watch_with(server)
    watch.nudge()
    assert watch._task is not None
    await asyncio.wait_for(watch._task, 5)
    assert shown.empty() and server.asked == 1

    server.answers = [answer({"id": "a", "username": "Guest"})]
    watch.nudge()
    assert len((await asyncio.wait_for(shown.get(), 5)).waiting) == 1  # type: ignore[attr-defined]
    watch.stop()
    assert shown.get_nowait() == Lobby(waiting=())
    assert watch.waiting == ()
