"""Mesh calls of N = 2, 3 and 4 headless clients at 640x360@30 on this machine.

Each client is its own `visio-desktop join --headless --synthetic` process on a `visio-desktop
serve` subprocess on 127.0.0.1. For each N and each run the script waits until every client
receives video from every other, measures for a fixed window, then reads each client's stats.
It prints one JSON document: medians over runs of receive fps, video latency p50/p95 (from the
stamps the synthetic pattern carries), CPU per client (process CPU seconds per wall second),
and join-to-first-remote-frame time; ratios are against N = 2 measured in the same run.

    .venv/bin/python benchmarks/mesh.py [--runs 3] [--seconds 10] [--sizes 2,3,4] [--stock]
        [--per-peer-encoders]

Baselines, each measured run for run beside ours (the same N, one after the other), with
ratios: --stock measures aiortc's own video jitter buffer (which holds each frame until the
next one starts) in place of ours (`rtc/frame_buffer.py`); --per-peer-encoders gives every
peer's camera and microphone senders their own encoders, as before the shared encodes
(`rtc/shared_encoder.py`, `rtc/shared_opus.py`), by setting VISIO_PER_PEER_CAMERA_ENCODERS=1 in
the clients (the figures keep the name per_peer_camera_encoders).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from figures import cpu_seconds, machine, medians, ratio, report, visio

ROOM = "abc-defg-hij"


def read_until(
    proc: subprocess.Popen[str], predicate: Any, deadline: float
) -> list[dict[str, Any]]:
    """Lines of `proc` up to and including the first one for which predicate(lines) holds."""
    assert proc.stdout is not None
    lines: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(json.loads(line))
        if predicate(lines):
            return lines
    raise RuntimeError(f"timed out; saw {[r.get('event') for r in lines]}")


def one_run(
    url: str,
    size: int,
    seconds: float,
    workdir: Path,
    env: dict[str, str],
) -> dict[str, float]:
    clients = [
        visio(
            "join",
            f"{url}/{ROOM}",
            "--headless",
            "--synthetic",
            "--name",
            f"Bench {n}",
            "--video-size",
            "640x360",
            "--fps",
            "30",
            "--stats-json",
            str(workdir / f"{n}.json"),
            stderr=(workdir / f"{n}.stderr").open("w"),
            env=env,
        )
        for n in range(size)
    ]
    try:
        deadline = time.monotonic() + 60
        first_frames: list[float] = []
        for client in clients:
            lines = read_until(
                client,
                lambda ls: (
                    sum(
                        1 for r in ls if r["event"] == "first_remote_frame" and r["kind"] == "video"
                    )
                    >= size - 1
                ),
                deadline,
            )
            first_frames += [
                r["seconds_after_join"]
                for r in lines
                if r["event"] == "first_remote_frame" and r["kind"] == "video"
            ]
        start_cpu = [cpu_seconds(c.pid) for c in clients]
        start = time.monotonic()
        time.sleep(seconds)  # the measurement window itself, not synchronisation
        wall = time.monotonic() - start
        cpu = [(cpu_seconds(c.pid) - s) / wall for c, s in zip(clients, start_cpu, strict=True)]
    finally:
        for client in clients:
            client.terminate()
        for client in clients:
            client.wait(timeout=30)
    for n, client in enumerate(clients):
        if not (workdir / f"{n}.json").exists():
            raise RuntimeError(
                f"client {n} exited with {client.returncode} and no stats: "
                + (workdir / f"{n}.stderr").read_text()[-2000:]
            )
    remote = [
        r for n in range(size) for r in json.loads((workdir / f"{n}.json").read_text())["remote"]
    ]
    return {
        "receive_fps": statistics.median(r["video_fps"] for r in remote),
        "latency_p50_ms": statistics.median(r["video_latency_p50_ms"] for r in remote),
        "latency_p95_ms": statistics.median(r["video_latency_p95_ms"] for r in remote),
        "cpu_per_client": statistics.median(cpu),
        "cpu_per_client_max": max(cpu),
        "join_to_first_frame_s": statistics.median(first_frames),
    }


# The baselines a run can measure beside ours: the environment each gives the clients.
BASELINES = {
    "stock": ("stock_aiortc_video_buffer", {"VISIO_STOCK_VIDEO_BUFFER": "1"}),
    "per_peer_encoders": ("per_peer_camera_encoders", {"VISIO_PER_PEER_CAMERA_ENCODERS": "1"}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", default="2,3,4")
    parser.add_argument(
        "--stock",
        action="store_true",
        help="also measure aiortc's own video jitter buffer, run for run beside ours",
    )
    parser.add_argument(
        "--per-peer-encoders",
        action="store_true",
        help="also measure one camera and one Opus encoder per peer, run for run beside ours",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    variants: dict[str, dict[str, str]] = {"ours": {}}
    variants.update({label: env for flag, (label, env) in BASELINES.items() if getattr(args, flag)})

    server = visio("serve", "--host", "127.0.0.1", "--port", "0")
    try:
        assert server.stdout is not None
        url = json.loads(server.stdout.readline())["url"]
        measured: dict[str, dict[str, dict[str, Any]]] = {label: {} for label in variants}
        for size in sizes:
            runs: dict[str, list[dict[str, float]]] = {label: [] for label in variants}
            for _ in range(args.runs):
                for label, env in variants.items():
                    with tempfile.TemporaryDirectory() as workdir:
                        runs[label].append(one_run(url, size, args.seconds, Path(workdir), env))
            for label, done in runs.items():
                measured[label][str(size)] = medians(done)
    finally:
        server.terminate()
        server.wait(timeout=30)

    results = measured.pop("ours")
    baseline = results[str(sizes[0])]
    for figures in results.values():
        for key in ("cpu_per_client", "latency_p50_ms", "receive_fps"):
            figures[f"{key}_ratio_vs_n{sizes[0]}"] = ratio(figures[key], baseline[key])
    for label, other in measured.items():
        for size_label, theirs in other.items():
            ours = results[size_label]
            for key in ("cpu_per_client", "latency_p50_ms", "latency_p95_ms", "receive_fps"):
                ours[f"{key}_ratio_vs_{label}"] = ratio(ours[key], theirs[key])
    report(
        "mesh",
        {
            "video": "640x360@30 VP8, audio Opus 48 kHz, synthetic sources",
            "camera_encoders": "one shared by all peers",
            "opus_encoders": "one shared by all peers",
            "runs_per_size": args.runs,
            "window_s": args.seconds,
            "machine": machine(),
            "participants": results,
            **measured,
        },
    )


if __name__ == "__main__":
    main()
