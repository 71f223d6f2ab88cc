"""The processes `sfu.py` runs, all on 127.0.0.1: a livekit-server on free ports, our
servers and clients as Python processes, and their JSON lines read with deadlines. Each is
stopped when its block ends, however it ends."""

from __future__ import annotations

import json
import os
import queue
import random
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
LIVEKIT = Path(os.environ.get("VISIO_LIVEKIT_SERVER", ROOT / ".tools" / "livekit-server-1.13.5"))


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def room_slug() -> str:
    letters = random.choices(string.ascii_lowercase, k=10)
    return "".join(letters[:3]) + "-" + "".join(letters[3:7]) + "-" + "".join(letters[7:])


def stop_process(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def started(proc: subprocess.Popen[Any]) -> Iterator[subprocess.Popen[Any]]:
    """`proc`, stopped when the block ends however it ends."""
    try:
        yield proc
    finally:
        stop_process(proc)


@contextmanager
def livekit_server(workdir: Path, key: str, secret: str) -> Iterator[tuple[str, int]]:
    """A livekit-server on free loopback ports: its ws:// URL and process id."""
    port = free_port()
    config = workdir / "livekit.yaml"
    config.write_text(
        f"port: {port}\n"
        "bind_addresses: [127.0.0.1]\n"
        "rtc:\n"
        "  node_ip: 127.0.0.1\n"
        "  use_external_ip: false\n"
        f"  udp_port: {free_port(socket.SOCK_DGRAM)}\n"
        f"  tcp_port: {free_port()}\n"
        f"keys:\n  {key}: {secret}\n"
        "logging:\n  level: " + os.environ.get("BENCH_LIVEKIT_LOG", "warn") + "\n"
    )
    log = (workdir / "livekit.log").open("wb")
    proc = subprocess.Popen(
        [str(LIVEKIT), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("livekit-server did not start; see its log") from None
                time.sleep(0.1)  # polling a server that is starting
        yield f"ws://127.0.0.1:{port}", proc.pid
    finally:
        stop_process(proc)
        log.close()


def server_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the server exited with {proc.wait()}")
    return str(json.loads(line)["url"])


def python(script: str, *args: str, stdin: int | None = None, stderr: Any = None) -> Any:
    return subprocess.Popen(
        [sys.executable, str(HERE / script), *args],
        stdout=subprocess.PIPE,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
        text=True,
    )


class Lines:
    """A process's JSON lines, read on a thread of its own, so that waiting for one has a
    deadline even when the process prints nothing."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.seen: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self._queue.put(json.loads(line))
            except ValueError:
                continue
        self._queue.put(None)

    def until(
        self, done: Callable[[list[dict[str, Any]]], bool], seconds: float, what: str
    ) -> None:
        deadline = time.monotonic() + seconds
        while not done(self.seen):
            try:
                record = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"timed out waiting for {what}") from None
            if record is None:
                raise RuntimeError(f"exited with {self.proc.wait()} before {what}")
            self.seen.append(record)
