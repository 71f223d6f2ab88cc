"""What synthetic media costs a client, next to the VP8 encoding of the same frames.

Prints JSON: median milliseconds per frame to generate a stamped test-pattern frame and to read
its stamp back, at 640x360 and 320x180, over several runs, and their ratio to one VP8 encode
of the same frame measured in the same run (the cost a sender pays anyway).

    .venv/bin/python benchmarks/synthetic_media.py [--runs 5] [--frames 120]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiortc.codecs import get_encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from av import VideoFrame

from visio_desktop.media.synthetic import SyntheticVideoTrack, read_stamp

from figures import machine, medians, ratio, report

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)


async def _no_wait(_: float) -> None:
    return None


async def make_frames(width: int, height: int, count: int) -> tuple[list[VideoFrame], float]:
    """`count` frames and the generation time per frame, in ms."""
    track = SyntheticVideoTrack("Bench", width, height, sleep=_no_wait)
    start = time.perf_counter()
    frames = [await track.recv() for _ in range(count)]
    return frames, (time.perf_counter() - start) * 1000 / count


def per_frame_ms(frames: list[VideoFrame], work: Callable[[VideoFrame], Any]) -> float:
    start = time.perf_counter()
    for frame in frames:
        work(frame)
    return (time.perf_counter() - start) * 1000 / len(frames)


def measure(width: int, height: int, count: int) -> dict[str, float]:
    frames, generate = asyncio.run(make_frames(width, height, count))
    read = per_frame_ms(frames, read_stamp)
    encoder = get_encoder(VP8)
    encode = per_frame_ms(frames, encoder.encode)
    return {"generate_ms": generate, "read_stamp_ms": read, "vp8_encode_ms": encode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frames", type=int, default=120)
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    for width, height in ((640, 360), (320, 180)):
        runs = [measure(width, height, args.frames) for _ in range(args.runs)]
        figures = medians(runs, 4)
        for key in ("generate_ms", "read_stamp_ms"):
            figures[f"{key}_ratio_vs_vp8_encode"] = ratio(figures[key], figures["vp8_encode_ms"], 3)
        results[f"{width}x{height}"] = figures
    report(
        "synthetic_media",
        {"runs": args.runs, "frames": args.frames, "machine": machine(), "sizes": results},
    )


if __name__ == "__main__":
    main()
