"""Meeting records kept in a data folder across restarts, and their cap."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.server.conftest import RawClient, create_meeting
from visio_desktop.core.protocol import (
    Error,
    ErrorCode,
    Joined,
    Moderate,
    Moderated,
    ParticipantJoined,
    Waiting,
)
from visio_desktop.core.roles import Access, Moderation, Role
from visio_desktop.server.meetings import FILE_NAME, MeetingBook, _FileWriter
from visio_desktop.server.runner import RunningServer, start_server
from visio_desktop.server.state import ServerConfig


async def knock(server: RunningServer, slug: str, **fields: str) -> object:
    async with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
        return await RawClient(ws).knock("Someone", slug, **fields)


async def test_records_survive_a_restart(tmp_path: Path) -> None:
    config = ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path)
    first = await start_server(config)
    try:
        slug, secret = await create_meeting(first, "locked")
    finally:
        await first.stop()
    path = tmp_path / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret not in path.read_text()  # only its hash
    second = await start_server(config)
    try:
        refused = await knock(second, slug)
        assert isinstance(refused, Error) and refused.code is ErrorCode.LOCKED
        joined = await knock(second, slug, host_secret=secret)
        assert isinstance(joined, Joined) and joined.participants[0].role is Role.HOST
        assert joined.room_state.access is Access.LOCKED
    finally:
        await second.stop()


async def test_a_corrupt_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text('{"version": 1, "meetings": [{"slug": 3}]')
    server = await start_server(
        ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path, default_access=Access.LOBBY)
    )
    try:
        slug, secret = await create_meeting(server)
        assert isinstance(await knock(server, slug), Waiting)
        assert isinstance(await knock(server, slug, host_secret=secret), Joined)
        assert (tmp_path / f"{FILE_NAME}.corrupt").exists()  # set aside, not overwritten
    finally:
        await server.stop()


def test_the_least_recently_used_empty_record_makes_room(tmp_path: Path) -> None:
    book = MeetingBook(2, Access.OPEN, tmp_path, in_use=lambda slug: slug == "aaa-aaaa-aaa")
    busy, _ = book.ensure("aaa-aaaa-aaa")
    old, _ = book.ensure("bbb-bbbb-bbb")
    busy.last_used = old.last_used - 10  # older, but in use
    new, _ = book.create(Access.LOBBY)
    assert book.get("bbb-bbbb-bbb") is None and book.get(busy.slug) is busy
    book.flush()
    reloaded = MeetingBook(2, Access.OPEN, tmp_path)
    kept = reloaded.get(new.slug)
    assert kept is not None and kept.state.access is Access.LOBBY
    assert kept.secret_hash == new.secret_hash


async def test_a_removal_outlives_a_restart(tmp_path: Path) -> None:
    """Someone a host removed still cannot come back on their ticket once the server has
    restarted; the file holds the ticket's hash, not the ticket."""
    config = ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path)
    first = await start_server(config)
    try:
        slug, secret = await create_meeting(first)
        async with (
            connect(f"ws://127.0.0.1:{first.port}/ws") as host_ws,
            connect(f"ws://127.0.0.1:{first.port}/ws") as guest_ws,
        ):
            host, guest = RawClient(host_ws), RawClient(guest_ws)
            assert isinstance(await host.knock("Host", slug, host_secret=secret), Joined)
            joined = await guest.knock("Guest", slug)
            assert isinstance(joined, Joined) and joined.ticket
            await host.expect(ParticipantJoined)
            await host.send(Moderate(action=Moderation.REMOVE, target=guest.participant_id))
            await guest.expect(Moderated)
    finally:
        await first.stop()
    assert joined.ticket not in (tmp_path / FILE_NAME).read_text()
    second = await start_server(config)
    try:
        refused = await knock(second, slug, ticket=joined.ticket)
        assert isinstance(refused, Error) and refused.code is ErrorCode.REMOVED
        assert isinstance(await knock(second, slug), Joined)  # the meeting itself goes on
    finally:
        await second.stop()


def test_the_file_is_written_off_the_callers_thread_newest_changes_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change never waits on the disk: while a write is held up, more changes go on, and
    they reach the file together in one later write."""
    release, writes = threading.Event(), []
    write = _FileWriter._write

    def held_write(self: _FileWriter, document: dict[str, object]) -> None:
        writes.append((threading.current_thread().name, len(document["meetings"])))  # type: ignore[arg-type]
        assert release.wait(10)
        write(self, document)

    monkeypatch.setattr(_FileWriter, "_write", held_write)
    book = MeetingBook(10, Access.OPEN, tmp_path)
    first, _ = book.create()
    others = [book.create()[0] for _ in range(3)]  # while the first write is held
    assert len(book) == 4 and not (tmp_path / FILE_NAME).exists()
    release.set()
    book.flush()
    assert [count for _, count in writes] == [1, 4]  # the three changes in one write
    assert all(name.startswith("meetings-file") for name, _ in writes)
    reloaded = MeetingBook(10, Access.OPEN, tmp_path)
    assert all(reloaded.get(record.slug) is not None for record in [first, *others])
