"""Which cameras, microphones and speakers there are, and the media sources for a choice.

`SystemDevices` is the real catalogue (av for cameras, sounddevice for audio, see
discovery.py); `NoDevices` has none and says so; the demo has clearly named synthetic ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.media.audio_processing import (
    DEFAULT_PROCESSING,
    EchoReference,
    ProcessingOptions,
    make_processor,
)
from visio_desktop.media.camera import HD, SD, CameraMode, open_camera
from visio_desktop.media.discovery import (
    AudioDeviceInfo,
    CameraInfo,
    DeviceChanges,
    DeviceWatcher,
    Inventory,
)
from visio_desktop.media.microphone import AudioTap, MicrophoneTrack, portaudio_input
from visio_desktop.media.playout import OutputStreamFactory, Playout, portaudio_output
from visio_desktop.media.sources import MediaSources, NoSources, SyntheticSources
from visio_desktop.media.status import (
    DeviceKind,
    DeviceState,
    StatusCallback,
    describe,
    ignore_status,
)

TEST_PATTERN = "Test pattern (demo)"
TEST_TONE = "Test tone (demo)"


@dataclass(frozen=True)
class DeviceLists:
    cameras: tuple[str, ...] = ()
    microphones: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()


class DeviceCatalog(Protocol):
    def lists(self) -> DeviceLists: ...

    def sources(self, camera: str, microphone: str, *, hd: bool = False) -> MediaSources:
        """Sources for the chosen camera and microphone ("" means the first one); `hd`
        captures 1280x720 instead of 640x360."""
        ...

    def refresh(self) -> DeviceChanges:
        """List the devices again (blocking: call it off the GUI and engine threads); what
        came and went since the last time (false-y when nothing did)."""
        ...


class NoDevices:
    def lists(self) -> DeviceLists:
        return DeviceLists()

    def refresh(self) -> DeviceChanges:
        return DeviceChanges()

    def sources(self, camera: str, microphone: str, *, hd: bool = False) -> MediaSources:
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
        self._hd_sources = SyntheticSources(label, width=HD.width, height=HD.height, fps=fps)

    def lists(self) -> DeviceLists:
        return DeviceLists(cameras=(TEST_PATTERN,), microphones=(TEST_TONE,))

    def refresh(self) -> DeviceChanges:
        return DeviceChanges()  # synthetic devices never come and go

    def sources(self, camera: str, microphone: str, *, hd: bool = False) -> MediaSources:
        return _Picked(
            self._hd_sources if hd else self._sources,
            video=camera in ("", TEST_PATTERN),
            audio=microphone in ("", TEST_TONE),
        )


class SystemSources:
    """Opens the chosen real camera and microphone. A device that is not there gives None
    and a NO_DEVICE status; a device that fails later reports through `on_status`."""

    def __init__(
        self,
        camera: CameraInfo | None,
        microphone: AudioDeviceInfo | None,
        *,
        wanted: tuple[str, str] = ("", ""),
        camera_mode: CameraMode = SD,
        processing: ProcessingOptions = DEFAULT_PROCESSING,
        reference: EchoReference | None = None,
        tap: AudioTap | None = None,
        on_status: StatusCallback = ignore_status,
    ) -> None:
        self.camera, self.microphone = camera, microphone
        self._wanted = wanted
        self.camera_mode, self.processing = camera_mode, processing
        self.reference = reference if reference is not None else EchoReference()
        self.tap, self._on_status = tap, on_status

    def open(self, kind: str) -> MediaStreamTrack | None:
        if kind == "video":
            if self.camera is None:
                self._on_status(describe(DeviceKind.CAMERA, DeviceState.NO_DEVICE, self._wanted[0]))
                return None
            return open_camera(self.camera, self.camera_mode, self._on_status)
        if kind == "audio":
            if self.microphone is None:
                self._on_status(
                    describe(DeviceKind.MICROPHONE, DeviceState.NO_DEVICE, self._wanted[1])
                )
                return None
            return MicrophoneTrack(
                portaudio_input(self.microphone),
                device=self.microphone.id.label,
                processor=make_processor(self.processing),
                reference=self.reference,
                tap=self.tap,
                on_status=self._on_status,
            )
        return None


class SystemDevices:
    """The machine's real cameras (av), microphones and speakers (sounddevice).

    Labels in `lists()` are `DeviceId.label`s: stable across re-listing, for the UI to
    remember. `refresh()` re-lists (blocking: call it in an executor every few seconds) and
    returns what changed. The `reference` links playout to the microphone's echo canceller:
    build the call's `Playout` with `playout()` so that both share it.
    """

    def __init__(
        self,
        *,
        camera_mode: CameraMode = SD,
        processing: ProcessingOptions = DEFAULT_PROCESSING,
        on_status: StatusCallback = ignore_status,
        watcher: DeviceWatcher | None = None,
    ) -> None:
        self.camera_mode, self.processing, self.on_status = camera_mode, processing, on_status
        self.reference = EchoReference()
        self.tap: AudioTap | None = None  # given to microphone tracks opened from now on
        self._watcher = watcher if watcher is not None else DeviceWatcher()

    @property
    def inventory(self) -> Inventory:
        return self._watcher.inventory

    def lists(self) -> DeviceLists:
        inv = self.inventory
        return DeviceLists(
            cameras=tuple(c.id.label for c in inv.cameras),
            microphones=tuple(m.id.label for m in inv.microphones),
            speakers=tuple(s.id.label for s in inv.speakers),
        )

    def refresh(self) -> DeviceChanges:
        return self._watcher.poll()

    def sources(self, camera: str, microphone: str, *, hd: bool = False) -> SystemSources:
        inv = self.inventory
        return SystemSources(
            inv.find_camera(camera),
            inv.find_microphone(microphone),
            wanted=(camera, microphone),
            camera_mode=HD if hd else self.camera_mode,
            processing=self.processing,
            reference=self.reference,
            tap=self.tap,
            on_status=self.on_status,
        )

    def playout(self) -> Playout:
        """A playout feeding this catalogue's echo reference (no output until set_output)."""
        return Playout(self.reference, self.on_status)

    def speaker_output(self, speaker: str) -> OutputStreamFactory | None:
        """The output for a speaker label ("" = the default), None when there is none."""
        found = self.inventory.find_speaker(speaker)
        if found is None:
            return None
        return portaudio_output(found)
