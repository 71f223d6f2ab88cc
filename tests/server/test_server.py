"""The meeting server over real sockets on 127.0.0.1: handshake, relaying, limits, shutdown."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from tests.server.conftest import ROOM, Connect, RawClient, three_in_room
from visio_desktop.core.protocol import (
    PROTOCOL_VERSION,
    Caption,
    Chat,
    Error,
    ErrorCode,
    Hello,
    Join,
    Leave,
    LeaveReason,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    Ping,
    Pong,
    Reaction,
    ServerShutdown,
    Signal,
    SignalKind,
    UpdateState,
    Welcome,
)
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import RunningServer
from visio_desktop.server.state import ServerConfig


async def test_discovery_and_health(server: RunningServer, client: Connect) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        discovery = (await http.get("/.well-known/visio")).json()
        assert discovery["protocol"] == PROTOCOL_VERSION
        assert discovery["websocket"] == f"ws://127.0.0.1:{server.port}/ws"
        assert discovery["media_planes"] == ["mesh"]
        assert discovery["ice_servers"] == []
        assert "chat" in discovery["features"]
        assert {"lobby", "moderation"} <= set(discovery["features"])
        a = await client()
        await a.join("Alice")
        health = (await http.get("/healthz")).json()
    assert health == {"status": "ok", "rooms": 1, "participants": 1, "connections": 1}


async def test_join_gives_roster_and_tells_the_others(client: Connect) -> None:
    a, b = await client(), await client()
    joined_a = await a.join("Alice")
    assert [p.display_name for p in joined_a.participants] == ["Alice"]
    joined_b = await b.join("  Bob\u202e\x00 ")
    assert joined_b.room == ROOM
    assert {p.display_name for p in joined_b.participants} == {"Alice", "Bob"}
    news = await a.expect(ParticipantJoined)
    assert news.participant.id == b.participant_id
    assert news.participant.display_name == "Bob"


async def test_rooms_are_normalised_like_links(client: Connect) -> None:
    a, b = await client(), await client()
    await a.join("Alice", room="ABCDEFGHIJ")
    joined = await b.join("Bob", room="abc-defg-hij")
    assert len(joined.participants) == 2


async def test_the_server_stamps_the_sender(client: Connect) -> None:
    a, b, c = await three_in_room(client)
    # Bob pretends to be Alice, in a chat line and in a signal.
    await b.send(Chat(text="I am Alice", sender=a.participant_id, sender_name="Alice"))
    for receiver in (a, b, c):
        chat = await receiver.expect(Chat)
        assert (chat.sender, chat.sender_name, chat.text) == (b.participant_id, "Bob", "I am Alice")
        assert chat.message_id and chat.sent_at > 0
    await b.send(
        Signal(to=c.participant_id, kind=SignalKind.OFFER, sdp="v=0", sender=a.participant_id)
    )
    signal = await c.expect(Signal)
    assert signal.sender == b.participant_id
    await b.send(Caption(segment_id="s", text="bonjour", final=True, sender=a.participant_id))
    for receiver in (a, c):
        caption = await receiver.expect(Caption)
        assert (caption.sender, caption.sender_name) == (b.participant_id, "Bob")
    await b.send(Reaction(emoji="👍", sender=c.participant_id))
    assert (await a.expect(Reaction)).sender == b.participant_id
    await b.send(Reaction(emoji="<b>"))
    assert (await b.expect(Error)).code is ErrorCode.BAD_MESSAGE


async def test_state_updates_reach_everyone(client: Connect) -> None:
    a, b = await client(), await client()
    await a.join("Alice")
    await b.join("Bob")
    await a.expect(ParticipantJoined)
    await b.send(UpdateState(display_name="Bob", audio=True, hand_raised=True))
    for receiver in (a, b):
        update = await receiver.expect(ParticipantUpdated)
        assert update.participant.id == b.participant_id
        assert update.participant.hand_raised and update.participant.audio


async def test_malformed_messages_get_errors_and_the_connection_stays(client: Connect) -> None:
    a, b = await client(), await client()
    await a.join("Alice")
    await b.join("Bob")
    await a.expect(ParticipantJoined)
    garbage: list[str | bytes] = [
        "not json",
        "{}",
        "[]",
        '{"type":"chat"}',
        '{"type":"chat","text":1}',
        '{"type":"welcome","protocol":2,"participant_id":"x","ice_servers":[]}',
        b"\x00\x01",
        '{"type":"signal","to":"nobody","kind":"offer","sdp":""}',
    ]
    for frame in garbage:
        await b.send(frame)
        error = await b.expect(Error)
        assert error.code in (ErrorCode.BAD_MESSAGE, ErrorCode.UNKNOWN_PARTICIPANT)
    await b.send(Ping(nonce=42))
    assert await b.expect(Pong) == Pong(nonce=42)
    await b.send(Chat(text="still here"))
    assert (await a.expect(Chat)).text == "still here"


async def test_oversized_frames_are_refused_with_an_error(client: Connect) -> None:
    a = await client()
    await a.join("Alice")
    await a.send('{"type":"chat","text":"' + "x" * 100_000 + '"}')
    assert (await a.expect(Error)).code is ErrorCode.TOO_LARGE
    await a.send(Ping(nonce=1))
    assert await a.expect(Pong) == Pong(nonce=1)


@pytest.mark.parametrize("limits", [Limits(strikes_allowed=5, strikes_forgiven_per_second=0.01)])
async def test_repeated_abuse_closes_that_connection_only(client: Connect) -> None:
    a, b = await client(), await client()
    await a.join("Alice")
    await b.join("Bob")
    await a.expect(ParticipantJoined)
    for _ in range(10):
        await b.send("garbage")
    assert await b.closed_code() == 1008
    left = await a.expect(ParticipantLeft)
    assert (left.participant_id, left.reason) == (b.participant_id, LeaveReason.REMOVED)
    await a.send(Ping(nonce=3))
    assert await a.expect(Pong) == Pong(nonce=3)


@pytest.mark.parametrize("limits", [Limits(strikes_allowed=5, strikes_forgiven_per_second=0.01)])
async def test_a_connection_the_server_closes_needs_no_answer_from_its_client(
    server: RunningServer, client: Connect
) -> None:
    a, b = await client(), await client()
    await a.join("Alice")
    await b.join("Bob")
    await a.expect(ParticipantJoined)
    b.ws.transport.pause_reading()  # Bob will never answer the server's closing frame
    for _ in range(10):
        await b.send("garbage")
    left = await a.expect(ParticipantLeft)  # the server is closing Bob's connection now
    assert left.reason is LeaveReason.REMOVED
    # Waiting for Bob's answer would take aiohttp's close timeout (10 s) and hold the shutdown
    # as long; the server closes without it.
    async with asyncio.timeout(5):
        await server.stop()
    b.ws.transport.abort()


@pytest.mark.parametrize("limits", [Limits(messages_per_second=0.01, message_burst=5)])
async def test_message_rate_is_limited(client: Connect) -> None:
    a = await client()
    for nonce in range(8):
        await a.send(Ping(nonce=nonce))
    replies = [await a.recv() for _ in range(8)]
    assert replies[:5] == [Pong(nonce=n) for n in range(5)]
    assert all(isinstance(r, Error) and r.code is ErrorCode.RATE_LIMITED for r in replies[5:])


async def test_order_of_the_handshake_is_enforced(client: Connect) -> None:
    a = await client()
    await a.send(Join(room=ROOM, display_name="early"))
    assert "hello" in (await a.expect(Error)).message
    await a.hello()
    await a.send(Chat(text="before joining"))
    assert (await a.expect(Error)).code is ErrorCode.NOT_JOINED
    await a.send(Join(room="not a room", display_name="x"))
    assert (await a.expect(Error)).code is ErrorCode.BAD_ROOM
    await a.send(Hello(protocol=PROTOCOL_VERSION, client="again"))
    assert (await a.expect(Error)).code is ErrorCode.BAD_MESSAGE


async def test_a_different_protocol_version_is_refused(client: Connect) -> None:
    a = await client()
    await a.send(Hello(protocol=99, client="future"))
    assert (await a.expect(Error)).code is ErrorCode.BAD_VERSION
    assert await a.closed_code() == 1008


async def test_a_full_room_refuses_politely(client: Connect) -> None:
    members = [await client() for _ in range(3)]
    for number, member in enumerate(members):
        await member.join(f"member {number}")
    late = await client()
    await late.hello()
    await late.send(Join(room=ROOM, display_name="late"))
    assert (await late.expect(Error)).code is ErrorCode.ROOM_FULL
    await late.send(Join(room="xyz-wxyz-xyz", display_name="late"))
    assert (await late.recv()).TYPE == "joined"


async def test_leaving_and_disconnecting_are_told_apart(
    server: RunningServer, client: Connect
) -> None:
    a, b, c = await three_in_room(client)
    await b.send(Leave())
    left = await a.expect(ParticipantLeft)
    assert (left.participant_id, left.reason) == (b.participant_id, LeaveReason.LEFT)
    await c.ws.close()
    left = await a.expect(ParticipantLeft)
    assert (left.participant_id, left.reason) == (c.participant_id, LeaveReason.DISCONNECTED)
    await a.send(Leave())
    await a.send(Ping(nonce=9))
    assert await a.expect(Pong) == Pong(nonce=9)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await http.get("/healthz")).json()["rooms"] == 0


async def test_shutdown_tells_every_client(server: RunningServer, client: Connect) -> None:
    a = await client()
    await a.join("Alice")
    idle: RawClient = await client()
    assert isinstance(await idle.hello(), Welcome)
    await server.stop()
    for someone in (a, idle):
        assert isinstance(await someone.recv(), ServerShutdown)
        assert await someone.closed_code() == 1001


@pytest.mark.parametrize(
    "limits", [Limits(outbound_queue_bytes=768 * 1024, messages_per_second=1e6, message_burst=1e6)]
)
async def test_a_client_too_slow_to_read_is_dropped_and_the_room_goes_on(client: Connect) -> None:
    fast, slow = await client(), await client()
    await fast.join("Fast reader")
    await slow.join("Never reads")
    await fast.expect(ParticipantJoined)
    # It stops reading and its kernel buffer is kept small (no autotuning to 32 MB): what the
    # server sends it piles up in the server's socket buffer, then in its bounded queue.
    sock = slow.ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.ws.transport.pause_reading()
    left: ParticipantLeft | None = None
    for _ in range(5000):  # 12 KB each: up to 60 MB, far beyond what socket buffers hold
        await fast.send(Chat(text="€" * 4000))
        message = await fast.recv()  # the echo, read before the next line goes out
        if isinstance(message, ParticipantLeft):
            left = message
            break
    assert left is not None, "the client that never reads was not dropped"
    assert (left.participant_id, left.reason) == (slow.participant_id, LeaveReason.REMOVED)
    await fast.send(Ping(nonce=11))
    while not isinstance(message := await fast.recv(), Pong):
        pass
    assert message == Pong(nonce=11)
    slow.ws.transport.abort()  # the server has cut it; do not wait for a closing handshake


@pytest.mark.parametrize(
    "config", [ServerConfig(host="127.0.0.1", port=0, public_url="https://visio.example.gouv.fr")]
)
async def test_behind_a_proxy_discovery_names_the_public_address(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        discovery = (await http.get("/.well-known/visio")).json()
    assert discovery["websocket"] == "wss://visio.example.gouv.fr/ws"


async def test_lookalike_names_are_told_apart_everywhere(client: Connect) -> None:
    victim, mimic = await client(), await client()
    await victim.join("Victim")
    joined = await mimic.join("Victim\u200b\u00a0")
    names = {p.id: p.display_name for p in joined.participants}
    assert names == {victim.participant_id: "Victim", mimic.participant_id: "Victim (2)"}
    assert (await victim.expect(ParticipantJoined)).participant.display_name == "Victim (2)"
    await mimic.send(Chat(text="trust me", sender_name="Victim"))
    for receiver in (victim, mimic):
        assert (await receiver.expect(Chat)).sender_name == "Victim (2)"
    await mimic.send(UpdateState(display_name=" victim "))
    for receiver in (victim, mimic):
        assert (await receiver.expect(ParticipantUpdated)).participant.display_name == "victim (2)"


async def test_a_caption_reusing_someone_elses_segment_is_stamped_with_its_sender(
    client: Connect,
) -> None:
    a, b, c = await three_in_room(client)
    await a.send(Caption(segment_id="seg-1", text="the real words", final=False))
    assert (await c.expect(Caption)).sender == a.participant_id
    assert (await b.expect(Caption)).sender == a.participant_id
    forged = Caption(
        segment_id="seg-1",
        text="forged words",
        final=True,
        sender=a.participant_id,
        sender_name="Alice",
    )
    await b.send(forged)
    for receiver in (a, c):
        caption = await receiver.expect(Caption)
        assert (caption.segment_id, caption.text) == ("seg-1", "forged words")
        # The client keys captions by (sender, segment id): this cannot replace Alice's line.
        assert (caption.sender, caption.sender_name) == (b.participant_id, "Bob")
