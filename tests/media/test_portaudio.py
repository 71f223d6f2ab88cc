"""PortAudio restarts under open streams, so that a headset plugged in during a call is listed
and the call's audio goes on. These machines have no sound card, so PortAudio's side is a
stand-in that behaves as PortAudio does where it matters: it lists devices only when it
starts, renumbers them then, and calls a stream's finished callback when it is closed."""

from __future__ import annotations

import queue
import threading
from typing import Any

import numpy as np
import pytest

from visio_desktop.media import discovery
from visio_desktop.media.audio_processing import BLOCK, FRAME, NoProcessing
from visio_desktop.media.discovery import device_indexes, list_audio, portaudio_stream
from visio_desktop.media.microphone import MicrophoneTrack
from visio_desktop.media.portaudio import PortAudioHost
from visio_desktop.media.status import DeviceState, DeviceStatus

WAIT = 10.0


class FakeStream:
    def __init__(self, pa: FakePortAudio, **options: Any) -> None:
        self.pa, self.options = pa, options
        self.device = options["device"]
        self.running = False

    def start(self) -> None:
        listed = [d["index"] for d in self.pa.listed]
        if self.device is not None and self.device not in listed:
            raise OSError("Invalid device")
        self.running = True
        self.pa.open.append(self)
        self.pa.started.set()

    def close(self) -> None:
        if self.running:
            self.running = False
            self.pa.open.remove(self)
            self.options["finished_callback"]()


class FakePortAudio:
    """The sounddevice calls we use, over a set of plugged-in cards."""

    def __init__(self, *cards: str) -> None:
        self.plugged = list(cards)
        self.listed: list[dict[str, Any]] = []
        self.open: list[FakeStream] = []
        self.started = threading.Event()  # a stream started
        self._initialize()

    def signature(self) -> str:  # as /proc/asound/cards would change
        return "\n".join(self.plugged)

    def query_devices(self) -> list[dict[str, Any]]:
        return list(self.listed)

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "ALSA", "default_input_device": 0, "default_output_device": 0}]

    def _terminate(self) -> None:
        assert not self.open, "PortAudio restarted under open streams"
        self.listed = []

    def _initialize(self) -> None:
        self.listed = [
            {
                "name": name,
                "index": index,
                "hostapi": 0,
                "max_input_channels": 1,
                "max_output_channels": 2,
                "default_samplerate": 48_000.0,
            }
            for index, name in enumerate(self.plugged)
        ]

    def InputStream(self, **options: Any) -> FakeStream:
        return FakeStream(self, **options)

    def OutputStream(self, **options: Any) -> FakeStream:
        return FakeStream(self, **options)

    def deliver(self) -> None:
        """One 10 ms block to every open input stream (a speaking voice)."""
        block = np.full((BLOCK, 1), 1000, dtype=np.int16)
        for stream in list(self.open):
            if stream.options["callback"] is not None and stream.running:
                stream.options["callback"](block, BLOCK, None, None)


def labels(pa: FakePortAudio, kind: str = "microphone") -> list[str]:
    microphones, speakers, _ = list_audio(pa.query_devices, pa.query_hostapis)
    return [d.id.label for d in (microphones if kind == "microphone" else speakers)]


@pytest.fixture
def pa() -> FakePortAudio:
    return FakePortAudio("Built-in Audio")


@pytest.fixture
def host(pa: FakePortAudio) -> PortAudioHost:
    return PortAudioHost(module=lambda: pa, signature=pa.signature, labels=device_indexes)


def open_stream(host: PortAudioHost, pa: FakePortAudio, direction: str, finished: list[str]) -> Any:
    device = (0, labels(pa)[0])
    stream = host.open(
        direction,
        device,
        lambda *_: None,
        lambda: finished.append(direction),
        rate=48_000,
        block=480,
    )
    stream.start()
    return stream


def test_a_headset_plugged_in_during_a_call_is_listed_and_the_streams_go_on(
    pa: FakePortAudio, host: PortAudioHost
) -> None:
    finished: list[str] = []
    streams = [open_stream(host, pa, d, finished) for d in ("input", "output")]
    assert not host.rescan()  # nothing changed: the call is left alone
    pa.plugged.insert(0, "USB Headset")  # it comes first: the built-in card's index changes
    assert labels(pa) == ["Built-in Audio (ALSA)"]  # PortAudio has not seen it yet
    assert host.rescan()
    assert labels(pa) == ["USB Headset (ALSA)", "Built-in Audio (ALSA)"]
    assert finished == []  # nobody was told their device went away
    assert [s.device for s in streams] == [(1, "Built-in Audio (ALSA)")] * 2
    assert [s.options["device"] for s in pa.open] == [1, 1] and len(pa.open) == 2
    for stream in streams:
        stream.close()
    assert pa.open == [] and host.streams == set()


def test_a_stream_whose_card_was_unplugged_finishes(pa: FakePortAudio, host: PortAudioHost) -> None:
    pa.plugged.append("USB Headset")
    assert host.rescan()  # no stream open, the hardware changed: listed
    finished: list[str] = []
    device = (1, "USB Headset (ALSA)")
    stream = host.open(
        "input", device, lambda *_: None, lambda: finished.append("input"), rate=48_000, block=480
    )
    stream.start()
    pa.plugged.remove("USB Headset")
    assert host.rescan()
    assert finished == ["input"] and pa.open == [] and host.streams == set()


def test_without_a_hardware_signature_it_restarts_only_when_idle(pa: FakePortAudio) -> None:
    host = PortAudioHost(module=lambda: pa, signature=lambda: None, labels=device_indexes)
    assert host.rescan()  # idle: a restart costs nobody anything
    stream = open_stream(host, pa, "input", [])
    assert not host.rescan()
    stream.close()
    assert host.rescan()


async def test_a_microphone_keeps_sending_through_a_restart(
    pa: FakePortAudio, host: PortAudioHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discovery, "PORTAUDIO", host)
    device = list_audio(pa.query_devices, pa.query_hostapis)[0][0]
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = MicrophoneTrack(
        portaudio_stream("input", device, rate=48_000, block=BLOCK),
        device=device.id.label,
        processor=NoProcessing(),
        on_status=statuses.put,
    )
    try:
        assert pa.started.wait(WAIT)  # the stream opens in a helper thread
        for _ in range(FRAME // BLOCK):
            pa.deliver()
        assert (await track.recv()).to_ndarray().any()
        pa.plugged.append("USB Headset")
        assert host.rescan()
        for _ in range(FRAME // BLOCK):
            pa.deliver()
        assert (await track.recv()).to_ndarray().any()  # the voice goes on
        assert track.status.state is DeviceState.ACTIVE
    finally:
        track.stop()
