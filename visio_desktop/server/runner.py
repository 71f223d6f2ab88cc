"""Running the meeting server: in the foreground for `serve`, or embedded on a free port."""

from __future__ import annotations

import asyncio
import signal
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from visio_desktop.server.app import STATE_KEY, make_app
from visio_desktop.server.gate import AcceptErrorFilter, GuardedSite, raise_open_file_limit
from visio_desktop.server.state import ServerConfig

_SHUTDOWN_SECONDS = 5.0


@dataclass(frozen=True)
class RunningServer:
    """A server listening on `host`:`port`; `stop()` tells the clients and closes it."""

    host: str
    port: int
    secure: bool
    runner: web.AppRunner
    accept_errors: AcceptErrorFilter | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.secure else 'http'}://{host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()
        if self.accept_errors is not None:
            self.accept_errors.uninstall(asyncio.get_running_loop())


def _ssl_context(config: ServerConfig) -> ssl.SSLContext | None:
    if not config.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config.tls_cert, config.tls_key)
    return context


async def start_server(config: ServerConfig) -> RunningServer:
    """Start serving on the running loop; port 0 picks a free port.

    Every connection passes through the gate (`server.gate`); the open-file limit is raised
    first, and accept() failures for lack of descriptors are logged quietly.
    """
    raise_open_file_limit()
    app = make_app(config)
    gate = app[STATE_KEY].gate
    runner = web.AppRunner(app, shutdown_timeout=_SHUTDOWN_SECONDS)
    await runner.setup()
    site = GuardedSite(runner, config.host, config.port, gate, ssl_context=_ssl_context(config))
    await site.start()
    accept_errors = AcceptErrorFilter.install(asyncio.get_running_loop(), gate)
    return RunningServer(config.host, site.port, config.tls_cert is not None, runner, accept_errors)


def serve_forever(config: ServerConfig, on_ready: Callable[[RunningServer], None]) -> None:
    """Serve until SIGINT or SIGTERM, then say goodbye to every client."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        running = await start_server(config)
        on_ready(running)
        try:
            await stop.wait()
        finally:
            await running.stop()

    asyncio.run(main())


class EmbeddedServer:
    """The meeting server in a thread of its own, on a free loopback port (demo and tests)."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig(host="127.0.0.1", port=0)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="visio-server", daemon=True)
        self._ready = threading.Event()
        self._running: RunningServer | None = None
        self._error: BaseException | None = None

    def start(self) -> RunningServer:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._running is not None
        return self._running

    @property
    def base_url(self) -> str:
        assert self._running is not None, "start() first"
        return self._running.base_url

    @property
    def port(self) -> int:
        assert self._running is not None, "start() first"
        return self._running.port

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._running = self._loop.run_until_complete(start_server(self.config))
        except BaseException as exc:  # reported to start()'s caller
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def stop(self) -> None:
        if self._running is None or not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._running.stop(), self._loop)
        future.result(timeout=_SHUTDOWN_SECONDS * 2)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
