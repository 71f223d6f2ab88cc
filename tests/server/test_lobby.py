"""Hosts, access levels and the lobby on our mesh server, over real sockets on 127.0.0.1."""

from __future__ import annotations

import httpx

from tests.server.conftest import Connect, RawClient, create_meeting
from visio_desktop.core.protocol import (
    Admit,
    Chat,
    Error,
    ErrorCode,
    Joined,
    Leave,
    Lobby,
    ParticipantJoined,
    RoomStateChanged,
    SetRoomState,
    Waiting,
)
from visio_desktop.core.roles import Access, Role, RoomState
from visio_desktop.server.runner import RunningServer


async def host_in(client: Connect, server: RunningServer, access: str) -> tuple[RawClient, str]:
    """The host of a new meeting of `access`, in it; and its slug."""
    slug, secret = await create_meeting(server, access)
    host = await client()
    joined = await host.knock("Hostess", slug, host_secret=secret)
    assert isinstance(joined, Joined)
    assert joined.room_state == RoomState(access=Access(access))
    return host, slug


async def test_a_made_meeting_has_a_host_and_participants(
    server: RunningServer, client: Connect
) -> None:
    slug, secret = await create_meeting(server)
    host, guest, pretender = await client(), await client(), await client()
    joined = await host.knock("Hostess", slug, host_secret=secret)
    assert isinstance(joined, Joined)
    assert [p.role for p in joined.participants] == [Role.HOST]
    assert joined.ticket and not joined.host_secret  # the secret is not given twice
    joined = await guest.knock("Guest", slug)
    assert isinstance(joined, Joined)
    assert {p.display_name: p.role for p in joined.participants} == {
        "Hostess": Role.HOST,
        "Guest": Role.PARTICIPANT,
    }
    assert (await host.expect(ParticipantJoined)).participant.role is Role.PARTICIPANT
    # A wrong secret is said nothing about: a plain participant.
    joined = await pretender.knock("Pretender", slug, host_secret="guess")
    assert isinstance(joined, Joined)
    assert joined.participants[-1].role is Role.PARTICIPANT


async def test_the_first_joiner_of_an_ad_hoc_room_is_its_host(client: Connect) -> None:
    a, b, c = await client(), await client(), await client()
    first = await a.join("Alice")
    assert first.host_secret and first.participants[0].role is Role.HOST
    second = await b.join("Bob")
    assert not second.host_secret and second.participants[-1].role is Role.PARTICIPANT
    again = await c.knock("Alice again", first.room, host_secret=first.host_secret)
    assert isinstance(again, Joined) and again.participants[-1].role is Role.HOST


