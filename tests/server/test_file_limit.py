"""A server out of file descriptors pauses its accepts, logs one line, and recovers.

It runs in a subprocess whose open-file limit (soft and hard) is 64, so a hundred idle
sockets from the test exhaust it without touching the test's own limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time

import pytest

from tests.server.conftest import WAIT

SERVER = """
import logging, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import serve_forever
from visio_desktop.server.state import ServerConfig
limits = Limits(handshake_seconds=60, max_connections_per_address=1000, max_pending_handshakes=1000)
serve_forever(
    ServerConfig(host="127.0.0.1", port=0, limits=limits),
    lambda running: print(running.port, flush=True),
)
"""


# The same server, stopped as `serve` stops on SIGTERM, whose loop then runs on past the moment
# asyncio would have retried accept(): a retry left pending would fire on the closed socket.
STOPPED_WHILE_OUT = """
import asyncio, logging, resource, signal, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from asyncio.constants import ACCEPT_RETRY_DELAY
from visio_desktop.server.limits import Limits
from visio_desktop.server.runner import start_server
from visio_desktop.server.state import ServerConfig
limits = Limits(handshake_seconds=60, max_connections_per_address=1000, max_pending_handshakes=1000)
async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    running = await start_server(ServerConfig(host="127.0.0.1", port=0, limits=limits))
    print(running.port, flush=True)
    await stop.wait()
    await running.stop()
    await asyncio.sleep(2 * ACCEPT_RETRY_DELAY)
    print("stopped", flush=True)
asyncio.run(main())
"""


async def healthz(port: int) -> bool:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = await asyncio.wait_for(reader.read(), 2)
        writer.close()
    except (OSError, TimeoutError):
        return False
    return reply.startswith(b"HTTP/1.1 200")


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX")
async def test_running_out_of_descriptors_is_one_log_line_and_the_server_recovers() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVER,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    held: list[asyncio.StreamWriter] = []
    try:
        port = int(await asyncio.wait_for(proc.stdout.readline(), WAIT))
        for _ in range(100):  # the kernel completes these handshakes even when accept() fails
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            held.append(writer)
        line = await asyncio.wait_for(proc.stderr.readline(), WAIT)
        assert b"cannot accept connections" in line and b"Too many open files" in line
        for writer in held:
            writer.close()
        deadline = time.monotonic() + WAIT
        while not await healthz(port):  # accepts resume within a second or so
            assert time.monotonic() < deadline, "the server never accepted again"
    finally:
        for writer in held:
            writer.close()
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(proc.stderr.read(), WAIT)
        await asyncio.wait_for(proc.wait(), WAIT)
    assert b"Traceback" not in rest
    assert rest.count(b"cannot accept connections") <= 1  # one line per 10 s at most


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX")
async def test_a_server_stopped_while_out_of_descriptors_leaves_no_accept_retry_behind() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        STOPPED_WHILE_OUT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    held: list[asyncio.StreamWriter] = []
    try:
        port = int(await asyncio.wait_for(proc.stdout.readline(), WAIT))
        for _ in range(100):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            held.append(writer)
        line = await asyncio.wait_for(proc.stderr.readline(), WAIT)
        assert b"cannot accept connections" in line  # accepts are paused: a retry is pending
        proc.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(proc.stderr.read(), WAIT)  # to the end: the server exits
        assert await asyncio.wait_for(proc.stdout.read(), WAIT) == b"stopped\n"
    finally:
        for writer in held:
            writer.close()
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.wait_for(proc.wait(), WAIT)
    assert b"Traceback" not in rest, rest.decode(errors="replace")[-2000:]
