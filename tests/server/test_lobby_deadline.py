"""Waiting in a lobby ends the handshake deadline, and starts a longer one of its own."""

from __future__ import annotations

import pytest

from tests.server.conftest import Connect, create_meeting
from visio_desktop.core.protocol import Error, ErrorCode, Joined, Lobby, Waiting
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import RunningServer


@pytest.fixture
def limits() -> Limits:
    return Limits(max_participants=3, handshake_seconds=0.2, lobby_wait_seconds=1.0)


async def test_a_waiting_person_outlives_the_handshake_deadline_not_the_lobby_one(
    server: RunningServer, client: Connect
) -> None:
    slug, secret = await create_meeting(server, "lobby")
    host, knocker = await client(), await client()
    assert isinstance(await host.knock("Hostess", slug, host_secret=secret), Joined)
    assert isinstance(await knocker.knock("Knocker", slug), Waiting)
    await host.expect(Lobby)
    # Aborted at the handshake deadline, the knocker would get no error: it gets one when
    # the lobby's deadline passes, then its connection closes.
    turned_away = await knocker.expect(Error)
    assert turned_away.code is ErrorCode.DENIED and "nobody let you in" in turned_away.message
    await knocker.closed_code()
    assert (await host.expect(Lobby)).waiting == ()