async def test_the_create_endpoint_refuses_bad_bodies(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        made = await http.post("/api/v1.0/rooms/")
        assert made.status_code == 201 and made.json()["access"] == "open"
        assert len(made.json()["host_secret"]) >= 40
        for body in (b"not json", b"[]", b'{"access": "sideways"}', b'{"access": "open", "x": 1}'):
            answer = await http.post("/api/v1.0/rooms/", content=body)
            assert answer.status_code == 400 and answer.json()["detail"]
        answer = await http.post("/api/v1.0/rooms/", content=b" " * 5000)
        assert answer.status_code == 413


async def test_an_intruder_waits_hearing_nothing_until_let_in(
    server: RunningServer, client: Connect
) -> None:
    host, slug = await host_in(client, server, "lobby")
    knocker = await client()
    waiting = await knocker.knock("Knocker", slug)
    assert isinstance(waiting, Waiting) and waiting.display_name == "Knocker"
    lobby = await host.expect(Lobby)
    assert [(e.id, e.display_name) for e in lobby.waiting] == [(knocker.participant_id, "Knocker")]
    await host.send(Chat(text="private"))
    await host.expect(Chat)
    await knocker.send(Chat(text="let me in"))
    assert (await knocker.expect(Error)).code is ErrorCode.NOT_JOINED
    await host.send(Admit(ids=(knocker.participant_id, "nobody"), allow=True))
    joined = await knocker.expect(Joined)  # nothing of the room came before this
    assert joined.ticket and len(joined.participants) == 2
    assert (await host.expect(ParticipantJoined)).participant.id == knocker.participant_id
    assert (await host.expect(Lobby)).waiting == ()
    await host.send(Chat(text="welcome"))
    assert (await knocker.expect(Chat)).text == "welcome"


async def test_two_knock_one_is_let_in_and_one_turned_away(
    server: RunningServer, client: Connect
) -> None:
    host, slug = await host_in(client, server, "lobby")
    a, b = await client(), await client()
    assert isinstance(await a.knock("Ann", slug), Waiting)
    await host.expect(Lobby)
    assert isinstance(await b.knock("Ben", slug), Waiting)
    assert len((await host.expect(Lobby)).waiting) == 2
    await host.send(Admit(ids=(b.participant_id,), allow=False))
    denied = await b.expect(Error)  # the first and last thing Ben hears
    assert denied.code is ErrorCode.DENIED
    await b.closed_code()
    assert [e.id for e in (await host.expect(Lobby)).waiting] == [a.participant_id]
    await host.send(Admit(ids=(a.participant_id,)))
    assert isinstance(await a.recv(), Joined)


async def test_a_waiting_entry_goes_when_its_connection_drops_or_leaves(
    server: RunningServer, client: Connect
) -> None:
    host, slug = await host_in(client, server, "lobby")
    a, b = await client(), await client()
    assert isinstance(await a.knock("Ann", slug), Waiting)
    await host.expect(Lobby)
    assert isinstance(await b.knock("Ben", slug), Waiting)
    await host.expect(Lobby)
    await a.ws.close()
    assert [e.id for e in (await host.expect(Lobby)).waiting] == [b.participant_id]
    await b.send(Leave())
    assert (await host.expect(Lobby)).waiting == ()


async def test_opening_the_meeting_lets_everyone_in(server: RunningServer, client: Connect) -> None:
    host, slug = await host_in(client, server, "lobby")
    a = await client()
    assert isinstance(await a.knock("Ann", slug), Waiting)
    await host.expect(Lobby)
    await host.send(Admit(ids=()))  # nothing happens
    await host.send(SetRoomState(state=RoomState(access=Access.OPEN)))
    changed = await host.expect(RoomStateChanged)
    assert changed.state.access is Access.OPEN and changed.by == host.participant_id
    joined = await a.expect(Joined)
    assert joined.room_state.access is Access.OPEN


async def test_a_locked_meeting_lets_in_hosts_and_tickets_only(
    server: RunningServer, client: Connect
) -> None:
    slug, secret = await create_meeting(server, "open")
    host, guest = await client(), await client()
    assert isinstance(await host.knock("Hostess", slug, host_secret=secret), Joined)
    joined = await guest.knock("Guest", slug)
    assert isinstance(joined, Joined)
    await host.expect(ParticipantJoined)
    await host.send(SetRoomState(state=RoomState(access=Access.LOCKED)))
    await guest.ws.close()  # the guest's connection is lost
    stranger, back, host2 = await client(), await client(), await client()
    refused = await stranger.knock("Stranger", slug)
    assert isinstance(refused, Error) and refused.code is ErrorCode.LOCKED
    rejoined = await back.knock("Guest", slug, ticket=joined.ticket)
    assert isinstance(rejoined, Joined) and rejoined.ticket == joined.ticket
    assert isinstance(await host2.knock("Host again", slug, host_secret=secret), Joined)


async def test_someone_let_into_a_full_room_is_told_and_let_go(
    server: RunningServer, client: Connect
) -> None:
    host, slug = await host_in(client, server, "open")  # the room holds 3 (conftest's limits)
    for name in ("Ann", "Ben"):
        assert isinstance(await (await client()).knock(name, slug), Joined)
        await host.expect(ParticipantJoined)
    await host.send(SetRoomState(state=RoomState(access=Access.LOBBY)))
    await host.expect(RoomStateChanged)
    late = await client()
    assert isinstance(await late.knock("Late", slug), Waiting)
    await host.expect(Lobby)
    await host.send(Admit(ids=(late.participant_id,)))
    assert (await late.expect(Error)).code is ErrorCode.ROOM_FULL
    await late.closed_code()
    assert (await host.expect(Error)).code is ErrorCode.ROOM_FULL
    assert (await host.expect(Lobby)).waiting == ()
