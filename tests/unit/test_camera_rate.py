"""How the camera's rate follows the receiver's estimate and the loss it reports, and what it
gives up first: bitrate, then resolution, then frame rate."""

from __future__ import annotations

import concurrent.futures
import fractions

import numpy as np
from av import VideoFrame

from visio_desktop.rtc.camera_encoder import FLOOR, CameraVp8Encoder, RateControl, wanted_bitrate


def test_a_stream_starts_at_what_its_size_wants() -> None:
    assert wanted_bitrate(640, 360) == 1_175_040
    assert wanted_bitrate(1280, 720) == 2_500_000  # the ceiling
    assert wanted_bitrate(160, 90) == FLOOR
    assert RateControl().target() == wanted_bitrate(640, 360)  # not aiortc's 500 kbps


def test_the_receivers_estimate_caps_it_with_hysteresis() -> None:
    rate = RateControl()
    rate.remb = 1_100_000  # within 20 %: no new encoder for that
    assert rate.target() == rate.wanted
    rate.remb = 600_000
    assert rate.target() == 600_000
    rate.remb = 5_000_000  # the estimate is not a goal: the size's want caps it
    assert rate.target() == rate.wanted


def test_heavy_loss_brings_it_down_and_light_loss_lets_it_back_up() -> None:
    rate = RateControl()
    for _ in range(4):
        rate.on_loss(0.20)  # 20 % lost, four reports in a row
    low = rate.target()
    assert low < 0.75 * rate.wanted
    rate.on_loss(0.05)  # between 2 and 10 %: holds
    assert rate.target() == low
    for _ in range(20):
        rate.on_loss(0.0)
    assert rate.target() == rate.wanted and rate.loss_cap is None


def test_bitrate_goes_first_then_resolution_then_frame_rate() -> None:
    rate = RateControl()
    steps = []
    for remb in (1_000_000, 700_000, 400_000, 200_000, 100_000):  # wanted: 1.18 Mbps
        rate.remb = remb
        steps.append((rate.scale(), rate.drops_frames()))
    assert steps == [
        (1.0, False),
        (1.0, False),
        (0.75, False),
        (0.5, False),
        (0.5, True),
    ]


def encode_all(encoder: CameraVp8Encoder, frames: list[VideoFrame]) -> list[list[bytes]]:
    return [encoder.encode(frame)[0] for frame in frames]


def test_peers_encoding_the_same_frames_at_once_at_a_smaller_size() -> None:
    """Every peer's encoder gets the same frame objects, in threads of their own: scaling
    them down must not share state between the threads (PyAV's frame.reformat does)."""
    frames = [
        VideoFrame.from_ndarray(np.full((360, 640, 3), n, np.uint8), format="rgb24")
        for n in range(0, 250, 10)
    ]
    frames = [frame.reformat(format="yuv420p") for frame in frames]
    for n, frame in enumerate(frames):
        frame.pts, frame.time_base = n * 3000, fractions.Fraction(1, 90000)
    encoders = [CameraVp8Encoder() for _ in range(4)]
    for encoder in encoders:
        encoder.target_bitrate = 300_000  # REMB: 20-40 % of what 640x360 wants: 3/4 size
    with concurrent.futures.ThreadPoolExecutor(len(encoders)) as pool:
        runs = [pool.submit(encode_all, encoder, frames) for encoder in encoders]
        payloads = [run.result(timeout=60) for run in runs]
    assert all(len(run) == len(frames) and all(run) for run in payloads)
    assert encoders[0].codec is not None and encoders[0].codec.width == 480


def test_a_small_picture_at_its_own_rate_is_not_scaled() -> None:
    rate = RateControl()
    rate.wanted = wanted_bitrate(320, 180)  # under 450 kbps, and that is all it needs
    assert (rate.scale(), rate.drops_frames()) == (1.0, False)
    rate.wanted = wanted_bitrate(160, 90)  # at the floor itself: nothing to give up
    assert (rate.scale(), rate.drops_frames()) == (1.0, False)
