"""The server's door without sockets: the open-file limit, accept() errors, delivery delay."""

from __future__ import annotations

import asyncio
import errno
import logging
import resource
import sys
from typing import Any

import pytest

from visio_desktop.server.gate import AcceptErrorFilter, Gate, raise_open_file_limit
from visio_desktop.server.limits import Limits
from visio_desktop.server.state import DeliveryDelay


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")
def test_the_open_file_limit_is_raised_to_the_hard_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowered = min(soft, 256)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowered, hard))
    try:
        assert raise_open_file_limit() == (hard, hard)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_accept_errors_make_one_log_line_per_interval_and_others_pass(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passed: list[dict[str, Any]] = []
    clock = FakeClock()
    gate = Gate(Limits())
    handler = AcceptErrorFilter(lambda _loop, context: passed.append(context), gate, 10.0, clock)
    loop = asyncio.new_event_loop()
    storm = {
        "message": "socket.accept() out of system resource",
        "exception": OSError(errno.EMFILE, "Too many open files"),
    }
    try:
        with caplog.at_level(logging.WARNING, logger="visio_desktop.server.gate"):
            for tick in range(100):  # 100 failures over 20 s: two log lines, no traceback
                clock.now = tick * 0.2
                handler(loop, storm)
            handler(loop, {"message": "something else"})
    finally:
        loop.close()
    lines = [r for r in caplog.records if r.name == "visio_desktop.server.gate"]
    assert len(lines) == 2 and all(r.exc_info is None for r in lines)
    assert "Too many open files" in lines[0].getMessage()
    assert gate.accept_errors == handler.count == 100
    assert passed == [{"message": "something else"}]


def test_a_delivery_delay_is_remembered_for_a_window_then_forgotten() -> None:
    clock = FakeClock()
    delay = DeliveryDelay(window=2.0, clock=clock)
    delay.observe(0.8)
    delay.observe(0.1)
    assert delay.seconds == 0.8
    clock.now = 2.5  # the next window still remembers the last one's worst
    assert delay.seconds == 0.8
    clock.now = 4.6
    assert delay.seconds == 0.0
