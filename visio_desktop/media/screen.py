"""Screen sharing: a whole screen or one window as a video track at full resolution.

- X11: FFmpeg's x11grab through av. A window is captured with x11grab's `window_id` option
  (the capture follows the window when it moves); windows are listed with xprop/xwininfo
  (the UI may instead pass a window id it got from Qt).
- Windows: gdigrab ("desktop", or "title=<window title>"); macOS: avfoundation's "Capture
  screen N" devices. These code paths are not exercised on Linux CI.
- Wayland without X: `Unavailable(reason)`. (Under XWayland x11grab sees only X clients and
  gives black for native Wayland windows, so a Wayland session is reported unavailable too,
  until the desktop portal is supported.)

Frames keep the source resolution (rounded down to even sizes) at 5 to 15 fps. A bitrate
suited to text is the encoder's business, see `ScreenVp8Encoder`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import av
from aiortc import RTCRtpSender
from aiortc.codecs.vpx import Vp8Encoder

from visio_desktop.media.capture import CaptureTrack, Clock, Opener
from visio_desktop.media.status import DeviceKind, StatusCallback, ignore_status

MIN_FPS, MAX_FPS, DEFAULT_FPS = 5, 15, 10


@dataclass(frozen=True)
class Unavailable:
    """Screen sharing cannot work here; `reason` is a sentence for the user."""

    reason: str


@dataclass(frozen=True)
class WholeScreen:
    display: str = ""  # X11 display (":0.0"; "" = $DISPLAY) or the macOS screen index
    label: str = "Screen"


@dataclass(frozen=True)
class Window:
    window_id: int  # X11 window id (Windows: unused)
    title: str = ""  # the window's title (what gdigrab needs on Windows)
    display: str = ""


ScreenTarget = WholeScreen | Window


def unavailable_reason(
    env: Mapping[str, str] = os.environ, platform: str = sys.platform
) -> str | None:
    """Why screen sharing cannot work in this session, or None if it can."""
    if platform in ("win32", "darwin"):
        return None
    if env.get("XDG_SESSION_TYPE") == "wayland" or (
        env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")
    ):
        return (
            "Screen sharing is not available in a Wayland session yet. "
            "Log in with an X11 (Xorg) session to share your screen."
        )
    if not env.get("DISPLAY"):
        return "Screen sharing needs a graphical session: no display was found."
    return None


@dataclass(frozen=True)
class ScreenOpener:
    """Opens the capture of `target` through av for this platform."""

    target: ScreenTarget
    fps: int = DEFAULT_FPS
    platform: str = sys.platform
    env: Mapping[str, str] | None = None

    def arguments(self) -> tuple[str, str, dict[str, str]]:
        """(url, format, options) for av.open."""
        rate = {"framerate": str(self.fps)}
        target = self.target
        if self.platform == "win32":
            url = f"title={target.title}" if isinstance(target, Window) else "desktop"
            return url, "gdigrab", {**rate, "draw_mouse": "1"}
        if self.platform == "darwin":
            index = target.display if isinstance(target, WholeScreen) and target.display else "0"
            return f"Capture screen {index}", "avfoundation", {**rate, "capture_cursor": "1"}
        display = target.display or (self.env or os.environ).get("DISPLAY", ":0")
        options = {**rate, "draw_mouse": "1"}
        if isinstance(target, Window):
            options["window_id"] = str(target.window_id)
        return display, "x11grab", options

    def __call__(self) -> Any:
        url, fmt, options = self.arguments()
        return av.open(url, format=fmt, options=options)


class ScreenTrack(CaptureTrack):
    """A screen or window capture at full resolution (see the module doc)."""

    def __init__(
        self,
        opener: Opener,
        *,
        device: str,
        on_status: StatusCallback = ignore_status,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(
            opener,
            device_kind=DeviceKind.SCREEN,
            device=device,
            size=None,
            on_status=on_status,
            clock=clock,
        )


def open_screen_share(
    target: ScreenTarget,
    fps: int = DEFAULT_FPS,
    on_status: StatusCallback = ignore_status,
    *,
    env: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
) -> ScreenTrack | Unavailable:
    """Start sharing `target` at `fps` (clamped to 5-15), or say why it cannot be done."""
    reason = unavailable_reason(env, platform)
    if reason is not None:
        return Unavailable(reason)
    fps = min(MAX_FPS, max(MIN_FPS, fps))
    label = target.label if isinstance(target, WholeScreen) else target.title or "Window"
    opener = ScreenOpener(target, fps, platform, env)
    return ScreenTrack(opener, device=label, on_status=on_status)


# --- X11 windows ------------------------------------------------------------------------

_CHILD = re.compile(r'^\s*(0x[0-9a-f]+) "(?P<title>[^"]*)":.*?(\d+)x(\d+)\+-?\d+\+-?\d+', re.M)
_NET_LIST = re.compile(r"0x[0-9a-f]+")


def _run(*args: str, env: Mapping[str, str] | None = None) -> str:
    if shutil.which(args[0]) is None:
        return ""
    try:
        done = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=3,
            env=dict(env or os.environ),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def parse_children(text: str) -> list[Window]:
    """Named, visible-size top-level windows from `xwininfo -root -children` output."""
    return [
        Window(int(m.group(1), 16), m["title"])
        for m in _CHILD.finditer(text)
        if m["title"] and int(m.group(3)) > 1 and int(m.group(4)) > 1
    ]


def list_windows(display: str = "", env: Mapping[str, str] | None = None) -> list[Window]:
    """Application windows on an X11 display (blocking: call off the engine loop)."""
    env = {**(env or os.environ), **({"DISPLAY": display} if display else {})}
    managed = _NET_LIST.findall(_run("xprop", "-root", "_NET_CLIENT_LIST", env=env))
    if managed:  # a window manager lists the application windows for us
        windows = []
        for wid in managed:
            name = _run("xprop", "-id", wid, "_NET_WM_NAME", "WM_NAME", env=env)
            title = re.search(r'= "(.*)"', name)
            windows.append(Window(int(wid, 16), title.group(1) if title else wid, display))
        return windows
    found = parse_children(_run("xwininfo", "-root", "-children", env=env))
    return [Window(w.window_id, w.title, display) for w in found]


class ScreenVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder tuned for text: no denoiser (it smears glyphs), a bitrate range
    of 0.8-3 Mbps instead of 0.25-1.5 Mbps (the receiver's REMB still steers it inside it),
    and libvpx's screen content mode. aiortc has no sender parameters for this: the report
    tells how to give a sender this encoder."""

    MIN_BITRATE, MAX_BITRATE, START_BITRATE = 800_000, 3_000_000, 1_500_000

    def __init__(self) -> None:
        super().__init__()
        self._screen_bitrate = self.START_BITRATE

    @property
    def target_bitrate(self) -> int:
        return self._screen_bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._screen_bitrate = max(self.MIN_BITRATE, min(bitrate, self.MAX_BITRATE))

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        codec = self.codec
        if (
            codec is None
            or (frame.width, frame.height) != (codec.width, codec.height)
            or abs(self.target_bitrate - (codec.bit_rate or 0)) > 0.1 * (codec.bit_rate or 1)
        ):
            self.codec = self._open_codec(frame.width, frame.height)
        result: tuple[list[bytes], int] = super().encode(frame, force_keyframe)
        return result

    def _open_codec(self, width: int, height: int) -> Any:
        """The same settings as aiortc's encoder, but for text (see the class doc)."""
        rate = self.target_bitrate
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height, codec.bit_rate = width, height, rate
        codec.pix_fmt, codec.gop_size, codec.qmin, codec.qmax = "yuv420p", 3000, 2, 56
        codec.options = {
            "bufsize": str(rate),
            "cpu-used": "-6",
            "deadline": "realtime",
            "lag-in-frames": "0",
            "minrate": str(rate),
            "maxrate": str(rate),
            "noise-sensitivity": "0",
            "screen-content-mode": "1",
            "overshoot-pct": "15",
            "partitions": "0",
            "static-thresh": "1",
            "undershoot-pct": "100",
        }
        codec.thread_count = min(4, max(1, (os.cpu_count() or 1)))
        return codec


def use_screen_encoder(sender: RTCRtpSender) -> ScreenVp8Encoder:
    """Give `sender` the text-friendly encoder. aiortc 1.16 has no sender parameters for
    bitrate; it creates a sender's encoder on the first frame only if it has none, so this
    must run before the sender's first frame (right after addTrack). It sets a private
    attribute: re-check on aiortc upgrades (the project pins aiortc < 1.17)."""
    encoder = ScreenVp8Encoder()
    setattr(sender, "_RTCRtpSender__encoder", encoder)  # noqa: B010 - name-mangled, on purpose
    return encoder
