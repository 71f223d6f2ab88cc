"""The microphone track with a fake input stream fed at real-time pace: frames, mute, tap,
and a device that is missing, busy or unplugged (states, never exceptions)."""

from __future__ import annotations

import asyncio
import queue

import numpy as np
import pytest
from av import AudioFrame

from visio_desktop.media.audio_processing import FRAME, RATE, NoProcessing
from visio_desktop.media.microphone import (
    AudioBlockQueue,
    InputCallback,
    InputStream,
    MicrophoneTrack,
    WavInputStream,
    portaudio_input,
)
from visio_desktop.media.portaudio import FinishedCallback, portaudio
from visio_desktop.media.status import DeviceState, DeviceStatus

sd = portaudio()

WAIT = 10.0


def ramp(seconds: float) -> np.ndarray:
    """A recognisable signal: every sample differs from its neighbours."""
    n = int(seconds * RATE)
    return ((np.arange(n) * 7) % 20000 - 10000).astype(np.int16)


async def take(track: MicrophoneTrack, count: int) -> list[AudioFrame]:
    return [await asyncio.wait_for(track.recv(), WAIT) for _ in range(count)]


def samples(frames: list[AudioFrame]) -> np.ndarray:
    return np.concatenate([f.to_ndarray().ravel() for f in frames])


async def test_frames_are_20_ms_mono_s16_and_carry_the_input() -> None:
    signal = ramp(1.0)
    track = MicrophoneTrack(WavInputStream.factory(signal), device="wav", processor=NoProcessing())
    try:
        frames = await take(track, 10)
    finally:
        track.stop()
    assert track.closed.wait(timeout=WAIT)  # the device is released
    assert {(f.samples, f.format.name, f.layout.name, f.sample_rate) for f in frames} == {
        (FRAME, "s16", "mono", RATE)
    }
    assert [f.pts for f in frames] == [i * FRAME for i in range(10)]
    assert np.array_equal(samples(frames), signal[: 10 * FRAME])


async def test_mute_sends_zeros_and_the_tap_gets_only_unmuted_audio() -> None:
    taps = AudioBlockQueue(max_blocks=3)
    track = MicrophoneTrack(
        WavInputStream.factory(ramp(2.0)), device="wav", processor=NoProcessing(), tap=taps
    )
    try:
        await take(track, 2)
        track.set_muted(True)
        assert track.muted
        muted = await take(track, 3)
        track.set_muted(False)
        loud = await take(track, 2)
    finally:
        track.stop()
    assert not samples(muted).any()
    assert samples(loud).any()
    # two blocks before muting, two after; the queue keeps the newest three
    kept = [taps.get(timeout=0) for _ in range(4)]
    assert taps.dropped == 1 and kept[-1] is None
    assert all(block is not None and block.shape == (FRAME,) for block in kept[:3])
    assert kept[2] is not None and np.array_equal(kept[2], samples(loud[-1:]))


async def test_an_unplugged_microphone_is_a_state_and_the_track_goes_on_with_silence() -> None:
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = MicrophoneTrack(
        WavInputStream.factory(ramp(0.2), then="unplug"),
        device="wav",
        processor=NoProcessing(),
        on_status=statuses.put,
    )
    try:
        frames = await take(track, 20)  # 0.2 s of audio, then the device is gone
    finally:
        track.stop()
    states = [statuses.get(timeout=WAIT).state for _ in range(statuses.qsize())]
    assert DeviceState.UNPLUGGED in states
    assert track.status.state is DeviceState.STOPPED
    assert samples(frames[:10]).any() and not samples(frames[12:]).any()


def failing(error: Exception) -> object:
    def factory(callback: InputCallback, finished: FinishedCallback) -> InputStream:
        raise error

    return factory


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (sd.PortAudioError("Error querying device -1"), DeviceState.NO_DEVICE),
        (sd.PortAudioError("Device unavailable", -9985), DeviceState.BUSY),
        (sd.PortAudioError("Unanticipated host error", -9999), DeviceState.FAILED),
    ],
)
async def test_a_device_that_cannot_be_opened_gives_a_state_and_silence(
    error: Exception, state: DeviceState
) -> None:
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = MicrophoneTrack(failing(error), device="mic", on_status=statuses.put)  # type: ignore[arg-type]
    try:
        frames = await take(track, 3)
    finally:
        track.stop()
    status = statuses.get(timeout=WAIT)
    assert status.state is state and status.message
    assert not samples(frames).any()


async def test_no_sound_card_here_is_no_device() -> None:
    """This machine has no sound card: real PortAudio says so, and that is a state."""
    track = MicrophoneTrack(portaudio_input(None), device="default")
    try:
        assert track.status.state in (DeviceState.NO_DEVICE, DeviceState.STARTING)
        await take(track, 1)
    finally:
        track.stop()
