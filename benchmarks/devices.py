"""Device pipeline costs and quality on this machine, as one JSON document.

- video: lavfi testsrc -> our camera track (capture thread, mailbox) with and without aiortc's
  VP8 encoder, at 360p and 720p, 30 fps: process CPU per wall second, encode ms per frame;
  capture alone is the baseline measured in the same run.
- audio_processing: CPU per second of audio for the chosen processor (pywebrtc-audio) and the
  other candidates that are importable, against pass-through in the same run.
- erle: echo return loss enhancement and near-end preservation on the synthetic echo path
  (espeak-ng speech, see tests/media/speech.py) at several echo delays.
- mouth_to_ear: a loopback aiortc call; tone bursts at known sample times go into a fake
  microphone (`WavInputStream`), through processing, Opus, RTP on 127.0.0.1, the remote
  jitter buffer and `Playout`, and a real-time fake speaker. Ours: our Opus encoder (FEC, DTX)
  and adaptive jitter buffer, pulled by the speaker; stock: aiortc's encoder and four-frame
  buffer, pushed into the playout's 40 ms prefill. Times to the playout and to the speaker.

Medians over runs. CPU figures are noisy when other jobs share the machine.

    .venv/bin/python benchmarks/devices.py [--runs 3] [--seconds 5] [--only video,audio,...]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.media.speech import (
    echo_scene,
    erle_db,
    near_end_kept,
    processing_delay,
    run_blocks,
)
from visio_desktop.media.audio_processing import (
    BLOCK,
    RATE,
    NoProcessing,
    ProcessingOptions,
    Processor,
    Samples,
    WebRtcProcessor,
)
from visio_desktop.media.camera import HD, SD, CameraMode, CameraTrack, LavfiPattern

from figures import machine, median, ratio, report

# --- video ----------------------------------------------------------------------------------


async def video_run(mode: CameraMode, seconds: float, encode: bool) -> dict[str, float]:
    from aiortc.codecs.vpx import Vp8Encoder  # noqa: PLC0415

    track = CameraTrack(LavfiPattern("testsrc2", mode), mode, device="bench")
    encoder = Vp8Encoder()
    frames = 0
    try:
        for _ in range(15):  # warm up: thread started, encoder opened
            frame = await track.recv()
            if encode:
                encoder.encode(frame)
        cpu0, wall0 = time.process_time(), time.monotonic()
        while time.monotonic() - wall0 < seconds:
            frame = await track.recv()
            frames += 1
            if encode:
                encoder.encode(frame)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    finally:
        track.stop()
        track.thread.join(timeout=10)
    return {
        "cpu_per_wall_s": cpu / wall,
        "fps": frames / wall,
    }


def video(runs: int, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, mode in (("360p", SD), ("720p", HD)):
        capture = [asyncio.run(video_run(mode, seconds, False)) for _ in range(runs)]
        both = [asyncio.run(video_run(mode, seconds, True)) for _ in range(runs)]
        cap_cpu = median([r["cpu_per_wall_s"] for r in capture])
        all_cpu = median([r["cpu_per_wall_s"] for r in both])
        out[name] = {
            "capture_cpu": cap_cpu,
            "capture_plus_vp8_cpu": all_cpu,
            "vp8_encode_ms_per_frame": round(1000 * (all_cpu - cap_cpu) / 30, 2),
            "fps": median([r["fps"] for r in both], 1),
            "ratio_vs_capture_only": round(all_cpu / cap_cpu, 2) if cap_cpu else None,
        }
    out["ratio_720p_vs_360p"] = round(
        out["720p"]["capture_plus_vp8_cpu"] / out["360p"]["capture_plus_vp8_cpu"], 2
    )
    out["note"] = "CPU is cores busy per wall second for the process (lavfi source included)"
    return out


# --- audio processing -----------------------------------------------------------------------


class _LiveKit:
    name = "livekit"

    def __init__(self) -> None:
        from livekit import rtc  # noqa: PLC0415

        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=True,
            noise_suppression=True,
            high_pass_filter=True,
            auto_gain_control=True,
        )

    def process(self, near: Samples, far: Samples) -> Samples:
        self._apm.process_reverse_stream(self._rtc.AudioFrame(far.tobytes(), RATE, 1, BLOCK))
        frame = self._rtc.AudioFrame(near.tobytes(), RATE, 1, BLOCK)
        self._apm.process_stream(frame)
        return np.frombuffer(frame.data, np.int16)


class _AecAudioProcessing:
    name = "aec-audio-processing"

    def __init__(self) -> None:
        from aec_audio_processing import AudioProcessor  # type: ignore[import-not-found]  # noqa: PLC0415

        self._ap = AudioProcessor(
            enable_aec=True,
            enable_ns=True,
            ns_level=1,
            enable_agc=True,
            agc_mode=1,
            enable_vad=False,
        )
        self._ap.set_stream_format(RATE, 1, RATE, 1)
        self._ap.set_reverse_stream_format(RATE, 1)

    def process(self, near: Samples, far: Samples) -> Samples:
        self._ap.process_reverse_stream(far.tobytes())
        return np.frombuffer(self._ap.process_stream(near.tobytes()), np.int16)


class _Speex:
    name = "speexdsp"

    def __init__(self) -> None:
        from speexdsp import EchoCanceller  # type: ignore[import-not-found]  # noqa: PLC0415

        self._ec = EchoCanceller.create(BLOCK, RATE // 5, RATE)

    def process(self, near: Samples, far: Samples) -> Samples:
        return np.frombuffer(self._ec.process(near.tobytes(), far.tobytes()), np.int16)


CANDIDATES: dict[str, tuple[str, Callable[[], Processor]]] = {
    "pywebrtc-audio": ("pywebrtc_audio", lambda: WebRtcProcessor(ProcessingOptions())),
    "livekit": ("livekit", _LiveKit),
    "aec-audio-processing": ("aec_audio_processing", _AecAudioProcessing),
    "speexdsp": ("speexdsp", _Speex),
}


def opus_cost(samples: Samples, runs: int) -> float:
    """ms of CPU per second of audio for aiortc's Opus encoder: what every call pays."""
    from aiortc.codecs.opus import OpusEncoder  # noqa: PLC0415
    from av import AudioFrame  # noqa: PLC0415

    frames = []
    for i in range(len(samples) // 960):
        frame = AudioFrame.from_ndarray(
            samples[i * 960 : (i + 1) * 960].reshape(1, -1), "s16", "mono"
        )
        frame.sample_rate, frame.pts = RATE, i * 960
        frames.append(frame)
    costs = []
    for _ in range(runs):
        encoder = OpusEncoder()
        t = time.process_time()
        for frame in frames:
            encoder.encode(frame)
        costs.append(1000 * (time.process_time() - t) / (len(samples) / RATE))
    return statistics.median(costs)


def audio_processing(runs: int) -> dict[str, Any]:
    scene = echo_scene(delay_ms=60)
    seconds = len(scene.mic) / RATE

    def cost(make: Callable[[], Processor]) -> float:
        samples = []
        for _ in range(runs):
            processor = make()
            t = time.process_time()
            run_blocks(processor, scene.mic, scene.far)
            samples.append(1000 * (time.process_time() - t) / seconds)
        return statistics.median(samples)

    base = opus_cost(scene.mic, runs)
    out: dict[str, Any] = {
        "baseline_opus_encode_ms_per_audio_s": round(base, 2),
        "passthrough_loop_ms_per_audio_s": round(cost(NoProcessing), 2),
    }
    for name, (module, make) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            out[name] = "not installed"
            continue
        ms = cost(make)
        processor = make()
        processed = run_blocks(processor, scene.mic, scene.far)
        lag = processing_delay(processed, scene.near, scene.near_only) if name != "speexdsp" else 0
        kept, corr = near_end_kept(processed, scene.near, scene.near_only, lag)
        out[name] = {
            "cpu_ms_per_audio_s": round(ms, 2),
            "ratio_vs_opus_encode": round(ms / base, 2) if base else None,
            "erle_db_full_chain": round(erle_db(scene.mic, processed, scene.echo_only), 1),
            "near_end_gain_db": round(kept, 1),
            "erle_db_gain_compensated": round(
                erle_db(scene.mic, processed, scene.echo_only) + kept, 1
            ),
            "near_end_correlation": round(corr, 3),
            "delay_ms": round(1000 * lag / RATE, 1),
        }
    return out


def erle() -> dict[str, Any]:
    out: dict[str, Any] = {"processor": "pywebrtc-audio (AEC3 + NS + high-pass; AGC off)"}
    for delay in (40, 60, 80, 150):
        scene = echo_scene(delay_ms=delay)
        processed = run_blocks(
            WebRtcProcessor(ProcessingOptions(auto_gain=False)), scene.mic, scene.far
        )
        lag = processing_delay(processed, scene.near, scene.near_only)
        kept, corr = near_end_kept(processed, scene.near, scene.near_only, lag)
        _, double_talk = near_end_kept(processed, scene.near, scene.double_talk, lag)
        _, raw_double_talk = near_end_kept(scene.mic, scene.near, scene.double_talk, 0)
        out[f"delay_{delay}ms"] = {
            "erle_db": round(erle_db(scene.mic, processed, scene.echo_only), 1),
            "erle_db_after_2s": round(erle_db(scene.mic, processed, (2.0, scene.echo_only[1])), 1),
            "near_end_kept_db": round(kept, 2),
            "near_end_correlation": round(corr, 3),
            "double_talk_correlation": round(double_talk, 3),
            "double_talk_correlation_unprocessed": round(raw_double_talk, 3),
        }
    return out


# --- mouth to ear -----------------------------------------------------------------------------

BURST_S, BURST_HZ, BURST_LEVEL = 0.04, 1000.0, 0.3
ONSET = 0.05 * 32768  # a sample this loud after silence starts a burst


def bursts(seconds: int) -> tuple[Samples, list[int]]:
    """Silence with a 40 ms 1 kHz burst each second from 1 s on; the bursts' sample indexes."""
    signal = np.zeros(seconds * RATE)
    n = int(BURST_S * RATE)
    tone = BURST_LEVEL * np.sin(2 * np.pi * BURST_HZ * np.arange(n) / RATE)
    ramp = int(0.002 * RATE)
    tone[:ramp] *= np.linspace(0, 1, ramp)
    tone[-ramp:] *= np.linspace(1, 0, ramp)
    starts = [s * RATE for s in range(1, seconds - 1)]
    for start in starts:
        signal[start : start + n] = tone
    return (signal * 32767).astype(np.int16), starts


class OnsetDetector:
    """Times of burst onsets in a stream of blocks (each given with the time of its start)."""

    def __init__(self) -> None:
        self.onsets: list[float] = []
        self._quiet_since = 0

    def feed(self, samples: Samples, start_time: float) -> None:
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > ONSET)
        if len(loud) == 0:
            self._quiet_since += len(samples)
            return
        if self._quiet_since > RATE // 5:  # 200 ms of quiet before: a new burst
            self.onsets.append(start_time + loud[0] / RATE)
        self._quiet_since = len(samples) - 1 - int(loud[-1])


