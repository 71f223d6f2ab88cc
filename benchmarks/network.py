"""Video and audio through a faulty path: at 0, 1, 5 and 10 % RTP loss, video's receive fps
and latency, and how audio frames played (from the packet, from FEC, concealed, or missing).

Two sessions in this process (Alice sends a 640x360@30 synthetic camera, Bob receives) meet on
the embedded server on 127.0.0.1. Once Bob has Alice's first frame, a seeded random share of
the packets Alice's transport sends to Bob is dropped (retransmissions included; the faults
come from `rtc/shaper.py`, seeded per run, and `--jitter-ms` adds delay jitter, which
reorders packets too), and Bob's figures are read over a fixed window. Each loss rate runs
with our frame buffer (`rtc/frame_buffer.py`) and, run for run, with aiortc's own
(`--no-stock` skips it); ratios are ours over stock. The kernel here has no netem, so the
faults are made at the sender.

Audio (`--only audio`): Alice sends a synthetic tone (0.4 s on, 0.6 s off) with our encoder
(FEC, DTX: `rtc/opus_sender.py`); Bob's stand-in speakers pull it through our jitter buffer
(`rtc/audio_receive.py`). Of the packets Alice sent in the window: the share played from the
packet itself, from the next packet's FEC, concealed in its place, and missing (never played);
`concealed_extra_pct` counts the frames of concealment played while a late packet was awaited.
Stock is aiortc's own audio path at both ends (its encoder, jitter buffer and decoder), whose
frames all come from packets, the rest missing.

    .venv/bin/python benchmarks/network.py [--runs 3] [--seconds 8] [--loss 0,1,5,10]
        [--jitter-ms 0] [--only video|audio]
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
from visio_desktop.media.audio_processing import EchoReference
from visio_desktop.media.playout import PacedOutputStream, Playout
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc import mesh
from visio_desktop.rtc.shaper import PathFaults, Shaper, shape_transport
from visio_desktop.server.runner import EmbeddedServer

from figures import machine, medians, ratio, report

WAIT = 30.0


class Events:
    def __init__(self, kind: str = "video") -> None:
        self.kind = kind
        self.joined: ev.Joined | None = None
        self.first_frame = threading.Event()
        self.changed = threading.Event()

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.Joined):
            self.joined = event
            self.changed.set()
        elif isinstance(event, ev.FirstRemoteFrame) and event.kind == self.kind:
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


def one_audio_run(
    engine: EngineThread, url: str, faults: PathFaults, seconds: float
) -> dict[str, Any]:
    link = parse_link(f"{url}/abc-defg-hij")
    alice_events, bob_events = Events("audio"), Events("audio")
    playout = Playout(EchoReference())
    playout.set_output(PacedOutputStream.factory(), "stand-in speakers")
    alice, bob = Session(engine, alice_events), Session(engine, bob_events, audio_out=playout)
    tone = SyntheticSources("Alice")
    alice.join(link, "Alice", MediaOptions(audio=True, sources=tone)).result(WAIT)
    alice_id = alice_events.self_id()
    bob.join(link, "Bob", MediaOptions()).result(WAIT)
    bob_id = bob_events.self_id()
    paths: list[Shaper] = []
    try:
        if not bob_events.first_frame.wait(WAIT):
            raise RuntimeError("Bob never heard Alice")

        async def lossy() -> None:
            meeting = alice._meeting  # the benchmark's fault injection into the connection
            plane = meeting.plane if meeting is not None else None
            assert isinstance(plane, mesh.MeshCall)
            pc = plane.connection(bob_id)
            assert pc is not None
            paths.append(shape_transport(pc.getTransceivers()[0].sender.transport, faults))

        engine.submit(lossy()).result(WAIT)
        before = {s.participant_id: s for s in bob.stats().result(WAIT)}[alice_id]
        time.sleep(seconds)  # the measurement window itself, not synchronisation
        after = {s.participant_id: s for s in bob.stats().result(WAIT)}[alice_id]
        sent = paths[0].figures.sent
    finally:
        alice.leave().result(WAIT)
        bob.leave().result(WAIT)
        playout.close()
    if after.audio_real or after.audio_lost:  # our buffer counted how each frame played
        real = after.audio_real - before.audio_real
        fec = after.audio_fec - before.audio_fec
        lost = after.audio_lost - before.audio_lost
        concealed = after.audio_concealed - before.audio_concealed
    else:  # aiortc's: every frame it decoded came from a packet
        real, fec, lost, concealed = after.audio_frames - before.audio_frames, 0, 0, 0
    in_place = lost - fec  # lost packets played as concealment
    share = 100 / sent if sent else 0.0
    return {
        "packets_sent": sent,
        "real_pct": real * share,
        "fec_pct": fec * share,
        "concealed_pct": in_place * share,
        "missing_pct": max(0, sent - real - lost) * share,
        "real_or_fec_pct": (real + fec) * share,
        "concealed_extra_pct": max(0, concealed - in_place) * share,
    }


def run_losses(
    engine: EngineThread, url: str, args: argparse.Namespace, kind: str
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Ours and stock at each loss rate: (ours, stock), each by loss label."""
    measure = one_audio_run if kind == "audio" else one_run
    ours: dict[str, dict[str, Any]] = {}
    stock: dict[str, dict[str, Any]] = {}
    for loss in [float(x) for x in args.loss.split(",")]:
        runs, stock_runs = [], []
        for run in range(args.runs):
            faults = PathFaults(loss=loss / 100, jitter_ms=args.jitter_ms, seed=run)
            _use_stock(kind, False)
            runs.append(measure(engine, url, faults, args.seconds))
            if not args.no_stock:
                _use_stock(kind, True)
                stock_runs.append(measure(engine, url, faults, args.seconds))
        _use_stock(kind, False)
        label = f"{loss:g}%"
        ours[label] = medians(runs)
        if stock_runs:
            stock[label] = medians(stock_runs)
            keys = ("real_or_fec_pct",) if kind == "audio" else VIDEO_RATIOS
            for key in keys:
                ours[label][f"{key}_ratio_vs_stock"] = ratio(ours[label][key], stock[label][key])
    return ours, stock


