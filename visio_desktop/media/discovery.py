"""Which cameras, microphones and speakers there are, with identifiers that survive re-listing.

Cameras come from FFmpeg's capture formats through av: on Linux the /dev/video* nodes that
are capture nodes (named from sysfs, not opened: opening is the lazy probe done when capture
starts), on Windows dshow and on macOS avfoundation (both list through FFmpeg's log). Audio
devices come from sounddevice (PortAudio). With no sound card, or without libportaudio2, the
lists are empty: a state, not an error.

A `DeviceId` is the device's name plus its backend (PortAudio host API, or the FFmpeg format)
and an occurrence number for identical names; the PortAudio index is not part of it, because
it changes when devices come and go. `DeviceWatcher.poll()` re-lists (it may block for a few
milliseconds: call it off the engine loop, e.g. in an executor, every few seconds) and says
what changed.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from visio_desktop.media.portaudio import (
    AudioStream,
    AudioStreamFactory,
    FinishedCallback,
    PortAudioHost,
    StreamCallback,
    portaudio,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class DeviceId:
    kind: str  # "camera", "microphone", "speaker"
    backend: str  # "v4l2", "dshow", "avfoundation", or a PortAudio host API name ("ALSA"...)
    name: str
    occurrence: int = 1  # the n-th device of that name on that backend

    @property
    def label(self) -> str:
        """What the UI shows and remembers: "Name (backend)", with "#n" for twins."""
        twin = f" #{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.name}{twin} ({self.backend})"


@dataclass(frozen=True)
class CameraInfo:
    id: DeviceId
    url: str  # what av.open takes: "/dev/video0", "video=Integrated Camera", "0"
    format: str  # "v4l2", "dshow", "avfoundation"


@dataclass(frozen=True)
class AudioDeviceInfo:
    id: DeviceId
    index: int  # PortAudio index: valid for this listing only
    channels: int
    default_samplerate: float
    is_default: bool = False


_Device = TypeVar("_Device", CameraInfo, AudioDeviceInfo)


@dataclass(frozen=True)
class Inventory:
    cameras: tuple[CameraInfo, ...] = ()
    microphones: tuple[AudioDeviceInfo, ...] = ()
    speakers: tuple[AudioDeviceInfo, ...] = ()
    audio_error: str = ""  # why audio devices could not be listed ("" when they could)

    def ids(self) -> frozenset[DeviceId]:
        every: Sequence[CameraInfo | AudioDeviceInfo] = (
            *self.cameras,
            *self.microphones,
            *self.speakers,
        )
        return frozenset(d.id for d in every)

    def find_camera(self, label: str) -> CameraInfo | None:
        """The camera with this label; "" means the first one."""
        return _find(self.cameras, label)

    def find_microphone(self, label: str) -> AudioDeviceInfo | None:
        return _find_audio(self.microphones, label)

    def find_speaker(self, label: str) -> AudioDeviceInfo | None:
        return _find_audio(self.speakers, label)


def _find(devices: Sequence[_Device], label: str) -> _Device | None:
    if not label:
        return devices[0] if devices else None
    return next((d for d in devices if d.id.label == label), None)


def _find_audio(devices: Sequence[AudioDeviceInfo], label: str) -> AudioDeviceInfo | None:
    if not label:  # the system default, else the first
        return next((d for d in devices if d.is_default), devices[0] if devices else None)
    return _find(devices, label)


@dataclass(frozen=True)
class DeviceChanges:
    added: tuple[DeviceId, ...] = ()
    removed: tuple[DeviceId, ...] = ()
    inventory: Inventory = field(default_factory=Inventory)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def _number(ids: list[tuple[str, str, str]]) -> list[DeviceId]:
    """DeviceIds for (kind, backend, name) triples, numbering identical ones in order."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for triple in ids:
        seen[triple] = seen.get(triple, 0) + 1
        out.append(DeviceId(*triple, occurrence=seen[triple]))
    return out


# --- cameras --------------------------------------------------------------------------------

SYSFS_V4L = Path("/sys/class/video4linux")


