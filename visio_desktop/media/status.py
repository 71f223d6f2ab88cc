"""What a device is doing, as a state the engine forwards to the UI: never an exception.

Every capture or playout object reports `DeviceStatus` values through a callback (called from
whichever thread noticed the change: keep it short and thread-safe, e.g. hand it to the engine
loop with `call_soon_threadsafe`). Foreign errors (FFmpeg, PortAudio) are classified here.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class DeviceKind(Enum):
    CAMERA = "camera"
    MICROPHONE = "microphone"
    SPEAKER = "speaker"
    SCREEN = "screen"


class DeviceState(Enum):
    STARTING = "starting"  # opening the device
    ACTIVE = "active"  # delivering media
    STOPPED = "stopped"  # stopped on purpose; the device is released
    NO_DEVICE = "no_device"  # there is no such device (none at all, or not found)
    BUSY = "busy"  # another application holds it
    UNPLUGGED = "unplugged"  # it went away while in use
    FAILED = "failed"  # any other error; the message says which
    UNAVAILABLE = "unavailable"  # not possible here (screen sharing on Wayland)

    @property
    def is_problem(self) -> bool:
        return self in _PROBLEMS


_PROBLEMS = frozenset(
    {
        DeviceState.NO_DEVICE,
        DeviceState.BUSY,
        DeviceState.UNPLUGGED,
        DeviceState.FAILED,
        DeviceState.UNAVAILABLE,
    }
)


@dataclass(frozen=True)
class DeviceStatus:
    kind: DeviceKind
    state: DeviceState
    device: str  # the device's label ("" when there is none)
    message: str = ""  # a sentence a user can read


StatusCallback = Callable[[DeviceStatus], None]


def ignore_status(status: DeviceStatus) -> None:
    return None


# PortAudio says "Device unavailable" (paDeviceUnavailable) when ALSA or WASAPI answer busy,
# and "Error querying device -1" when there is no default device at all.
_BUSY_WORDS = ("busy", "in use", "resource temporarily unavailable", "exclusive", "unavailable")
_GONE_WORDS = (
    "no such device",
    "no such file",
    "not found",
    "disconnected",
    "invalid device",
    "error querying device",
    "no default",
)


def classify_error(exc: BaseException, *, while_running: bool = False) -> DeviceState:
    """BUSY, NO_DEVICE / UNPLUGGED (while running) or FAILED for an FFmpeg/PortAudio/OS error."""
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    gone = DeviceState.UNPLUGGED if while_running else DeviceState.NO_DEVICE
    if code in (errno.EBUSY, errno.EAGAIN) or any(w in text for w in _BUSY_WORDS):
        return DeviceState.BUSY
    if code in (errno.ENODEV, errno.ENOENT, errno.ENXIO) or any(w in text for w in _GONE_WORDS):
        return gone
    if while_running and (code == errno.EIO or isinstance(exc, EOFError)):
        return DeviceState.UNPLUGGED
    return DeviceState.FAILED


_SENTENCES = {
    DeviceState.NO_DEVICE: "No {kind} was found{device}.",
    DeviceState.BUSY: "The {kind}{device} is used by another application.",
    DeviceState.UNPLUGGED: "The {kind}{device} was disconnected.",
    DeviceState.FAILED: "The {kind}{device} could not be used ({error}).",
}


def describe(
    kind: DeviceKind, state: DeviceState, device: str, exc: BaseException | None = None
) -> DeviceStatus:
    """A status with a readable sentence for a problem state."""
    template = _SENTENCES.get(state, "")
    where = f" ({device})" if device else ""
    message = template.format(kind=kind.value, device=where, error=exc or "unknown error")
    return DeviceStatus(kind, state, device, message)