VIDEO_RATIOS = ("receive_fps", "latency_p50_ms", "latency_p95_ms")


def _use_stock(kind: str, stock: bool) -> None:
    if kind == "audio":
        mesh.STOCK_AUDIO_BUFFER = stock
    else:
        mesh.STOCK_VIDEO_BUFFER = stock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--loss", default="0,1,5,10", help="percentages of RTP packets lost")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="on top of the loss")
    parser.add_argument("--no-stock", action="store_true", help="skip aiortc's own buffer")
    parser.add_argument("--only", choices=("video", "audio"), help="one kind (default: both)")
    args = parser.parse_args()
    server, engine = EmbeddedServer(), EngineThread("network-bench")
    server.start()
    engine.start()
    results: dict[str, Any] = {}
    try:
        for kind in ("video", "audio"):
            if args.only in (None, kind):
                ours, stock = run_losses(engine, server.base_url, args, kind)
                results[kind] = {"loss": ours, **({"stock_aiortc": stock} if stock else {})}
    finally:
        mesh.STOCK_VIDEO_BUFFER = mesh.STOCK_AUDIO_BUFFER = False
        engine.stop()
        server.stop()
    report(
        "network",
        {
            "video_source": "640x360@30 VP8, synthetic camera, one sender, one receiver",
            "audio_source": "Opus, synthetic tone 0.4 s on 0.6 s off, stand-in speakers",
            "jitter_ms": args.jitter_ms,
            "runs": args.runs,
            "window_s": args.seconds,
            "machine": machine(),
            **results,
        },
    )


if __name__ == "__main__":
    main()
