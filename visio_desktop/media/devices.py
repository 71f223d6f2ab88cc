"""Which cameras, microphones and speakers there are, and the media sources for a choice.

Real device discovery (av for cameras, sounddevice for audio) arrives with the devices issue;
until then a normal run has no devices and says so. The demo has clearly named synthetic ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.media.sources import MediaSources, NoSources, SyntheticSources

TEST_PATTERN = "Test pattern (demo)"
TEST_TONE = "Test tone (demo)"


@dataclass(frozen=True)
class DeviceLists:
    cameras: tuple[str, ...] = ()
    microphones: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()


class DeviceCatalog(Protocol):
    def lists(self) -> DeviceLists: ...

    def sources(self, camera: str, microphone: str) -> MediaSources:
        """Sources for the chosen camera and microphone ("" means the first one)."""
        ...


class NoDevices:
    def lists(self) -> DeviceLists:
        return DeviceLists()

    def sources(self, camera: str, microphone: str) -> MediaSources:
        return NoSources()


@dataclass(frozen=True)
class _Picked:
    inner: MediaSources
    video: bool
    audio: bool

    def open(self, kind: str) -> MediaStreamTrack | None:
        if (kind == "video" and self.video) or (kind == "audio" and self.audio):
            return self.inner.open(kind)
        return None


class DemoDevices:
    """A labelled test pattern and a tone, offered as devices in the demo meeting only."""

    def __init__(self, label: str, width: int = 640, height: int = 360, fps: int = 30) -> None:
        self._sources = SyntheticSources(label, width=width, height=height, fps=fps)

    def lists(self) -> DeviceLists:
        return DeviceLists(cameras=(TEST_PATTERN,), microphones=(TEST_TONE,))

    def sources(self, camera: str, microphone: str) -> MediaSources:
        return _Picked(
            self._sources,
            video=camera in ("", TEST_PATTERN),
            audio=microphone in ("", TEST_TONE),
        )
