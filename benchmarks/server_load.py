"""The meeting server under many WebSocket clients: delivery, delay, memory, CPU, refusals.

The server runs as its own process on 127.0.0.1 with the default limits, except the cap on
connections per address (every client here comes from 127.0.0.1). This script is the load: N
clients in one asyncio process, in rooms of `--room` participants, open, say hello and join;
then each sends one chat line every `--interval` seconds for `--seconds`, stamped with the
monotonic clock (shared by both processes on Linux). Every chat goes to the whole room, so
N x rate x room frames are due per second. For each N it prints delivered/due, delivery delay
p50/p99 (send to receipt), the server's RSS and CPU (cores) over the window, and how many
clients were refused (at the door, or by a server_busy error) for the last size.

    .venv/bin/python benchmarks/server_load.py [--sizes 400,1000,2000,4000] [--seconds 10]

Note that the load generator shares the machine (and on 2 cores, the CPU) with the server:
past some size the figures measure the generator as much as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from figures import cpu_seconds, machine, report

# The server stops when its stdin closes, so a benchmark that is killed leaves no server behind.
SERVER = """
import os, signal, sys, threading
threading.Thread(
    target=lambda: (sys.stdin.read(), os.kill(os.getpid(), signal.SIGTERM)), daemon=True
).start()
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import serve_forever
from visio_desktop.server.state import ServerConfig
limits = Limits(max_connections_per_address=100_000, messages_per_second=100.0)
serve_forever(
    ServerConfig(host="127.0.0.1", port=0, limits=limits),
    lambda running: print(running.port, flush=True),
)
"""
_HANDSHAKES_AT_ONCE = 64


@dataclass
class Load:
    delays: list[float] = field(default_factory=list)
    sent: int = 0
    due: int = 0
    refused: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def room_slug(number: int) -> str:
    letters = ""
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters += chr(ord("a") + digit)
    return f"lod-{letters}-xyz"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def join(
    session: aiohttp.ClientSession, url: str, room: str, name: str, gate: asyncio.Semaphore
) -> aiohttp.ClientWebSocketResponse | str:
    """A joined WebSocket, or why it was refused."""
    async with gate:
        try:
            ws = await session.ws_connect(url, heartbeat=None, timeout=aiohttp.ClientWSTimeout(30))
            await ws.send_str('{"type":"hello","protocol":1,"client":"load"}')
            await ws.send_str(json.dumps({"type": "join", "room": room, "display_name": name}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.receive_str(), 30))
                if message["type"] == "joined":
                    return ws
                if message["type"] == "error":
                    await ws.close()
                    return str(message["code"])
        except (aiohttp.ClientError, TimeoutError, TypeError, ConnectionError) as exc:
            return type(exc).__name__


async def reader(ws: aiohttp.ClientWebSocketResponse, load: Load, measuring: list[bool]) -> None:
    async for frame in ws:
        if frame.type != aiohttp.WSMsgType.TEXT:
            break
        message = json.loads(frame.data)
        if message["type"] == "chat" and measuring[0]:
            load.delays.append(time.monotonic() - float(message["text"]))


async def talker(
    ws: aiohttp.ClientWebSocketResponse,
    room: int,
    load: Load,
    end: float,
    interval: float,
    offset: float,
) -> None:
    await asyncio.sleep(offset)  # spread the sends over the interval
    while time.monotonic() < end:
        await ws.send_str(json.dumps({"type": "chat", "text": repr(time.monotonic())}))
        load.sent += 1
        load.due += room
        await asyncio.sleep(interval)


async def one_size(url: str, pid: int, size: int, args: argparse.Namespace) -> dict[str, object]:
    load = Load()
    gate = asyncio.Semaphore(_HANDSHAKES_AT_ONCE)
    measuring = [False]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        results = await asyncio.gather(
            *(join(session, url, room_slug(n // args.room), f"load {n}", gate) for n in range(size))
        )
        joined = [ws for ws in results if not isinstance(ws, str)]
        join_seconds = time.monotonic() - started
        progress(f"{size}: {len(joined)} joined in {join_seconds:.1f} s")
        for reason in (r for r in results if isinstance(r, str)):
            load.errors[reason] = load.errors.get(reason, 0) + 1
        load.refused = size - len(joined)
        readers = [asyncio.create_task(reader(ws, load, measuring)) for ws in joined]
        room_of = [min(args.room, size - (n // args.room) * args.room) for n in range(size)]
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        measuring[0] = True
        end = time.monotonic() + args.seconds
        await asyncio.gather(
            *(
                talker(ws, room_of[n], load, end, args.interval, args.interval * n / len(joined))
                for n, ws in enumerate(joined)
            )
        )
        await asyncio.sleep(1.0)  # the last lines in flight; not a synchronisation
        measuring[0] = False
        progress(f"{size}: {load.sent} sent, {len(load.delays)} received")
        cpu = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
        rss = rss_mb(pid)
        await asyncio.gather(*(ws.close() for ws in joined))
        for task in readers:
            task.cancel()
    delays = sorted(load.delays)
    return {
        "connections": len(joined),
        "join_seconds": round(join_seconds, 2),
        "sent": load.sent,
        "delivered_over_due": round(len(delays) / load.due, 3) if load.due else None,
        "delivery_p50_ms": round(statistics.median(delays) * 1000, 1) if delays else None,
        "delivery_p99_ms": round(delays[int(len(delays) * 0.99)] * 1000, 1) if delays else None,
        "server_rss_mb": rss,
        "server_cpu_cores": round(cpu, 2),
        "refused": load.refused,
        "refusals": load.errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="400,1000,2000,4000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between chats")
    parser.add_argument("--room", type=int, default=10, help="participants per room")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = f"ws://127.0.0.1:{int(server.stdout.readline())}/ws"
        sizes = {str(n): asyncio.run(one_size(url, server.pid, n, args)) for n in args.sizes}
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(
        "server_load",
        {
            "load": f"rooms of {args.room}, one chat per client every {args.interval} s",
            "window_s": args.seconds,
            "machine": machine(open_files=hard),
            "sizes": sizes,
        },
    )


if __name__ == "__main__":
    main()