def v4l2_cameras(sysfs: Path = SYSFS_V4L, dev: Path = Path("/dev")) -> tuple[CameraInfo, ...]:
    """Capture nodes under /dev/video*, named from sysfs. A UVC camera has a second node for
    metadata (sysfs `index` 1): only index 0 nodes are listed."""
    nodes = []
    for node in sorted(dev.glob("video*"), key=lambda p: _natural(p.name)):
        info = sysfs / node.name
        index = _read(info / "index", "0")
        if index.strip() not in ("", "0"):
            continue
        nodes.append((node, _read(info / "name", node.name).strip() or node.name))
    ids = _number([("camera", "v4l2", name) for _, name in nodes])
    return tuple(CameraInfo(i, str(node), "v4l2") for i, (node, _) in zip(ids, nodes, strict=True))


_DSHOW_LINE = re.compile(r'"(?P<name>[^"]+)"\s+\((?P<kind>video|audio|none)\)')
_DSHOW_OLD_HEADER = re.compile(r"DirectShow (?P<kind>video|audio) devices")
_AVF_LINE = re.compile(r"^\s*\[(?P<index>\d+)\]\s+(?P<name>.+?)\s*$")


def parse_dshow_devices(lines: Sequence[str]) -> list[str]:
    """Video device names from `-f dshow -list_devices true` log lines (old and new FFmpeg)."""
    names, section = [], ""
    for line in lines:
        header = _DSHOW_OLD_HEADER.search(line)
        if header:
            section = header["kind"]
            continue
        if "Alternative name" in line:
            continue
        match = _DSHOW_LINE.search(line) or re.search(r'"(?P<name>[^"]+)"', line)
        if not match:
            continue
        kind = match.groupdict().get("kind") or section
        if kind == "video":
            names.append(match["name"])
    return names


