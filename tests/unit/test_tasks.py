"""Stopping a task without swallowing a cancellation meant for the one that stops it."""

from __future__ import annotations

import asyncio

import pytest

from visio_desktop.core.tasks import cancel_and_wait


async def _slow_to_stop(stopping: asyncio.Event, release: asyncio.Event) -> None:
    """A task that, once cancelled, takes until `release` to end (closing something)."""
    try:
        await asyncio.Event().wait()
    finally:
        stopping.set()
        await release.wait()


async def test_the_task_is_cancelled_and_waited_for() -> None:
    task = asyncio.ensure_future(asyncio.Event().wait())
    await asyncio.sleep(0)  # let it start
    await cancel_and_wait(task)
    assert task.cancelled()


async def test_a_task_that_failed_raises_its_error() -> None:
    async def fail() -> None:
        raise ValueError("broken")

    task = asyncio.ensure_future(fail())
    await asyncio.wait({task})
    with pytest.raises(ValueError, match="broken"):
        await cancel_and_wait(task)


async def test_the_caller_cancelled_meanwhile_is_cancelled() -> None:
    """A reader stopping a pump when its meeting closes: the reader must end, not go on."""
    stopping, release = asyncio.Event(), asyncio.Event()
    pump = asyncio.ensure_future(_slow_to_stop(stopping, release))
    went_on = False

    async def reader() -> None:
        nonlocal went_on
        await asyncio.sleep(0)
        await cancel_and_wait(pump)
        went_on = True

    task = asyncio.ensure_future(reader())
    await stopping.wait()  # the reader waits for the pump to end
    task.cancel()  # the meeting closes
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not went_on
