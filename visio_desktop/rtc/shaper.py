"""Fault injection on a media transport: seeded loss, delay, jitter and a bandwidth limit.

This kernel has no netem, so the network's faults are made in the process, on the way out of
a peer connection's DTLS transport (every RTP packet of the connection, retransmissions
included; RTCP and the DTLS handshake are left alone). The tests and `benchmarks/network.py`
use it to see how media copes; a product build never calls it.

- loss: each packet is dropped with that probability;
- delay and jitter: each packet waits `delay_ms` plus a uniform share of `jitter_ms`, and
  packets may overtake each other as on a real path (set `keep_order` to stop that);
- bandwidth: a token bucket of `rate_kbps` with a queue of `queue_ms`; what does not fit in
  the queue is dropped, as a router's tail drop does.
Seeded: the same seed makes the same faults for the same packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiortc.rtp import is_rtcp

Send = Callable[[bytes], Awaitable[None]]


@dataclass(frozen=True)
class PathFaults:
    loss: float = 0.0  # 0-1
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_kbps: float | None = None  # None: no bandwidth limit
    queue_ms: float = 100.0  # how much a bandwidth-limited path buffers before dropping
    keep_order: bool = False
    seed: int = 7


@dataclass
class ShaperFigures:
    sent: int = 0  # packets given to the path
    lost: int = 0  # dropped at random
    overflowed: int = 0  # dropped because the bandwidth limit's queue was full
    delivered: int = 0
    rtcp: int = 0  # RTCP packets, passed on untouched (not counted above)


class Shaper:
    """A faulty path in front of `send`; call it in its place."""

    def __init__(self, send: Send, faults: PathFaults) -> None:
        self._send = send
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._busy_until = 0.0  # when the bandwidth-limited link has sent what it holds
        self._previous: asyncio.Task[None] | None = None  # the last packet still on its way
        self.figures = ShaperFigures()
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, data: bytes) -> None:
        if _is_rtcp(data):  # aiortc sends RTCP the same way: the faults are for media only
            self.figures.rtcp += 1
            await self._send(data)
            return
        faults, now = self.faults, time.monotonic()
        self.figures.sent += 1
        if self._random.random() < faults.loss:
            self.figures.lost += 1
            return
        release = now + (faults.delay_ms + self._random.uniform(0, faults.jitter_ms)) / 1000
        if faults.rate_kbps is not None:
            start = max(now, self._busy_until)
            if start - now > faults.queue_ms / 1000:
                self.figures.overflowed += 1
                return
            self._busy_until = start + len(data) * 8 / (faults.rate_kbps * 1000)
            release = max(release, self._busy_until)
        previous = self._previous if faults.keep_order else None
        if release <= now and (previous is None or previous.done()):
            await self._deliver(data)
            return
        task = asyncio.get_running_loop().create_task(self._later(release - now, data, previous))
        self._previous = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(
        self, seconds: float, data: bytes, previous: asyncio.Task[None] | None
    ) -> None:
        await asyncio.sleep(seconds)  # the path's delay itself
        if previous is not None:
            await asyncio.wait([previous])  # in order: never ahead of the packet before
        await self._deliver(data)

    async def _deliver(self, data: bytes) -> None:
        self.figures.delivered += 1
        with contextlib.suppress(ConnectionError):  # it closed while the packet was on its way
            await self._send(data)


def _is_rtcp(data: bytes) -> bool:
    return len(data) >= 8 and data[0] >> 6 == 2 and is_rtcp(data)


def shape_transport(transport: Any, faults: PathFaults) -> Shaper:
    """Put a `Shaper` on the way out of an aiortc `RTCDtlsTransport` (all its RTP); returns
    it, with its figures. Private attribute: aiortc 1.16's `_send_rtp`."""
    shaper = Shaper(transport._send_rtp, faults)
    transport._send_rtp = shaper
    return shaper