def parse_avfoundation_devices(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(index, name) of video devices from `-f avfoundation -list_devices true` log lines."""
    out, in_video = [], False
    for line in lines:
        if "AVFoundation video devices" in line:
            in_video = True
        elif "AVFoundation audio devices" in line:
            in_video = False
        elif (
            in_video
            and (match := _AVF_LINE.match(line))
            and not match["name"].startswith("Capture screen")
        ):
            out.append((int(match["index"]), match["name"]))
    return out


def _ffmpeg_device_log(fmt: str) -> list[str]:
    """FFmpeg's log lines for `-f fmt -list_devices true` (the open itself always fails)."""
    import av  # noqa: PLC0415 - only on Windows and macOS
    import av.logging  # noqa: PLC0415

    previous = av.logging.get_level()
    av.logging.set_level(av.logging.INFO)
    try:
        # Listing is done by failing to open: the exception is expected.
        with av.logging.Capture(local=False) as logs, contextlib.suppress(Exception):
            av.open("dummy" if fmt == "dshow" else "", format=fmt, options={"list_devices": "true"})
    finally:
        av.logging.set_level(previous)
    return [str(entry[2]) for entry in logs]


def list_cameras(platform: str = sys.platform) -> tuple[CameraInfo, ...]:
    try:
        if platform.startswith("linux"):
            return v4l2_cameras()
        if platform == "win32":
            names = parse_dshow_devices(_ffmpeg_device_log("dshow"))
            ids = _number([("camera", "dshow", n) for n in names])
            return tuple(CameraInfo(i, f"video={i.name}", "dshow") for i in ids)
        if platform == "darwin":
            found = parse_avfoundation_devices(_ffmpeg_device_log("avfoundation"))
            ids = _number([("camera", "avfoundation", n) for _, n in found])
            return tuple(
                CameraInfo(i, str(index), "avfoundation")
                for i, (index, _) in zip(ids, found, strict=True)
            )
    except Exception:
        logger.exception("listing cameras failed; carrying on with none")
    return ()


# --- audio ----------------------------------------------------------------------------------

QueryDevices = Callable[[], Sequence[Mapping[str, Any]]]
QueryHostApis = Callable[[], Sequence[Mapping[str, Any]]]


def portaudio_stream(
    direction: str, device: AudioDeviceInfo | None, *, rate: int, block: int
) -> AudioStreamFactory:
    """Opens an "input" or "output" PortAudio stream on `device` (None: the default): mono
    int16 at `rate` Hz in blocks of `block` frames, with low latency. The stream survives
    PortAudio restarts (see media.portaudio)."""
    where = None if device is None else (device.index, device.id.label)

    def factory(callback: StreamCallback, finished: FinishedCallback) -> AudioStream:
        return PORTAUDIO.open(direction, where, callback, finished, rate=rate, block=block)

    return factory


def device_indexes(sd: Any) -> dict[str, int]:
    """After a restart: each device's new PortAudio index, by direction and label."""
    microphones, speakers, _ = list_audio(
        lambda: list(sd.query_devices()), lambda: list(sd.query_hostapis())
    )
    found = {f"input:{m.id.label}": m.index for m in microphones}
    return found | {f"output:{s.id.label}": s.index for s in speakers}


PORTAUDIO = PortAudioHost(labels=device_indexes)


def list_audio(
    query_devices: QueryDevices | None = None,
    query_hostapis: QueryHostApis | None = None,
    *,
    rescan: bool = False,
) -> tuple[tuple[AudioDeviceInfo, ...], tuple[AudioDeviceInfo, ...], str]:
    """(microphones, speakers, error) from PortAudio; empty lists and a reason on failure.
    `rescan` restarts PortAudio first if it may have missed a device (see media.portaudio)."""
    try:
        if query_devices is None or query_hostapis is None:
            sd = portaudio()

            if rescan:
                PORTAUDIO.rescan()
            query_devices = query_devices or (lambda: list(sd.query_devices()))
            query_hostapis = query_hostapis or (lambda: list(sd.query_hostapis()))
        devices, apis = list(query_devices()), list(query_hostapis())
    except Exception as exc:  # OSError (no PortAudio), PortAudioError
        return (), (), f"Audio devices cannot be listed: {exc}"
    result = []
    for kind, channels_key, default_key in (
        ("microphone", "max_input_channels", "default_input_device"),
        ("speaker", "max_output_channels", "default_output_device"),
    ):
        chosen = [d for d in devices if int(d.get(channels_key, 0)) > 0]
        triples = [(kind, _api_name(apis, d), str(d["name"])) for d in chosen]
        defaults = {int(a.get(default_key, -1)) for a in apis}
        result.append(
            tuple(
                AudioDeviceInfo(
                    i,
                    int(d["index"]),
                    int(d[channels_key]),
                    float(d.get("default_samplerate", 48_000.0)),
                    is_default=int(d["index"]) in defaults and _is_first_api(apis, d),
                )
                for i, d in zip(_number(triples), chosen, strict=True)
            )
        )
    return result[0], result[1], ""


def _api_name(apis: Sequence[Mapping[str, Any]], device: Mapping[str, Any]) -> str:
    index = int(device.get("hostapi", 0))
    return str(apis[index]["name"]) if 0 <= index < len(apis) else "audio"


def _is_first_api(apis: Sequence[Mapping[str, Any]], device: Mapping[str, Any]) -> bool:
    """PortAudio's default host API is its first: defaults of the other APIs do not count."""
    return int(device.get("hostapi", 0)) == 0


def take_inventory(platform: str = sys.platform, *, rescan: bool = True) -> Inventory:
    microphones, speakers, error = list_audio(rescan=rescan)
    return Inventory(list_cameras(platform), microphones, speakers, error)


class DeviceWatcher:
    """Re-lists devices on demand and tells what came and went since the last poll."""

    def __init__(self, lister: Callable[[], Inventory] = take_inventory) -> None:
        self._lister = lister
        self.inventory = lister()

    def poll(self) -> DeviceChanges:
        """List again (blocking: not on the engine loop); false-y when nothing changed."""
        new = self._lister()
        before, after = self.inventory.ids(), new.ids()
        self.inventory = new
        return DeviceChanges(
            added=tuple(sorted(after - before)),
            removed=tuple(sorted(before - after)),
            inventory=new,
        )


def _read(path: Path, default: str) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return default


def _natural(name: str) -> tuple[str, int]:
    digits = re.search(r"\d+$", name)
    return (name[: digits.start()] if digits else name, int(digits.group()) if digits else -1)
