"""Meetings through LiveKit (the SFU) beside the mesh, in the same run (issue 11).

Everything runs on 127.0.0.1: a livekit-server (the binary `./dev livekit` builds), a
`visio-desktop serve --livekit-url` front for it, a plain `visio-desktop serve` for the mesh,
and the clients, each a process of its own. Every process is stopped at the end, also on
Ctrl+C or SIGTERM.

SFU meetings of N participants are two measured full clients plus a cheap crowd of N - 2:
- "Sender": a full headless client (640x360@30 VP8 camera, Opus microphone, both synthetic)
  showing no tiles: its CPU is what sending costs (plus receiving the others' audio);
- "Viewer": a full headless client showing 9 tiles of 640x360 (a 3x3 grid on a 1920x1080
  screen), the Sender first: its CPU is what receiving 9 videos costs;
- the crowd (`sfu_crowd.py`): N - 2 LiveKit participants in one process, each publishing a
  640x360@30 camera, no microphone, subscribing to nothing; one VP8 encoder feeds them all.
At N = 2 the two clients show each other (the latency comparison). Mesh meetings are N full
clients (`mesh.py`'s), measured in the same run, for as many participants as fit.

Figures are medians over runs: CPU in cores (process CPU seconds per wall second, from
/proc), fps per shown tile, video latency p50/p95 from the stamp the synthetic pattern
carries, and join-to-first-frame. JSON on stdout, progress on stderr; the goals of issue 11
are printed with pass or fail.

    .venv/bin/python benchmarks/sfu.py [--runs 3] [--seconds 10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from mesh import one_run as mesh_run
from sfu_processes import (
    LIVEKIT,
    ROOT,
    Lines,
    livekit_server,
    python,
    room_slug,
    server_url,
    started,
    stop_process,
)

from figures import cpu_seconds, machine, medians, ratio, report, visio

SHOWN = 9
MESH_FITS = 4  # 2 cores: beyond 4, every mesh client runs N - 1 encoders at 640x360@30
GOAL_SEND_FLAT = 1.15
GOAL_LATENCY_MS = 5.0
GOAL_VIEWER_CORES = 1.0


def progress(text: str) -> None:
    print(f"[sfu {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def first_videos(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    def enough(lines: list[dict[str, Any]]) -> bool:
        frames = [r for r in lines if r["event"] == "first_remote_frame" and r["kind"] == "video"]
        return len(frames) >= count

    return enough


def sfu_run(
    url: str, size: int, seconds: float, workdir: Path, pids: dict[str, int]
) -> dict[str, Any]:
    room = room_slug()
    link = f"{url}/{room}"
    with ExitStack() as stack:
        crowd = None
        if size > 2:
            crowd = stack.enter_context(
                started(
                    python(
                        "sfu_crowd.py",
                        "--url", url, "--room", room, "--count", str(size - 2),
                        stdin=subprocess.PIPE,
                        stderr=(workdir / "crowd.stderr").open("w"),
                    ),
                )
            )  # fmt: skip
            Lines(crowd).until(lambda ls: any(r["event"] == "ready" for r in ls), 180, "the crowd")
        shows = {"Sender": 1 if size == 2 else 0, "Viewer": min(SHOWN, size - 1)}
        clients: dict[str, subprocess.Popen[str]] = {}
        lines: dict[str, Lines] = {}
        for name, show in shows.items():  # the Sender is in before the Viewer joins
            clients[name] = stack.enter_context(
                started(
                    python(
                        "sfu_client.py", link, "--name", name, "--show", str(show),
                        "--prefer", "Sender", "--stats-json", str(workdir / f"{name}.json"),
                        stderr=(workdir / f"{name}.stderr").open("w"),
                    )
                )
            )  # fmt: skip
            lines[name] = Lines(clients[name])
            lines[name].until(lambda ls: any(r["event"] == "joined" for r in ls), 60, f"{name}")
        for name, show in shows.items():
            lines[name].until(first_videos(show), 90, f"{show} tiles at the {name}")
        measured = {**clients, **({"crowd": crowd} if crowd else {})}
        watched = {name: p.pid for name, p in measured.items()} | pids
        before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        start = time.monotonic()
        time.sleep(seconds)  # the measurement window itself, not synchronisation
        wall = time.monotonic() - start
        cpu = {name: (cpu_seconds(pid) - before[name]) / wall for name, pid in watched.items()}
        for proc in clients.values():
            stop_process(proc)
    stats = {}
    for name, proc in clients.items():
        path = workdir / f"{name}.json"
        if not path.exists():
            tail = (workdir / f"{name}.stderr").read_text()[-2000:]
            raise RuntimeError(f"{name} exited with {proc.returncode} and no stats: {tail}")
        stats[name] = json.loads(path.read_text())["remote"]
    figures = sfu_figures(size, stats, cpu)
    rates = (
        [
            float(line.split()[2])
            for line in (workdir / "crowd.stderr").read_text().splitlines()
            if line.startswith("crowd encoder:")
        ]
        if size > 2
        else []
    )
    figures["crowd_encoder_kbit_s"] = rates[-1] if rates else None
    return figures


def sfu_figures(
    size: int, stats: dict[str, list[dict[str, Any]]], cpu: dict[str, float]
) -> dict[str, Any]:
    shown = [r for r in stats["Viewer"] if r["video_frames"] > 0]
    joining = [r for r in stats["Viewer"] if r["display_name"] == "Sender"]
    measured = list(joining)
    if size == 2:
        measured += [r for r in stats["Sender"] if r["display_name"] == "Viewer"]
    crowd = [r for r in shown if r["display_name"].startswith("Crowd")]

    def med(rows: list[dict[str, Any]], key: str) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return statistics.median(values) if values else None

    return {
        "sender_cpu": cpu["Sender"],
        "viewer_cpu": cpu["Viewer"],
        "crowd_process_cpu": cpu.get("crowd"),
        "livekit_cpu": cpu["livekit"],
        "front_cpu": cpu["front"],
        "tiles_receiving": len(shown),
        "tile_fps": med(shown, "video_fps"),
        "tile_fps_min": min((r["video_fps"] for r in shown), default=None),
        "latency_p50_ms": med(measured, "video_latency_p50_ms"),
        "latency_p95_ms": med(measured, "video_latency_p95_ms"),
        "crowd_tile_latency_p50_ms": med(crowd, "video_latency_p50_ms"),
        # The Viewer joins last, into a meeting where everyone already sends.
        "join_to_first_frame_s": med(joining, "first_video_after_join_s"),
        "crowd_tile_join_to_first_frame_s": med(crowd, "first_video_after_join_s"),
    }


def goals(sfu: dict[str, dict[str, Any]], mesh: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def verdict(value: float | None, passed: bool | None) -> dict[str, Any]:
        return {"value": value, "pass": None if value is None else passed}

    send_4 = sfu.get("4", {}).get("sender_cpu")
    send_16 = sfu.get("16", {}).get("sender_cpu")
    flat = ratio(send_16, send_4)
    mesh_growth = ratio(
        mesh.get("4", {}).get("cpu_per_client"), mesh.get("2", {}).get("cpu_per_client")
    )
    sfu_2 = sfu.get("2", {}).get("latency_p50_ms")
    mesh_2 = mesh.get("2", {}).get("latency_p50_ms")
    above = None if sfu_2 is None or mesh_2 is None else round(sfu_2 - mesh_2, 1)
    viewer = sfu.get("16", {}).get("viewer_cpu")
    return {
        "sfu_sender_cpu_n16_over_n4": {
            "goal": f"at most {GOAL_SEND_FLAT}x, where the mesh's grows with N",
            "mesh_cpu_per_client_n4_over_n2": mesh_growth,
            **verdict(flat, flat is not None and flat <= GOAL_SEND_FLAT),
        },
        "sfu_latency_p50_above_mesh_n2_ms": {
            "goal": f"at most {GOAL_LATENCY_MS} ms",
            **verdict(above, above is not None and above <= GOAL_LATENCY_MS),
        },
        "viewer_cpu_9_tiles_of_16_cores": {
            "goal": f"less than {GOAL_VIEWER_CORES} core",
            **verdict(viewer, viewer is not None and viewer < GOAL_VIEWER_CORES),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", default="2,4,8,16", help="SFU meeting sizes")
    parser.add_argument("--mesh-sizes", default="2,4", help="mesh meeting sizes that fit")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.seconds, args.sizes, args.mesh_sizes = 1, 4.0, "2,4", "2"
    sizes = [int(s) for s in args.sizes.split(",")]
    mesh_sizes = [int(s) for s in args.mesh_sizes.split(",")]
    if not LIVEKIT.is_file():
        sys.exit(f"{LIVEKIT} is missing: `./dev livekit` builds it")
    # The children run this checkout's code, whichever is installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup runs on SIGTERM too
    machine_before = machine()
    key, secret = "bench", secrets.token_urlsafe(32)
    sfu_runs: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    mesh_runs: dict[int, list[dict[str, Any]]] = {n: [] for n in mesh_sizes}
    failed: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="visio-bench-sfu-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        livekit_url, livekit_pid = stack.enter_context(livekit_server(workdir, key, secret))
        front = stack.enter_context(
            started(
                visio(
                    "serve", "--host", "127.0.0.1", "--port", "0", "--livekit-url", livekit_url,
                    "--max-participants", "20",
                    env={"LIVEKIT_API_KEY": key, "LIVEKIT_API_SECRET": secret},
                ),
            )
        )  # fmt: skip
        mesh_server = stack.enter_context(
            started(visio("serve", "--host", "127.0.0.1", "--port", "0"))
        )
        sfu_url, mesh_url = server_url(front), server_url(mesh_server)
        pids = {"livekit": livekit_pid, "front": front.pid}
        for run in range(args.runs):
            for size in mesh_sizes:
                progress(f"run {run + 1}/{args.runs}: mesh of {size}")
                with tempfile.TemporaryDirectory(dir=tmp) as one:
                    try:
                        mesh_runs[size].append(
                            mesh_run(mesh_url, size, args.seconds, Path(one), {})
                        )
                    except RuntimeError as exc:
                        failed.append({"plane": "mesh", "size": size, "why": str(exc)[:500]})
                        progress(f"failed: {exc}")
            for size in sizes:
                progress(f"run {run + 1}/{args.runs}: SFU of {size}")
                with tempfile.TemporaryDirectory(dir=tmp) as one:
                    try:
                        sfu_runs[size].append(sfu_run(sfu_url, size, args.seconds, Path(one), pids))
                    except RuntimeError as exc:
                        failed.append({"plane": "sfu", "size": size, "why": str(exc)[:500]})
                        progress(f"failed: {exc}")
    sfu = {str(n): {"runs": len(r), **medians(r)} for n, r in sfu_runs.items() if r}
    mesh = {str(n): {"runs": len(r), **medians(r)} for n, r in mesh_runs.items() if r}
    for label, figures in sfu.items():
        if label in mesh:
            figures["sender_cpu_ratio_vs_mesh_client"] = ratio(
                figures["sender_cpu"], mesh[label]["cpu_per_client"]
            )
            figures["latency_p50_ratio_vs_mesh"] = ratio(
                figures["latency_p50_ms"], mesh[label]["latency_p50_ms"]
            )
    skipped = {
        str(n): f"mesh of {n} needs {n - 1} VP8 decoders at 640x360@30 and {n - 1} packetised "
        f"sends of one encode in each of {n} client processes: more than 2 shared cores can run"
        for n in sizes
        if n > MESH_FITS and n not in mesh_sizes
    }
    report(
        "sfu",
        {
            "how": {
                "sfu": "livekit-server 1.13.5 behind `visio-desktop serve --livekit-url`; per "
                "meeting of N: 'Sender' (full headless client, 640x360@30 VP8 + Opus, synthetic, "
                "shows no tiles), 'Viewer' (full headless client, same media, shows "
                f"{SHOWN} tiles of 640x360, Sender first) and N-2 crowd participants from one "
                "process (sfu_crowd.py: LiveKit connections each publishing 640x360@30 VP8 "
                "from one shared encoder, keyframe every 1 s, no audio, no subscriptions); "
                "at N=2 Sender and Viewer show each other",
                "mesh": "N full headless clients at 640x360@30 on `visio-desktop serve` "
                "(benchmarks/mesh.py's run); cpu_per_client sends to and receives from N-1",
                "cpu": "process CPU seconds per wall second over the window (cores)",
                "crowd_encoder_kbit_s": "what the crowd's shared libvpx encoder (one "
                "thread, realtime, aimed at our camera encoder's 1.2 Mbit/s for 640x360) "
                "made of the synthetic pattern",
                "latency": "capture-to-receive from the synthetic stamp: Sender's tile at "
                "the Viewer (both directions at N=2)",
                "join_to_first_frame": "SFU: from the Viewer's join (the last to join) to "
                "the Sender's first frame on its screen; mesh: every client, all started at "
                "once",
            },
            "runs": args.runs,
            "window_s": args.seconds,
            "machine_before": machine_before,
            "machine_after": machine(),
            "goals": goals(sfu, mesh),
            "sfu": sfu,
            "mesh": mesh,
            "mesh_skipped": skipped,
            "failed_runs": failed,
        },
    )


if __name__ == "__main__":
    main()
