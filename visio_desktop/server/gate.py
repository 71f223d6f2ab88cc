"""The door of the server: who may open a connection, and for how long before joining.

aiohttp has no deadline for a request that never finishes, and counts no connections. So the
server listens through `GuardedSite`, an aiohttp site like `TCPSite` whose protocol factory
wraps each of aiohttp's request handlers in `_GuardedProtocol`. That wrapper sees every TCP
connection before aiohttp does, which is the one place where all of these can be enforced
with the public asyncio API and without a second accept loop:

- a cap on connections per client address, and on connections still pending (not admitted);
- a handshake deadline: a connection is admitted once a plain HTTP request has fully arrived
  or, on ``/ws``, once its join has succeeded; one that is still pending after
  `Limits.handshake_seconds` is aborted. This covers silent sockets, requests sent one byte
  at a time and WebSockets that only ever answer pings.

Running out of file descriptors is not ours to handle byte by byte: asyncio's accept loop
already stops accepting for a second on EMFILE/ENFILE and tries again, but reports each time
through the loop's exception handler with a traceback. `AcceptErrorFilter` turns those
reports into one log line per interval, and `raise_open_file_limit` makes them rarer. asyncio
never cancels such a retry when its server closes, so `GuardedSite.stop` does (see
`_cancel_accept_retries`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from visio_desktop.server.limits import Limits

if sys.platform != "win32":
    import resource

log = logging.getLogger(__name__)

_ACCEPT_ERROR = "socket.accept() out of system resource"


class Gate:
    """Counts connections by address and by stage, and admits or expires them."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._pending: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}
        self._by_address: Counter[str] = Counter()
        self.open_connections = 0
        self.refused: Counter[str] = Counter()  # by reason: "address", "pending"
        self.expired = 0
        self.accept_errors = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def arrive(self, transport: asyncio.BaseTransport, address: str) -> bool:
        """Take a new connection in as pending, or say False when a cap refuses it."""
        if self._by_address[address] >= self.limits.max_connections_per_address:
            self.refused["address"] += 1
            return False
        if len(self._pending) >= self.limits.max_pending_handshakes:
            self.refused["pending"] += 1
            return False
        self._by_address[address] += 1
        self.open_connections += 1
        loop = asyncio.get_running_loop()
        self._pending[transport] = loop.call_later(
            self.limits.handshake_seconds, self._expire, transport
        )
        return True

    def admit(self, transport: asyncio.BaseTransport | None) -> None:
        """`transport` finished its handshake: no deadline for it any more."""
        timer = self._pending.pop(transport, None) if transport is not None else None
        if timer is not None:
            timer.cancel()

    def depart(self, transport: asyncio.BaseTransport, address: str) -> None:
        self.admit(transport)
        self._by_address[address] -= 1
        if self._by_address[address] <= 0:
            del self._by_address[address]
        self.open_connections -= 1

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        if self._pending.pop(transport, None) is not None:
            self.expired += 1
            log.info("closing a connection that did not join within the handshake deadline")
            _abort(transport)


def _abort(transport: asyncio.BaseTransport) -> None:
    if isinstance(transport, asyncio.WriteTransport):
        transport.abort()
    else:
        transport.close()


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's request handler behind the gate: refused connections never reach it."""

    def __init__(self, inner: asyncio.Protocol, gate: Gate) -> None:
        self._inner = inner
        self._gate = gate
        self._transport: asyncio.BaseTransport | None = None
        self._address = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self._address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._gate.arrive(transport, self._address):
            _abort(transport)
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is None:
            return
        self._gate.depart(self._transport, self._address)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport is not None else None

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._inner.resume_writing()


class GuardedSite(web.BaseSite):
    """A TCP site whose connections pass through `gate` (see the module's docstring)."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        gate: Gate,
        *,
        ssl_context: ssl.SSLContext | None = None,
        backlog: int = 1024,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=backlog)
        self._host = host
        self._port = port
        self._gate = gate
        self.port = port
        self._listening: set[int] = set()  # the listening sockets' descriptors, once started

    @property
    def name(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{self._host}:{self.port}"

    async def start(self) -> None:
        await super().start()
        handler_factory = self._runner.server
        assert handler_factory is not None
        gate = self._gate

        def factory() -> asyncio.Protocol:
            return _GuardedProtocol(handler_factory(), gate)

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            factory,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=True,
            ssl_handshake_timeout=gate.limits.handshake_seconds if self._ssl_context else None,
        )
        sockets: list[socket.socket] = list(self._server.sockets)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self._listening = {sock.fileno() for sock in sockets}

    async def stop(self) -> None:
        # In the same step as the close (super().stop() closes before its first await), so no
        # new retry can be scheduled in between.
        _cancel_accept_retries(asyncio.get_running_loop(), self._listening)
        await super().stop()


def _cancel_accept_retries(loop: asyncio.AbstractEventLoop, listening: set[int]) -> int:
    """Cancel the accept() retries the loop still holds for the listening sockets whose
    descriptors are `listening`; return how many.

    When accept() fails for lack of descriptors, asyncio's selector loop (CPython 3.11, and
    its main branch still) removes the listening socket's reader and calls
    ``loop.call_later(ACCEPT_RETRY_DELAY, loop._start_serving, factory, sock, ...)``, and
    nothing cancels that timer when the server closes: it then fires on a closed socket and
    the loop logs "ValueError: Invalid file descriptor: -1" with a traceback. asyncio offers
    no public way to reach that timer, so this looks for it among the loop's timers and among
    the handles already due in this iteration (a timer moves there before it runs); on a loop
    without them (another implementation) there is nothing to cancel.
    """
    start_serving = getattr(loop, "_start_serving", None)
    if start_serving is None:
        return 0
    handles: list[asyncio.Handle] = [*getattr(loop, "_scheduled", ()), *getattr(loop, "_ready", ())]
    cancelled = 0
    for handle in handles:
        args: tuple[object, ...] = getattr(handle, "_args", None) or ()
        retried = args[1] if len(args) > 1 else None
        if (
            getattr(handle, "_callback", None) == start_serving
            and isinstance(retried, socket.socket)
            and retried.fileno() in listening
            and not handle.cancelled()
        ):
            handle.cancel()
            cancelled += 1
    return cancelled


def raise_open_file_limit() -> tuple[int, int] | None:
    """Raise the soft limit on open files to the hard one (each client is one descriptor);
    return the (soft, hard) limits in force, or None where there is no such limit (Windows)."""
    if sys.platform == "win32":
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, hard, exc)
    return soft, hard


class AcceptErrorFilter:
    """A loop exception handler that reports accept() running out of descriptors as one log
    line per `interval` (counting them), and passes every other report on unchanged."""

    def __init__(
        self,
        previous: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None,
        gate: Gate,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._previous = previous
        self._gate = gate
        self._interval = interval
        self._clock = clock
        self._last_log = -interval
        self.count = 0

    @classmethod
    def install(cls, loop: asyncio.AbstractEventLoop, gate: Gate) -> AcceptErrorFilter:
        handler = cls(loop.get_exception_handler(), gate)
        loop.set_exception_handler(handler)
        return handler

    def uninstall(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop.get_exception_handler() is self:
            loop.set_exception_handler(self._previous)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != _ACCEPT_ERROR:
            if self._previous is not None:
                self._previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        self.count += 1
        self._gate.accept_errors += 1
        now = self._clock()
        if now - self._last_log >= self._interval:
            self._last_log = now
            log.warning(
                "cannot accept connections: %s; pausing accepts (%d times so far)",
                context.get("exception"),
                self.count,
            )
