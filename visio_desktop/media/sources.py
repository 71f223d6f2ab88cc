"""Where local media comes from. Real devices arrive with the devices issue; until then a
client either sends nothing or, when asked explicitly, synthetic media clearly labelled as such."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.media.synthetic import SyntheticAudioTrack, SyntheticVideoTrack


class MediaSources(Protocol):
    """Opens a fresh local track of a kind, or None when there is no such device."""

    def open(self, kind: str) -> MediaStreamTrack | None: ...


class NoSources:
    """No camera and no microphone: the client receives only."""

    def open(self, kind: str) -> MediaStreamTrack | None:
        return None


@dataclass(frozen=True)
class SyntheticSources:
    """A labelled moving test pattern and a tone (or a WAV file) instead of devices."""

    label: str
    wav: Path | None = None
    width: int = 640
    height: int = 360
    fps: int = 30

    def open(self, kind: str) -> MediaStreamTrack | None:
        if kind == "video":
            return SyntheticVideoTrack(self.label, self.width, self.height, self.fps)
        if kind == "audio":
            if self.wav is not None:
                return SyntheticAudioTrack.from_wav(self.wav)
            # A per-label pitch between 300 and 900 Hz tells the voices apart.
            pitch = 300.0 + zlib.crc32(self.label.encode()) % 600
            return SyntheticAudioTrack.tone(frequency_hz=pitch)
        return None
