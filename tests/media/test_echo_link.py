"""Playout and microphone linked through the EchoReference, in real time: a fake sound card
plays what the playout mixes, feeds the microphone its echo plus near-end speech, and the
microphone track sends the echo cancelled (the whole path the engine will run)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from av import AudioFrame

from tests.media.speech import FAR_TEXT, NEAR_TEXT, have_espeak, speak, to_int16
from visio_desktop.media.audio_processing import (
    BLOCK,
    FRAME,
    RATE,
    EchoReference,
    ProcessingOptions,
    WebRtcProcessor,
)
from visio_desktop.media.microphone import MicrophoneTrack
from visio_desktop.media.playout import Playout

pytestmark = pytest.mark.skipif(not have_espeak(), reason="espeak-ng makes the test speech")

ECHO_DELAY_BLOCKS = 5  # 50 ms from loudspeaker to microphone
ECHO_GAIN = 0.4


class FakeSoundCard:
    """A full-duplex card in one thread: every 10 ms it delivers the next far-end block to
    the playout (as the network would), plays one block (output callback) and records one
    (input callback) that holds the delayed echo of what was played plus near-end speech."""

    def __init__(self, far: np.ndarray, near: np.ndarray, playout: Playout) -> None:
        self.far, self.near, self.playout = far, near, playout
        self.output: Callable[[Any, int, Any, Any], None] | None = None
        self.input: Callable[[Any, int, Any, Any], None] | None = None
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def output_stream(self, callback: Any, finished: Any) -> FakeSoundCard:
        self.output = callback
        return self

    def input_stream(self, callback: Any, finished: Any) -> FakeSoundCard:
        self.input = callback
        return self

    def start(self) -> None:
        if self.output is not None and self.input is not None and not self._thread.is_alive():
            self._thread.start()

    def close(self) -> None:
        self._closing.set()

    def _run(self) -> None:
        assert self.output is not None and self.input is not None
        played = np.zeros((BLOCK, 1), np.int16)
        recorded = np.zeros((BLOCK, 1), np.int16)
        line = [np.zeros(BLOCK, np.float64) for _ in range(ECHO_DELAY_BLOCKS)]
        start, index = time.monotonic(), 0
        while not self._closing.is_set() and (index + 1) * BLOCK <= len(self.far):
            part = slice(index * BLOCK, (index + 1) * BLOCK)
            frame = AudioFrame.from_ndarray(self.far[part].reshape(1, -1), "s16", "mono")
            frame.sample_rate = RATE
            self.playout.push("remote", frame)
            self.output(played, BLOCK, None, None)
            line.append(played[:, 0].astype(np.float64) * ECHO_GAIN)
            echo = line.pop(0)
            recorded[:, 0] = np.clip(echo + self.near[part], -32768, 32767)
            self.input(recorded, BLOCK, None, None)
            index += 1
            self._closing.wait(max(0.0, start + index * BLOCK / RATE - time.monotonic()))


async def test_the_microphone_cancels_the_echo_of_what_the_playout_played() -> None:
    far_speech = to_int16(speak(FAR_TEXT, "en")[: 4 * RATE] * 0.7)
    near_speech = to_int16(speak(NEAR_TEXT, "fr")[: 2 * RATE] * 0.5)
    total = len(far_speech) + len(near_speech) + RATE // 2
    far, near = np.zeros(total, np.int16), np.zeros(total, np.int16)
    far[: len(far_speech)] = far_speech
    near[len(far_speech) + RATE // 2 :] = near_speech

    reference = EchoReference()
    playout = Playout(reference)
    card = FakeSoundCard(far, near, playout)
    playout.set_output(card.output_stream, "fake card")
    track = MicrophoneTrack(
        card.input_stream,
        device="fake card",
        reference=reference,
        processor=WebRtcProcessor(ProcessingOptions(auto_gain=False)),  # ERLE without gain
    )
    sent: list[np.ndarray] = []
    try:
        for _ in range(total // FRAME - 2):
            frame = await asyncio.wait_for(track.recv(), 5.0)
            sent.append(frame.to_ndarray().ravel())
    finally:
        track.stop()
        playout.close()
    out = np.concatenate(sent).astype(np.float64)
    raw_echo = far.astype(np.float64) * ECHO_GAIN
    echo_part = slice(RATE, len(far_speech))  # after a second to converge
    erle = 10 * np.log10(np.sum(raw_echo[echo_part] ** 2) / (np.sum(out[echo_part] ** 2) + 1e-9))
    assert erle >= 20.0, f"ERLE {erle:.1f} dB"
    speech_part = slice(len(far_speech) + RATE // 2, len(out))
    assert np.sum(out[speech_part] ** 2) > 0.25 * np.sum(near[speech_part].astype(float) ** 2)
