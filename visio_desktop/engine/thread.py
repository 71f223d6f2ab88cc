"""The engine thread: one asyncio loop of its own, started and stopped cleanly.

Front ends hand it coroutines with `submit` and get a concurrent Future back; nothing they do
blocks the loop, and the loop never blocks them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import struct
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_STOP_SECONDS = 10.0


class EngineThread:
    def __init__(self, name: str = "visio-engine") -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_log_loop_exception)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._running = threading.Event()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def start(self) -> None:
        self._thread.start()
        self._running.wait()

    def submit(self, coro: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        """Run `coro` on the engine loop, from any thread."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call_soon(self, callback: Any, *args: Any) -> None:
        self._loop.call_soon_threadsafe(callback, *args)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._running.set)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    def stop(self) -> None:
        """Cancel whatever still runs, shut down generators and the executor, join the thread."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(concurrent.futures.TimeoutError):
            self.submit(_cancel_others()).result(timeout=_STOP_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=_STOP_SECONDS)
        if self._thread.is_alive():
            log.warning("the engine thread did not stop in %.0f s", _STOP_SECONDS)


async def _cancel_others() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An exception nobody awaited: a bug until shown otherwise, so a warning with its
    traceback. The one known exception: aioice lets struct.error from a truncated STUN
    attribute that a peer sent escape its datagram callback (noise from the network, not a
    task of ours failing)."""
    exc = context.get("exception")
    message = context.get("message", "")
    if isinstance(exc, struct.error) and "task" not in context and "future" not in context:
        log.debug("engine loop: %s", message, exc_info=exc)
        return
    where = context.get("task") or context.get("future") or context.get("handle") or ""
    log.warning("engine loop: %s %s", message, where, exc_info=exc)
