"""Captions on this machine: recognition speed, caption latency, memory, CPU beside a call.

For each speech model available (Whisper base from its packages, and any other installed):
- real-time factor of `captions transcribe`'s pipeline on 1 and 2 threads (CPU wall time /
  audio time), with the encoder window we use (audio + 1 s, at least 10 s) and, as the baseline
  measured in the same run, Whisper's standard 30 s window;
- live latency: a captions worker fed 20 ms blocks of 48 kHz audio in real time from a WAV of
  espeak-ng sentences separated by 2 s of silence; first partial after speech starts and final
  after speech ends, from the audio position of the start/end of each sentence (found from
  the signal's energy) to the event's arrival in this process;
- the worker's peak memory (VmHWM) and CPU share (CPU seconds per wall second);
- the same live figures while a 3-person call runs on this machine (a `visio-desktop serve`
  and three `join --headless --synthetic` clients), with the clients' CPU share.
Prints one JSON document with medians over runs.

    .venv/bin/python benchmarks/captions.py [--runs 3] [--no-call] [--models whisper-base]
                                            [--live-threads 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from visio_desktop.captions.audio import SAMPLE_RATE, Audio, read_wav
from visio_desktop.captions.events import CaptionEvent, CaptionSegment, WorkerError, WorkerReady
from visio_desktop.captions.models import available_models, find_model
from visio_desktop.captions.pipeline import CaptionPipeline
from visio_desktop.captions.recognizer import WhisperRecognizer
from visio_desktop.captions.transcript import word_error_rate
from visio_desktop.captions.vad import SileroVad
from visio_desktop.captions.worker import CaptionWorker, WorkerConfig

from figures import cpu_seconds, machine, median, medians, ratio, report, visio

SENTENCES = (
    "The meeting will start in a few minutes.",
    "Please bring the quarterly report and your laptop.",
    "We need to review the budget before the end of the month.",
    "Let us move on to the next item on the agenda.",
    "Thank you all for joining the call today.",
)
GAP_S = 2.0
ROOM = "abc-defg-hij"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def speech_audio(folder: Path) -> tuple[Audio, list[tuple[float, float]]]:
    """The sentences with GAP_S of silence around each; each sentence's speech (start, end)."""
    parts: list[Audio] = [np.zeros(SAMPLE_RATE, np.float32)]
    spans = []
    position = SAMPLE_RATE
    for index, sentence in enumerate(SENTENCES):
        path = folder / f"s{index}.wav"
        subprocess.run(["espeak-ng", "-v", "en", "-w", str(path), sentence], check=True)
        clip = read_wav(path)
        loud = np.flatnonzero(np.abs(clip) > 0.02)
        spans.append(((position + loud[0]) / SAMPLE_RATE, (position + loud[-1]) / SAMPLE_RATE))
        parts += [clip, np.zeros(round(GAP_S * SAMPLE_RATE), np.float32)]
        position += len(clip) + round(GAP_S * SAMPLE_RATE)
    return np.concatenate(parts), spans


def real_time_factor(model: Path, audio: Audio, threads: int, window_s: float) -> float:
    recognizer = WhisperRecognizer(model, cpu_threads=threads, min_window_s=window_s)
    pipeline = CaptionPipeline(SileroVad(), recognizer, language="en")
    start = time.perf_counter()
    pipeline.transcribe(audio)
    return (time.perf_counter() - start) / (len(audio) / SAMPLE_RATE)


def live_run(
    model: Path, audio: Audio, spans: list[tuple[float, float]], threads: int
) -> dict[str, float]:
    pcm = np.repeat((audio * 32767).astype(np.int16), 3)  # 48 kHz, as a track gives it
    arrivals: list[tuple[float, CaptionEvent]] = []
    ready = threading.Event()

    def on_event(event: CaptionEvent) -> None:
        arrivals.append((time.monotonic(), event))
        if isinstance(event, WorkerReady | WorkerError):
            ready.set()

    worker = CaptionWorker(WorkerConfig(model=str(model), language="en", cpu_threads=threads))
    worker.start(on_event)
    if not ready.wait(120) or not isinstance(arrivals[-1][1], WorkerReady):
        raise RuntimeError(f"worker did not start: {arrivals}")
    assert worker.pid is not None
    cpu0, t0 = cpu_seconds(worker.pid), time.monotonic()
    for index, offset in enumerate(range(0, len(pcm), 960)):
        delay = t0 + index * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # real-time pacing of the source, as a microphone would
        worker.feed(pcm[offset : offset + 960])
    wall = time.monotonic() - t0
    cpu = (cpu_seconds(worker.pid) - cpu0) / wall
    peak = peak_rss_mb(worker.pid)
    worker.stop()
    segments = [(t - t0, e) for t, e in arrivals if isinstance(e, CaptionSegment)]
    first_partial, final, texts = [], [], []
    for start, end in spans:
        mine = [(t, e) for t, e in segments if e.start <= end and e.end >= start]
        partials = [t for t, e in mine if not e.final]
        finals = [(t, e) for t, e in mine if e.final]
        if partials:
            first_partial.append(partials[0] - start)
        if finals:
            final.append(finals[0][0] - end)
            texts.append(finals[0][1].text)
    return {
        "first_partial_latency_s": statistics.median(first_partial),
        "final_latency_s": statistics.median(final),
        "final_latency_max_s": max(final),
        "finals_within_1s": sum(f <= 1.0 for f in final) / len(spans),
        "wer": word_error_rate(" ".join(SENTENCES), " ".join(texts)),
        "worker_cpu_share": cpu,
        "worker_peak_rss_mb": peak,
    }


