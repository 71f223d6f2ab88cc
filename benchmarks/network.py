"""Video through a faulty path: receive fps and latency at 0, 1, 5 and 10 % RTP loss.

Two sessions in this process (Alice sends a 640x360@30 synthetic camera, Bob receives) meet on
the embedded server on 127.0.0.1. Once Bob has Alice's first frame, a seeded random share of
the packets Alice's transport sends to Bob is dropped (retransmissions included; the faults
come from `rtc/shaper.py`, seeded per run, and `--jitter-ms` adds delay jitter, which
reorders packets too), and Bob's figures are read over a fixed window. Each loss rate runs
with our frame buffer (`rtc/frame_buffer.py`) and, run for run, with aiortc's own
(`--no-stock` skips it); ratios are ours over stock. The kernel here has no netem, so the
faults are made at the sender.

    .venv/bin/python benchmarks/network.py [--runs 3] [--seconds 8] [--loss 0,1,5,10]
        [--jitter-ms 0]
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

from visio_desktop.core.links import parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc import mesh
from visio_desktop.rtc.shaper import PathFaults, shape_transport
from visio_desktop.server.runner import EmbeddedServer

from figures import machine, medians, ratio, report

WAIT = 30.0


class Events:
    def __init__(self) -> None:
        self.joined: ev.Joined | None = None
        self.first_frame = threading.Event()
        self.changed = threading.Event()

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.Joined):
            self.joined = event
            self.changed.set()
        elif isinstance(event, ev.FirstRemoteFrame) and event.kind == "video":
            self.first_frame.set()

    def self_id(self) -> str:
        if not self.changed.wait(WAIT) or self.joined is None:
            raise RuntimeError("no Joined event")
        return self.joined.self_id


def one_run(engine: EngineThread, url: str, faults: PathFaults, seconds: float) -> dict[str, Any]:
    link = parse_link(f"{url}/abc-defg-hij")
    alice_events, bob_events = Events(), Events()
    alice, bob = Session(engine, alice_events), Session(engine, bob_events)
    camera = SyntheticSources("Alice", width=640, height=360, fps=30)
    alice.join(link, "Alice", MediaOptions(video=True, sources=camera)).result(WAIT)
    alice_id = alice_events.self_id()
    bob.join(link, "Bob", MediaOptions()).result(WAIT)
    bob_id = bob_events.self_id()
    try:
        if not bob_events.first_frame.wait(WAIT):
            raise RuntimeError("Bob never saw Alice")

        async def lossy() -> None:
            meeting = alice._meeting  # the benchmark's fault injection into the connection
            plane = meeting.plane if meeting is not None else None
            assert isinstance(plane, mesh.MeshCall)
            pc = plane.connection(bob_id)
            assert pc is not None
            shape_transport(pc.getTransceivers()[0].sender.transport, faults)

        engine.submit(lossy()).result(WAIT)
        before = {s.participant_id: s for s in bob.stats().result(WAIT)}[alice_id]
        start = time.monotonic()
        time.sleep(seconds)  # the measurement window itself, not synchronisation
        wall = time.monotonic() - start
        after = {s.participant_id: s for s in bob.stats().result(WAIT)}[alice_id]
    finally:
        alice.leave().result(WAIT)
        bob.leave().result(WAIT)
    return {
        # A connection the watchdog replaced counts its frames from zero again.
        "receive_fps": (
            after.video_frames - before.video_frames
            if after.video_frames >= before.video_frames
            else after.video_frames
        )
        / wall,
        "latency_p50_ms": after.video_latency_p50_ms,
        "latency_p95_ms": after.video_latency_p95_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--loss", default="0,1,5,10", help="percentages of RTP packets lost")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="on top of the loss")
    parser.add_argument("--no-stock", action="store_true", help="skip aiortc's own buffer")
    args = parser.parse_args()
    losses = [float(x) for x in args.loss.split(",")]
    server, engine = EmbeddedServer(), EngineThread("network-bench")
    server.start()
    engine.start()
    ours: dict[str, dict[str, Any]] = {}
    stock: dict[str, dict[str, Any]] = {}
    try:
        for loss in losses:
            runs, stock_runs = [], []
            for run in range(args.runs):
                faults = PathFaults(loss=loss / 100, jitter_ms=args.jitter_ms, seed=run)
                mesh.STOCK_VIDEO_BUFFER = False
                runs.append(one_run(engine, server.base_url, faults, args.seconds))
                if not args.no_stock:
                    mesh.STOCK_VIDEO_BUFFER = True
                    stock_runs.append(one_run(engine, server.base_url, faults, args.seconds))
            label = f"{loss:g}%"
            ours[label] = medians(runs)
            if stock_runs:
                stock[label] = medians(stock_runs)
                for key in ("receive_fps", "latency_p50_ms", "latency_p95_ms"):
                    ours[label][f"{key}_ratio_vs_stock"] = ratio(
                        ours[label][key], stock[label][key]
                    )
    finally:
        mesh.STOCK_VIDEO_BUFFER = False
        engine.stop()
        server.stop()
    report(
        "network",
        {
            "video": "640x360@30 VP8, synthetic camera, one sender, one receiver",
            "jitter_ms": args.jitter_ms,
            "runs": args.runs,
            "window_s": args.seconds,
            "machine": machine(),
            "loss": ours,
            **({"stock_aiortc_video_buffer": stock} if stock else {}),
        },
    )


if __name__ == "__main__":
    main()
