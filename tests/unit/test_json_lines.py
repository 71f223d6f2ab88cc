"""The headless printer never makes the engine thread wait for a slow reader of stdout."""

from __future__ import annotations

import io
import json
import threading

from visio_desktop.headless import JsonLines


class GatedStream(io.StringIO):
    """A stdout whose reader is stuck until the gate opens."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def write(self, text: str) -> int:
        self.gate.wait()
        return super().write(text)


def test_writes_never_block_and_overflow_is_counted() -> None:

    stream = GatedStream()
    out = JsonLines(stream, capacity=3)
    for n in range(10):  # returns at once although nothing can be printed yet
        out.write({"event": "n", "n": n})
    stream.gate.set()
    out.close()
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    printed = [r["n"] for r in records if r["event"] == "n"]
    dropped = sum(r["count"] for r in records if r["event"] == "dropped_lines")
    assert printed == sorted(printed) and printed[:3] == [0, 1, 2]
    assert len(printed) + dropped == 10 and dropped > 0


def test_a_reader_that_went_away_is_not_an_error() -> None:

    stream = io.StringIO()
    stream.close()
    out = JsonLines(stream)
    out.write({"event": "x"})
    out.close()  # no exception, the thread ends