def match(mouth: list[float], ear: list[float]) -> list[float]:
    """ms from each mouth time to the first ear time after it (within 1 s)."""
    out = []
    for m in mouth:
        later = [e for e in ear if m < e < m + 1.0]
        if later:
            out.append(1000 * (later[0] - m))
    return out


async def latency_run(seconds: int, *, stock: bool) -> tuple[list[float], list[float]]:
    from aiortc import RTCConfiguration, RTCPeerConnection  # noqa: PLC0415

    from visio_desktop.media.microphone import MicrophoneTrack, WavInputStream  # noqa: PLC0415
    from visio_desktop.media.playout import PacedOutputStream, Playout  # noqa: PLC0415
    from visio_desktop.rtc.audio_receive import install_opus_receive  # noqa: PLC0415
    from visio_desktop.rtc.ice import gather_loopback_only  # noqa: PLC0415
    from visio_desktop.rtc.opus_sender import use_opus_encoder  # noqa: PLC0415

    signal, starts = bursts(seconds)
    streams: list[WavInputStream] = []

    def factory(callback: Any, finished: Any) -> WavInputStream:
        streams.append(WavInputStream(signal, callback, finished))
        return streams[0]

    gather_loopback_only(True)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    tracks: asyncio.Queue[Any] = asyncio.Queue()

    arrived, played = OnsetDetector(), OnsetDetector()
    playout = Playout()

    def on_track(track: Any) -> None:
        if not stock:  # as the mesh does: our buffer, pulled by the speaker
            receive = install_opus_receive(b.getReceivers()[0])
            assert receive is not None
            playout.attach("a", receive)
        tracks.put_nowait(track)

    b.on("track", on_track)
    playout.set_output(PacedOutputStream.factory(played.feed))
    mic = MicrophoneTrack(factory, device="bench", processor=WebRtcProcessor(ProcessingOptions()))
    try:
        sender = a.addTrack(mic)
        if not stock:
            use_opus_encoder(sender)
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        remote = await asyncio.wait_for(tracks.get(), 20)
        stream = streams[0]
        while stream.start_time is None or time.monotonic() < stream.start_time + seconds:
            frame = await asyncio.wait_for(remote.recv(), 5)
            now = time.monotonic()
            mono = frame.to_ndarray().reshape(-1, len(frame.layout.channels)).mean(axis=1)
            arrived.feed(mono, now - len(mono) / RATE)  # the frame's last sample arrives now
            if stock:  # ours is pulled by the speaker: its frames come here once played
                playout.push("a", frame)
    finally:
        mic.stop()
        playout.close()
        await a.close()
        await b.close()
        gather_loopback_only(False)
    assert stream.start_time is not None
    # A block is delivered when its last sample has been recorded (as a sound card does).
    mouth = [
        stream.start_time + (n // BLOCK) * BLOCK / RATE - (BLOCK - n % BLOCK) / RATE for n in starts
    ]
    return match(mouth, arrived.onsets), match(mouth, played.onsets)


def mouth_to_ear(runs: int, seconds: int = 10) -> dict[str, Any]:
    """Ours (`rtc.opus_sender`, `rtc.audio_receive`) and aiortc's own audio path, run for
    run; ratios are ours over aiortc's."""
    figures: dict[str, dict[str, Any]] = {}
    for design in ("ours", "stock_aiortc_audio_buffer"):
        figures[design] = {"to_buffer": [], "to_speaker": []}
    for _ in range(runs):
        for design, state in figures.items():
            buffer_ms, speaker_ms = asyncio.run(latency_run(seconds, stock=design != "ours"))
            state["to_buffer"] += buffer_ms
            state["to_speaker"] += speaker_ms
    bursts_sent = runs * (seconds - 2)
    result: dict[str, Any] = {}
    for design, state in figures.items():
        to_buffer, to_speaker = state["to_buffer"], state["to_speaker"]
        result[design] = {
            "to_remote_playout_buffer_ms_p50": median(to_buffer, 1) if to_buffer else None,
            "to_remote_speaker_ms_p50": median(to_speaker, 1) if to_speaker else None,
            "to_remote_speaker_ms_max": round(max(to_speaker), 1) if to_speaker else None,
            "bursts_detected": f"{len(to_speaker)}/{bursts_sent}",
        }
    ours, stock = result["ours"], result["stock_aiortc_audio_buffer"]
    for key in ("to_remote_playout_buffer_ms_p50", "to_remote_speaker_ms_p50"):
        ours[f"{key}_ratio_vs_stock"] = ratio(ours[key], stock[key])
    result["path"] = (
        "fake mic 10 ms blocks -> APM (15 ms) -> Opus -> RTP 127.0.0.1 -> receive buffer "
        "(ours: adaptive, pulled by the speaker, 'to buffer' is when it played a frame; "
        "aiortc's: four frames, then the Playout's 40 ms prefill) -> real-time fake speaker; "
        "device latencies of real sound cards come on top"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--only", default="video,audio,erle,latency")
    args = parser.parse_args()
    only = set(args.only.split(","))
    result: dict[str, Any] = {"machine": machine(), "runs": args.runs}
    if "video" in only:
        result["video"] = video(args.runs, args.seconds)
    if "audio" in only:
        result["audio_processing"] = audio_processing(args.runs)
    if "erle" in only:
        result["erle"] = erle()
    if "latency" in only:
        result["mouth_to_ear"] = mouth_to_ear(args.runs)
    report("devices", result)


if __name__ == "__main__":
    main()
