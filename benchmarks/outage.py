"""How fast a call comes back after its meeting server goes away and returns.

A `visio-desktop serve` subprocess on a fixed loopback port and two `join --headless
--synthetic` clients in a call; once each receives the other's video, the server is stopped,
stays down for the outage (5 and 9 s), and a new server starts on the same port. Measured from
the moment the new server answers: when each client is admitted again (`joined`), and when it
receives the other's video again (`first_remote_frame`). Medians over runs, the slower client
of each run. `--baseline PATH` runs the clients from another checkout too (for example the
commit before a change, in a git worktree), run for run, with ratios.

    .venv/bin/python benchmarks/outage.py [--runs 3] [--outages 5,9] [--baseline PATH]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from figures import machine, medians, ratio, report, visio

ROOM = "abc-defg-hij"
WAIT = 60.0


class Client:
    """A headless client whose JSON lines are read, with their arrival times, as they come."""

    def __init__(self, url: str, name: str, env: dict[str, str]) -> None:
        self.process = visio(
            "join", f"{url}/{ROOM}", "--headless", "--synthetic", "--name", name, env=env
        )
        self.lines: list[tuple[float, dict[str, Any]]] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append((time.monotonic(), json.loads(line)))
                self.changed.notify_all()

    def when(self, event: str, after: float, **fields: Any) -> float:
        """The arrival time of the first `event` line after `after` with these fields."""

        def found() -> float | None:
            for at, record in self.lines:
                matches = all(record.get(k) == v for k, v in fields.items())
                if at > after and record.get("event") == event and matches:
                    return at
            return None

        deadline = time.monotonic() + WAIT
        with self.changed:
            while (at := found()) is None:
                if not self.changed.wait(timeout=deadline - time.monotonic()):
                    raise RuntimeError(f"no {event} within {WAIT} s")
            return at

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(port: int) -> tuple[subprocess.Popen[str], str]:
    server = visio("serve", "--host", "127.0.0.1", "--port", str(port))
    assert server.stdout is not None
    return server, json.loads(server.stdout.readline())["url"]  # it answers from now on


def one_run(outage: float, env: dict[str, str]) -> dict[str, float]:
    port = free_port()
    server, url = serve(port)
    clients = [Client(url, f"Bench {n}", env) for n in range(2)]
    try:
        for client in clients:
            client.when("first_remote_frame", 0.0, kind="video")
        server.terminate()
        server.wait(timeout=30)
        time.sleep(outage)  # the outage itself, not synchronisation
        server, _ = serve(port)
        back = time.monotonic()
        joined = [client.when("joined", back) - back for client in clients]
        media = [client.when("first_remote_frame", back, kind="video") - back for client in clients]
    finally:
        for client in clients:
            client.stop()
        server.terminate()
        server.wait(timeout=30)
    return {"joined_again_s": max(joined), "media_again_s": max(media)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--outages", default="5,9", help="seconds the server stays down")
    parser.add_argument("--baseline", type=Path, help="another checkout's clients, run for run")
    args = parser.parse_args()
    outages = [float(x) for x in args.outages.split(",")]
    ours: dict[str, dict[str, Any]] = {}
    baseline: dict[str, dict[str, Any]] = {}
    for outage in outages:
        runs, base_runs = [], []
        for _ in range(args.runs):
            runs.append(one_run(outage, {}))
            if args.baseline is not None:
                base_runs.append(one_run(outage, {"PYTHONPATH": str(args.baseline.resolve())}))
        label = f"{outage:g}s"
        ours[label] = medians(runs)
        if base_runs:
            baseline[label] = medians(base_runs)
            for key in ("joined_again_s", "media_again_s"):
                ours[label][f"{key}_ratio_vs_baseline"] = ratio(
                    ours[label][key], baseline[label][key]
                )
    report(
        "outage",
        {
            "clients": "2 headless, synthetic 640x360 video, on 127.0.0.1",
            "runs": args.runs,
            "machine": machine(),
            "outage": ours,
            **({"baseline": {"checkout": str(args.baseline), **baseline}} if baseline else {}),
        },
    )


if __name__ == "__main__":
    main()
