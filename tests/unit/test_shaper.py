"""The in-process network faults the media tests and benchmarks use: seeded loss, delay with
jitter (and the reordering it brings), and a bandwidth limit that drops what its queue cannot
hold."""

from __future__ import annotations

import asyncio
import time

from visio_desktop.rtc.shaper import PathFaults, Shaper


class Sink:
    def __init__(self, expected: int) -> None:
        self.got: list[tuple[bytes, float]] = []
        self.expected = expected
        self.done = asyncio.Event()

    async def __call__(self, data: bytes) -> None:
        self.got.append((data, time.monotonic()))
        if len(self.got) >= self.expected:
            self.done.set()


async def test_loss_is_seeded_and_about_the_share_asked() -> None:
    runs = []
    for _ in range(2):
        sink = Sink(expected=10_000)
        shaper = Shaper(sink, PathFaults(loss=0.1, seed=3))
        for n in range(1000):
            await shaper(n.to_bytes(2, "big"))
        runs.append([data for data, _ in sink.got])
        assert 60 <= shaper.figures.lost <= 140
        assert shaper.figures.lost + shaper.figures.delivered == 1000
    assert runs[0] == runs[1]  # the same seed, the same packets lost


async def test_delay_holds_every_packet_and_jitter_reorders_unless_kept_in_order() -> None:
    for keep_order in (False, True):
        sink = Sink(expected=50)
        shaper = Shaper(sink, PathFaults(delay_ms=20, jitter_ms=30, keep_order=keep_order))
        sent_at = {}
        for n in range(50):
            sent_at[n] = time.monotonic()
            await shaper(bytes([n]))
            await asyncio.sleep(0.001)  # packets 1 ms apart, as a stream sends them
        await asyncio.wait_for(sink.done.wait(), 5)
        order = [data[0] for data, _ in sink.got]
        assert all(at - sent_at[data[0]] >= 0.02 for data, at in sink.got)
        assert sorted(order) == list(range(50))
        assert (order == sorted(order)) is keep_order


async def test_a_bandwidth_limit_drops_what_its_queue_cannot_hold() -> None:
    sink = Sink(expected=10_000)
    shaper = Shaper(sink, PathFaults(rate_kbps=800, queue_ms=100))
    for _ in range(100):
        await shaper(bytes(1000))  # 8 kbit each, all at once: 100 ms of queue holds 10
    assert 9 <= 100 - shaper.figures.overflowed <= 12
    assert shaper.figures.overflowed + shaper.figures.delivered <= 100
