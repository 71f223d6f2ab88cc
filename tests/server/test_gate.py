"""Hostile networks: sockets that never finish their handshake, too many connections, and
clients that read too slowly. Each hostile client is a raw socket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import ROOM, WAIT, Connect, RawClient
from visio_desktop.core.protocol import Chat, Error, ErrorCode, Join, ParticipantJoined, Ping, Pong
from visio_desktop.server.app import STATE_KEY
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import RunningServer

DEADLINE = 0.5


async def metrics(server: RunningServer) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        text = (await http.get("/metrics")).text
    return {
        name: float(value)
        for line in text.splitlines()
        if line and not line.startswith("#")
        for name, value in [line.rsplit(" ", 1)]
    }


async def wait_for_metric(server: RunningServer, name: str, wanted: float) -> None:
    """Poll /metrics until `name` reads `wanted`; each poll is a real request, so the loop is
    bounded by WAIT, not by a count of sleeps."""
    deadline = time.monotonic() + WAIT
    while (value := (await metrics(server)).get(name)) != wanted:
        assert time.monotonic() < deadline, f"{name} stayed {value}, not {wanted}"
        await asyncio.sleep(0.02)


async def raw_socket(server: RunningServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def is_cut(reader: asyncio.StreamReader) -> bool:
    """True when the server closes this socket (EOF or reset) within WAIT."""
    try:
        return await asyncio.wait_for(reader.read(65536), WAIT) == b""
    except ConnectionResetError:
        return True


async def answers_http(server: RunningServer) -> bool:
    reader, writer = await raw_socket(server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    reply = await asyncio.wait_for(reader.read(), WAIT)
    writer.close()
    return reply.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("limits", [Limits(handshake_seconds=DEADLINE)])
async def test_connections_that_never_join_are_closed_at_the_deadline(
    server: RunningServer, client: Connect
) -> None:
    member = await client()
    await member.join("Member")
    started = time.monotonic()
    silent, _silent_writer = await raw_socket(server)
    half_sent, half_writer = await raw_socket(server)
    half_writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never ends
    greeter = await client()
    await greeter.hello()  # then only pongs, never a join
    assert await is_cut(silent)
    assert await is_cut(half_sent)
    assert time.monotonic() - started >= DEADLINE * 0.9
    for _ in range(int(WAIT / 0.05)):
        try:
            await greeter.send(Pong(nonce=0))
        except ConnectionClosed:
            break
        try:
            await asyncio.wait_for(greeter.ws.wait_closed(), 0.05)
            break
        except TimeoutError:
            pass
    else:
        pytest.fail("a WebSocket that never joined was kept past the deadline")
    # The member, joined before the deadline, is still served after it.
    await member.send(Ping(nonce=5))
    assert await member.expect(Pong) == Pong(nonce=5)
    assert (await metrics(server))["visio_handshake_timeouts_total"] == 3


@pytest.mark.parametrize("limits", [Limits(max_connections_per_address=3)])
async def test_connections_per_address_are_capped(server: RunningServer) -> None:
    held = [await raw_socket(server) for _ in range(3)]
    extra, _extra_writer = await raw_socket(server)
    assert await is_cut(extra)
    held[0][1].close()
    await held[0][1].wait_closed()
    await wait_for_metric_via_socket(server)
    figures = await metrics(server)
    assert figures['visio_refused_connections_total{reason="address"}'] >= 1


async def wait_for_metric_via_socket(server: RunningServer) -> None:
    """A freed slot is taken again: an HTTP request gets its answer (retried until the
    server has seen the close of the freed socket, within WAIT)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            if await answers_http(server):
                return
        except (ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, "the freed slot was never given back"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("limits", [Limits(max_pending_handshakes=2, handshake_seconds=30)])
async def test_pending_handshakes_are_capped_and_joined_clients_do_not_count(
    server: RunningServer, client: Connect
) -> None:
    member = await client()
    await member.join("Member")  # admitted: no longer pending
    held = [await raw_socket(server) for _ in range(2)]
    extra, _extra_writer = await raw_socket(server)
    assert await is_cut(extra)
    gate = server.runner.app[STATE_KEY].gate  # /metrics would be one connection too many
    assert gate.pending == 2
    assert gate.refused["pending"] >= 1
    for _reader, writer in held:
        writer.close()
    await wait_for_metric(server, "visio_pending_handshakes", 0)


async def fast_and_stalled(client: Connect) -> tuple[RawClient, RawClient]:
    """Two members of a room; the second stops reading, with a tiny receive buffer."""
    fast, slow = await client(), await client()
    await fast.join("Fast")
    await slow.join("Slow")
    await fast.expect(ParticipantJoined)
    sock = slow.ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.ws.transport.pause_reading()
    return fast, slow


@pytest.mark.parametrize(
    "limits",
    [Limits(outbound_queue_bytes=256 * 1024, messages_per_second=1e6, message_burst=1e6)],
)
async def test_a_slow_reader_is_cut_at_its_byte_budget_and_its_memory_released(
    server: RunningServer, client: Connect
) -> None:
    fast, slow = await fast_and_stalled(client)
    state = server.runner.app[STATE_KEY]
    peak = 0
    for _ in range(5000):
        await fast.send(Chat(text="€" * 4000))
        if (await fast.recv()).TYPE == "participant_left":
            break
        peak = max(peak, state.queued_bytes)
    else:
        pytest.fail("the slow reader was never cut")
    assert peak <= 256 * 1024  # never more than its budget waited for it
    await wait_for_metric(server, "visio_queued_bytes", 0)
    assert (await metrics(server))["visio_dropped_slow_readers_total"] == 1
    slow.ws.transport.abort()


@pytest.mark.parametrize(
    "limits",
    [
        Limits(
            busy_queued_bytes=128 * 1024,
            outbound_queue_bytes=8 * 1024 * 1024,
            messages_per_second=1e6,
            message_burst=1e6,
        )
    ],
)
async def test_an_overloaded_server_refuses_new_joins_and_says_so(
    server: RunningServer, client: Connect
) -> None:
    fast, slow = await fast_and_stalled(client)
    state = server.runner.app[STATE_KEY]
    for _ in range(5000):
        if state.overload() is not None:
            break
        await fast.send(Chat(text="€" * 4000))
        await fast.expect(Chat)
    else:
        pytest.fail("the backlog never made the server busy")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        health = await http.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "busy" and "bytes wait" in health.json()["reason"]
        late = await client()
        await late.hello()
        await late.send(Join(room=ROOM, display_name="Late"))
        assert (await late.expect(Error)).code is ErrorCode.SERVER_BUSY
        figures = await metrics(server)
        assert figures["visio_refused_joins_total"] == 1
        assert figures["visio_overloaded"] == 1
        slow.ws.transport.abort()  # the backlog goes with it: the server takes joins again
        await wait_for_metric(server, "visio_overloaded", 0)
        assert (await http.get("/healthz")).status_code == 200
    await late.send(Join(room=ROOM, display_name="Late"))
    assert (await late.recv()).TYPE == "joined"


@pytest.mark.parametrize("limits", [Limits(busy_delivery_seconds=0.0)])
async def test_slow_delivery_also_counts_as_overload(
    server: RunningServer, client: Connect
) -> None:
    # With no delay allowed at all, the wait before the welcome goes out is already too much.
    a = await client()
    await a.hello()
    await a.send(Join(room=ROOM, display_name="A"))
    assert (await a.expect(Error)).code is ErrorCode.SERVER_BUSY
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        health = await http.get("/healthz")
    assert health.status_code == 503 and "delivery takes" in health.json()["reason"]
