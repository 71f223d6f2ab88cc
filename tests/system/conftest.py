"""Real processes: a `visio-desktop serve` subprocess on 127.0.0.1 and headless clients."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

WAIT = 30.0
ROOM = "abc-defg-hij"


class Proc:
    """A visio-desktop process whose JSON stdout lines are read on a thread into a queue."""

    def __init__(self, args: list[str], log_dir: Path, name: str) -> None:
        self.name = name
        self.stderr_path = log_dir / f"{name}.stderr"
        self._stderr = self.stderr_path.open("w")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "visio_desktop", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"event": "unparsed", "line": line})
        self.lines.put(None)

    def wait_for(
        self,
        event: str,
        where: Callable[[dict[str, Any]], bool] = lambda r: True,
        timeout: float = WAIT,
    ) -> dict[str, Any]:
        """The first line of `event` matching `where`, waiting up to `timeout` seconds."""
        for seen in self.seen:
            if seen.get("event") == event and where(seen):
                self.seen.remove(seen)
                return seen
        deadline = time.monotonic() + timeout
        while True:
            record: dict[str, Any] | None
            try:
                record = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(
                    f"{self.name}: no {event} in {timeout} s; {self.tail()}"
                ) from None
            if record is None:
                self.lines.put(None)
                raise AssertionError(f"{self.name} exited before {event}; {self.tail()}")
            if record.get("event") == event and where(record):
                return record
            self.seen.append(record)

    def tail(self) -> str:
        self._stderr.flush()
        return "stderr: " + self.stderr_path.read_text()[-1500:]

    def exit_code(self) -> int:
        """Wait for the process to end by itself."""
        try:
            return self.popen.wait(timeout=WAIT)
        finally:
            self._stderr.close()

    def terminate(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=WAIT)
        finally:
            self._stderr.close()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[..., Proc]]:
    started: list[Proc] = []

    def start(*args: str, name: str) -> Proc:
        proc = Proc(list(args), tmp_path, name)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()


@pytest.fixture
def server_url(processes: Callable[..., Proc]) -> str:
    server = processes("serve", "--host", "127.0.0.1", "--port", "0", name="server")
    return str(server.wait_for("listening")["url"])


def frame_from(participant_id: str, kind: str = "video") -> Callable[[dict[str, Any]], bool]:
    """Matches the first_remote_frame line of `kind` from `participant_id`."""
    return lambda r: (r["participant_id"], r["kind"]) == (participant_id, kind)


def client_args(url: str, name: str, *extra: str) -> list[str]:
    return [
        "join",
        f"{url}/{ROOM}",
        "--headless",
        "--name",
        name,
        "--synthetic",
        "--video-size",
        "320x180",
        "--fps",
        "15",
        *extra,
    ]
