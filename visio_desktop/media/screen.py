"""Screen sharing: a whole screen or one window as a video track at full resolution.

- X11: FFmpeg's x11grab through av. A window is captured with x11grab's `window_id` option
  (the capture follows the window when it moves); windows are listed with xprop/xwininfo
  (the UI may instead pass a window id it got from Qt).
- Windows: gdigrab ("desktop", or "title=<window title>"); macOS: avfoundation's "Capture
  screen N" devices. These code paths are not exercised on Linux CI.
- Wayland: `obstacle()` says so, and the UI words it. (Under XWayland x11grab sees only X
  clients and gives black for native Wayland windows, so a Wayland session is reported
  unavailable too, until the desktop portal is supported.)

Frames keep the source resolution (rounded down to even sizes) at 5 to 15 fps. A bitrate
suited to text is the encoder's business, see `rtc.screen_encoder`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import av

from visio_desktop.media.capture import CaptureTrack, Clock, Opener
from visio_desktop.media.status import DeviceKind, StatusCallback, ignore_status

MIN_FPS, MAX_FPS, DEFAULT_FPS = 5, 15, 10


@dataclass(frozen=True)
class WholeScreen:
    display: str = ""  # X11 display (":0.0"; "" = $DISPLAY) or the macOS screen index
    label: str = "Screen"
    region: tuple[int, int, int, int] | None = None  # one monitor: x, y, width, height


@dataclass(frozen=True)
class Window:
    window_id: int  # X11 window id (Windows: unused)
    title: str = ""  # the window's title (what gdigrab needs on Windows)
    display: str = ""


ScreenTarget = WholeScreen | Window


class Obstacle(StrEnum):
    """Why screen sharing cannot work in a session."""

    WAYLAND = "wayland"
    NO_DISPLAY = "no-display"


def obstacle(env: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Obstacle | None:
    """What stops screen sharing in this session, or None if it can work (the UI words it)."""
    if platform in ("win32", "darwin"):
        return None
    if env.get("XDG_SESSION_TYPE") == "wayland" or (
        env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")
    ):
        return Obstacle.WAYLAND
    if not env.get("DISPLAY"):
        return Obstacle.NO_DISPLAY
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
        options = {"framerate": str(self.fps), "draw_mouse": "1"}
        target = self.target
        region = target.region if isinstance(target, WholeScreen) else None
        if region is not None:
            options["video_size"] = f"{region[2]}x{region[3]}"
        if self.platform == "win32":
            url = f"title={target.title}" if isinstance(target, Window) else "desktop"
            if region is not None:
                options |= {"offset_x": str(region[0]), "offset_y": str(region[1])}
            return url, "gdigrab", options
        if self.platform == "darwin":
            index = target.display if isinstance(target, WholeScreen) and target.display else "0"
            rate = {"framerate": options["framerate"], "capture_cursor": "1"}
            return f"Capture screen {index}", "avfoundation", rate
        display = target.display or (self.env or os.environ).get("DISPLAY", ":0")
        if isinstance(target, Window):
            options["window_id"] = str(target.window_id)
        elif region is not None:
            display = f"{display}+{region[0]},{region[1]}"
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


def screen_source(
    target: ScreenTarget,
    fps: int = DEFAULT_FPS,
    *,
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
) -> Callable[[StatusCallback], ScreenTrack]:
    """What starts sharing `target` at `fps` (clamped to 5-15) when called with a status
    callback: the engine's `ScreenSource`."""
    fps = min(MAX_FPS, max(MIN_FPS, fps))
    label = target.label if isinstance(target, WholeScreen) else target.title or "Window"
    opener = ScreenOpener(target, fps, platform, env)

    def start(on_status: StatusCallback) -> ScreenTrack:
        return ScreenTrack(opener, device=label, on_status=on_status)

    return start


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
