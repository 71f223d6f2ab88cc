"""PortAudio streams that survive a PortAudio restart, so that audio devices plugged in during
a call can be listed and used.

PortAudio lists devices once, when it starts: a headset plugged in later is seen only after a
restart (`sd._terminate()` then `sd._initialize()`), which invalidates every open stream. So
every stream we open is a `ManagedStream` owned by the `PortAudioHost`. A restart closes each
of them, restarts PortAudio, and reopens each on the same device, found again by its label
(PortAudio's indexes change); the people in the call hear a gap of a fraction of a second. A
stream whose device is gone reports `finished`, as an unplugged device does.

A listing restarts PortAudio only when the audio hardware changed: `hardware_signature` reads
the ALSA card list on Linux and the wave device counts on Windows, which cost nothing. Where
that cannot be known (macOS), it restarts only while no stream is open, so a device plugged in
during a call is listed after it.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

StreamCallback = Callable[[Any, int, Any, Any], None]  # sounddevice's (data, frames, time, st)
FinishedCallback = Callable[[], None]
Signature = Callable[[], str | None]


class AudioStream(Protocol):
    """What we use of sounddevice's InputStream and OutputStream."""

    def start(self) -> None: ...

    def close(self) -> None: ...


AudioStreamFactory = Callable[[StreamCallback, FinishedCallback], AudioStream]


def portaudio() -> Any:
    """The sounddevice module, imported when first needed: it raises OSError at import time
    when libportaudio2 is missing. (Imported by name: sounddevice ships no type hints.)"""
    return importlib.import_module("sounddevice")


def hardware_signature(platform: str = sys.platform) -> str | None:
    """Something that changes when a sound card comes or goes (None: no way to know here)."""
    try:
        if platform.startswith("linux"):
            return Path("/proc/asound/cards").read_text(errors="replace")
        if platform == "win32":
            winmm = ctypes.WinDLL("winmm")  # type: ignore[attr-defined, unused-ignore]
            return f"{winmm.waveInGetNumDevs()}/{winmm.waveOutGetNumDevs()}"
    except OSError:
        return None
    return None


class ManagedStream:
    """A PortAudio stream on one device that the host can close and reopen underneath."""

    def __init__(
        self,
        host: PortAudioHost,
        direction: str,
        device: tuple[int, str] | None,  # (PortAudio index, our label); None: the default
        callback: StreamCallback,
        finished: FinishedCallback,
        *,
        rate: int,
        block: int,
    ) -> None:
        self._host, self.direction, self.device = host, direction, device
        self._callback, self._finished = callback, finished
        self._rate, self._block = rate, block
        self._inner: Any = None
        self._restarting = False

    def start(self) -> None:
        with self._host.lock:
            self._inner = self._open(self._host.module())
            self._inner.start()
            self._host.streams.add(self)

    def close(self) -> None:
        with self._host.lock:
            self._host.streams.discard(self)
            inner, self._inner = self._inner, None
        if inner is not None:
            inner.close()

    def _open(self, sd: Any) -> Any:
        stream_class = sd.InputStream if self.direction == "input" else sd.OutputStream
        return stream_class(
            samplerate=self._rate,
            blocksize=self._block,
            channels=1,
            dtype="int16",
            latency="low",
            device=None if self.device is None else self.device[0],
            callback=self._callback,
            finished_callback=self._on_finished,
        )

    def _on_finished(self) -> None:  # a PortAudio thread
        if not self._restarting:
            self._finished()

    # -- restarts: the host calls these with its lock held ----------------------------------

    def suspend(self) -> None:
        self._restarting = True
        inner, self._inner = self._inner, None
        if inner is not None:
            inner.close()

    def resume(self, sd: Any, indexes: dict[str, int]) -> bool:
        """Reopen on the same device (`indexes`: label to its new index); False if gone."""
        self._restarting = False
        if self.device is not None:
            index = indexes.get(f"{self.direction}:{self.device[1]}")
            if index is None:
                return False
            self.device = (index, self.device[1])
        try:
            self._inner = self._open(sd)
            self._inner.start()
        except Exception as exc:  # PortAudioError: the device is there but refuses
            log.warning("could not reopen the %s stream after a restart: %s", self.direction, exc)
            self._inner = None
            return False
        return True


class PortAudioHost:
    """Owns PortAudio's life: the open streams and the restarts (see the module doc)."""

    def __init__(
        self,
        module: Callable[[], Any] = portaudio,
        signature: Signature = hardware_signature,
        labels: Callable[[Any], dict[str, int]] | None = None,
    ) -> None:
        self.module = module
        self._signature = signature
        self._labels = labels or _no_labels
        self.lock = threading.RLock()
        self.streams: set[ManagedStream] = set()
        self._seen: str | None = signature()

    def open(
        self,
        direction: str,
        device: tuple[int, str] | None,
        callback: StreamCallback,
        finished: FinishedCallback,
        *,
        rate: int,
        block: int,
    ) -> ManagedStream:
        """A stream, not started yet."""
        return ManagedStream(self, direction, device, callback, finished, rate=rate, block=block)

    def rescan(self) -> bool:
        """Restart PortAudio if it may have missed a device: when the hardware changed, or,
        where that cannot be known, when no stream is open. True when it restarted."""
        with self.lock:
            now = self._signature()
            if (now is not None and now == self._seen) or (now is None and self.streams):
                return False
            sd = self.module()
            streams = list(self.streams)
            for stream in streams:
                stream.suspend()
            sd._terminate()
            sd._initialize()
            self._seen = now
            if not streams:
                return True
            indexes = self._labels(sd)
            gone = [s for s in streams if not s.resume(sd, indexes)]
            for stream in gone:
                self.streams.discard(stream)
        for stream in gone:  # outside the lock: the owner may close it at once
            stream._finished()
        log.info("PortAudio restarted under %d open stream(s); %d lost", len(streams), len(gone))
        return True


def _no_labels(sd: Any) -> dict[str, int]:
    return {}
