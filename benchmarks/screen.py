"""Screen sharing costs and quality on this machine, as one JSON document.

- capture: x11grab of a private Xvfb screen (1920x1080) through our ScreenTrack at 5, 10 and
  15 fps: process CPU per wall second and frames delivered.
- encode: a page of text (drawn with Qt) that scrolls by one line every second, at 1920x1080
  and 10 fps, through our text-friendly ScreenVp8Encoder and, as the baseline in the same run,
  aiortc's own Vp8Encoder at its start bitrate and at its ceiling. Encode CPU per frame, the
  bitrate actually produced, and the luma PSNR of the decoded frames (how readable text stays).

Medians over runs. CPU figures are noisy when other jobs share the machine.

    .venv/bin/python benchmarks/screen.py [--runs 3] [--seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiortc.codecs.vpx import Vp8Decoder, Vp8Encoder, vp8_depayload
from aiortc.jitterbuffer import JitterFrame
from av import VideoFrame
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from tests.xvfb import running_xvfb
from visio_desktop.media.screen import ScreenOpener, ScreenTrack, WholeScreen
from visio_desktop.rtc.screen_encoder import ScreenVp8Encoder

from figures import machine, medians, ratio, report

WIDTH, HEIGHT, FPS = 1920, 1080, 10


# -- capture -------------------------------------------------------------------------------


async def capture_once(display: str, fps: int, seconds: float) -> dict[str, float]:
    opener = ScreenOpener(WholeScreen(display), fps, "linux", {"DISPLAY": display})
    track = ScreenTrack(opener, device="bench screen")
    try:
        await track.recv()  # opened and running
        cpu, wall, frames = time.process_time(), time.monotonic(), 0
        while time.monotonic() - wall < seconds:
            await track.recv()
            frames += 1
        elapsed = time.monotonic() - wall
        return {"cores": (time.process_time() - cpu) / elapsed, "fps": frames / elapsed}
    finally:
        track.stop()


# -- encode --------------------------------------------------------------------------------


def text_pages(count: int) -> list[VideoFrame]:
    """A page of text at 1920x1080 that scrolls by one line every FPS frames."""
    app = QGuiApplication.instance() or QGuiApplication(["visio-screen-bench"])
    assert app is not None
    words = "arrêté préfectoral relatif à la circulation des véhicules sur la route départementale"
    lines = [f"{n:03d}  Article {n}. {words} n° {n * 7} du {1 + n % 28} mars." for n in range(200)]
    frames, font = [], QFont("DejaVu Sans", 11)
    for index in range(count):
        first = index // FPS
        image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        painter.setFont(font)
        painter.setPen(QColor("#161616"))
        for row, text in enumerate(lines[first : first + 60]):
            painter.drawText(40, 24 + row * 17, text)
        painter.end()
        pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(HEIGHT, WIDTH, 4).copy()
        frame = VideoFrame.from_ndarray(pixels, format="bgra").reformat(format="yuv420p")
        frame.pts, frame.time_base = index * 9000, Fraction(1, 90_000)
        frames.append(frame)
    return frames


def luma(frame: VideoFrame) -> np.ndarray:
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(-1, plane.line_size)
    return rows[: frame.height, : frame.width].astype(np.float64)


def encode_once(encoder: Any, frames: list[VideoFrame]) -> dict[str, float]:
    decoder = Vp8Decoder()
    sent, psnr, cpu = 0, [], 0.0
    for frame in frames:
        started = time.process_time()
        payloads, timestamp = encoder.encode(frame)
        cpu += time.process_time() - started
        sent += sum(len(p) for p in payloads)
        data = b"".join(vp8_depayload(p) for p in payloads)
        for decoded in decoder.decode(JitterFrame(data=data, timestamp=timestamp)):
            assert isinstance(decoded, VideoFrame)
            error = np.mean((luma(decoded) - luma(frame)) ** 2)
            psnr.append(99.0 if error == 0 else 10 * np.log10(255**2 / error))
    seconds = len(frames) / FPS
    return {
        "encode_ms_per_frame": 1000 * cpu / len(frames),
        "kbps": sent * 8 / seconds / 1000,
        "psnr_y_db": float(np.median(psnr)) if psnr else 0.0,
        "psnr_y_worst_db": float(np.min(psnr)) if psnr else 0.0,
    }


def encoders() -> dict[str, Any]:
    aiortc_ceiling = Vp8Encoder()
    aiortc_ceiling.target_bitrate = 1_500_000  # what REMB can raise it to, at most
    return {
        "aiortc_vp8_start": Vp8Encoder(),  # 500 kbps until REMB says otherwise
        "aiortc_vp8_ceiling": aiortc_ceiling,
        "screen_vp8": ScreenVp8Encoder(),  # 1.5 Mbps start, 0.8 to 3 Mbps
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the text pages are drawn without a display

    captured: dict[int, list[dict[str, float]]] = {fps: [] for fps in (5, 10, 15)}
    with running_xvfb(f"{WIDTH}x{HEIGHT}x24") as display:
        for _ in range(args.runs):
            for fps, runs in captured.items():
                runs.append(asyncio.run(capture_once(display, fps, args.seconds)))
    frames = text_pages(int(args.seconds * FPS))
    encoded: dict[str, list[dict[str, float]]] = {name: [] for name in encoders()}
    for _ in range(args.runs):
        for name, encoder in encoders().items():
            encoded[name].append(encode_once(encoder, frames))

    encode: dict[str, dict[str, float | None]] = {k: medians(v) for k, v in encoded.items()}
    screen, base = encode["screen_vp8"], encode["aiortc_vp8_ceiling"]
    for key in ("encode_ms_per_frame", "kbps"):
        screen[f"{key}_ratio_vs_aiortc_ceiling"] = ratio(screen[key], base[key], 3)
    screen["psnr_gain_db_vs_aiortc_ceiling"] = round(
        (screen["psnr_y_db"] or 0) - (base["psnr_y_db"] or 0), 2
    )
    report(
        "screen",
        {
            "source": f"{WIDTH}x{HEIGHT}; capture: Xvfb via x11grab; encode: text page, {FPS} fps",
            "runs": args.runs,
            "window_s": args.seconds,
            "machine": machine(av=av.__version__),
            "capture": {f"{fps}fps": medians(runs) for fps, runs in captured.items()},
            "encode": encode,
        },
    )


if __name__ == "__main__":
    main()
