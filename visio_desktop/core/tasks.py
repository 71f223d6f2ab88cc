"""Stopping an asyncio task from another one without swallowing a cancellation of our own.

The usual idiom, `task.cancel()` then `await task` inside `suppress(CancelledError)`, also
swallows the CancelledError meant for the task that waits, when it is itself cancelled during
that wait: it then goes on as if nothing happened. A meeting whose reader did that while
handling a departure never finished leaving (it went back to reading a server that had
nothing more to say)."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait until it has ended; its CancelledError is swallowed, but one
    meant for the caller is raised again. Any other exception the task ended with is raised."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