class Call:
    """A meeting server and three headless synthetic clients, all receiving each other."""

    def __init__(self) -> None:
        self.server = visio("serve", "--host", "127.0.0.1", "--port", "0")
        assert self.server.stdout is not None
        url = json.loads(self.server.stdout.readline())["url"]
        self.clients = [
            visio("join", f"{url}/{ROOM}", "--headless", "--synthetic", "--name", f"Bench {n}")
            for n in range(3)
        ]
        deadline = time.monotonic() + 60
        for client in self.clients:
            assert client.stdout is not None
            seen = 0
            while seen < 2 and time.monotonic() < deadline:
                line = client.stdout.readline()
                if not line:
                    raise RuntimeError("a call client exited")
                record = json.loads(line)
                seen += (
                    record.get("event") == "first_remote_frame" and record.get("kind") == "video"
                )
        self.cpu0 = [cpu_seconds(c.pid) for c in self.clients]
        self.t0 = time.monotonic()

    def cpu_share(self) -> float:
        wall = time.monotonic() - self.t0
        return (
            sum(cpu_seconds(c.pid) - s for c, s in zip(self.clients, self.cpu0, strict=True)) / wall
        )

    def close(self) -> None:
        for process in [*self.clients, self.server]:
            process.terminate()
        for process in [*self.clients, self.server]:
            process.wait(timeout=30)


def locate(name: str, scratch: Path) -> Path | None:
    """An installed model's folder; a package-carried one is assembled into `scratch`."""
    for model in available_models():
        if model.name == name and model.path is not None:
            return model.path
    return find_model(name, scratch)


def bench_model(
    model: Path, audio: Audio, spans: list[tuple[float, float]], args: argparse.Namespace
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for threads in (1, 2):
        for name, window in (("window_10s", 10.0), ("window_30s_baseline", 30.0)):
            rtf = [real_time_factor(model, audio, threads, window) for _ in range(args.runs)]
            figures[f"rtf_{threads}_threads_{name}"] = median(rtf)
        figures[f"rtf_{threads}_threads_ratio_vs_30s"] = ratio(
            figures[f"rtf_{threads}_threads_window_10s"],
            figures[f"rtf_{threads}_threads_window_30s_baseline"],
        )
    figures["live_idle"] = medians(
        [live_run(model, audio, spans, args.live_threads) for _ in range(args.runs)]
    )
    if args.call:
        call = Call()
        try:
            runs = [live_run(model, audio, spans, args.live_threads) for _ in range(args.runs)]
            call_cpu = call.cpu_share()
        finally:
            call.close()
        figures["live_during_3_person_call"] = {
            **medians(runs),
            "call_clients_cpu_share": round(call_cpu, 3),
        }
        figures["final_latency_ratio_call_vs_idle"] = ratio(
            figures["live_during_3_person_call"]["final_latency_s"],
            figures["live_idle"]["final_latency_s"],
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-call", dest="call", action="store_false")
    parser.add_argument("--models", help="comma-separated names or folders (default: all found)")
    parser.add_argument("--live-threads", type=int, default=2, help="worker CPU threads (live)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        names = args.models.split(",") if args.models else [m.name for m in available_models()]
        models = {name: locate(name, folder / "models") for name in names}
        audio, spans = speech_audio(folder)
        results = {
            name: bench_model(path, audio, spans, args) for name, path in models.items() if path
        }
    report(
        "captions",
        {
            "audio": f"{len(SENTENCES)} espeak-ng English sentences, {GAP_S} s gaps, "
            f"{len(audio) / SAMPLE_RATE:.1f} s, fed as 20 ms 48 kHz blocks in real time",
            "segmenter": "partials every 1.0 s, final after 0.5 s of silence, "
            "pre-final decode at 0.2 s",
            "runs": args.runs,
            "live_worker_threads": args.live_threads,
            "machine": machine(),
            "models": results,
        },
    )


if __name__ == "__main__":
    main()
