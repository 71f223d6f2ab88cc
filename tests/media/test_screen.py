"""Screen sharing: x11grab from an Xvfb display (whole screen and one window), Wayland and
no display as obstacles, the window list parser, and the text-friendly VP8 encoder."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from fractions import Fraction

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from tests.xvfb import running_xvfb
from visio_desktop.media.camera import CameraMode, LavfiPattern
from visio_desktop.media.screen import (
    ScreenOpener,
    ScreenTrack,
    WholeScreen,
    Window,
    list_windows,
    obstacle,
    parse_children,
    screen_source,
)
from visio_desktop.media.status import DeviceState, ignore_status
from visio_desktop.rtc.ice import gather_loopback_only
from visio_desktop.rtc.screen_encoder import ScreenVp8Encoder, use_screen_encoder

WAIT = 10.0


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with running_xvfb() as name:
        yield name


async def frames(track: ScreenTrack, count: int) -> list[VideoFrame]:
    return [await asyncio.wait_for(track.recv(), WAIT) for _ in range(count)]


async def test_the_whole_screen_at_full_resolution(display: str) -> None:
    start = screen_source(WholeScreen(display), fps=10, env={"DISPLAY": display}, platform="linux")
    track = start(ignore_status)
    assert isinstance(track, ScreenTrack)
    try:
        got = await frames(track, 3)
    finally:
        track.stop()
    assert {(f.width, f.height, f.format.name) for f in got} == {(1280, 800, "yuv420p")}
    track.thread.join(timeout=WAIT)
    assert not track.thread.is_alive()


@pytest.fixture
def xmessage_window(display: str) -> Iterator[Window]:
    """A 300x120 window (xmessage) on the test display, found through list_windows."""
    if shutil.which("xmessage") is None:
        pytest.fail("xmessage is missing: ./dev test installs it (Debian package x11-utils)")
    env = {**os.environ, "DISPLAY": display}
    app = subprocess.Popen(
        ["xmessage", "-geometry", "300x120+100+50", "Hello"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAIT  # an upper bound while the window appears
        windows: list[Window] = []
        while not windows and time.monotonic() < deadline:
            windows = [w for w in list_windows(display, env) if w.title == "xmessage"]
        assert windows, f"no xmessage window (exit {app.poll()}): {list_windows(display, env)}"
        yield windows[0]
    finally:
        app.terminate()
        app.wait(timeout=WAIT)


async def test_one_window(display: str, xmessage_window: Window) -> None:
    track = screen_source(xmessage_window, env={"DISPLAY": display}, platform="linux")(
        ignore_status
    )
    assert isinstance(track, ScreenTrack)
    try:
        got = await frames(track, 2)
    finally:
        track.stop()
    assert (got[-1].width, got[-1].height) == (300, 120)


@pytest.mark.parametrize(
    "env",
    [
        {"WAYLAND_DISPLAY": "wayland-0"},
        {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"},
        {},
    ],
)
def test_wayland_or_no_display_is_unavailable_with_a_reason(env: dict[str, str]) -> None:
    assert obstacle(env, "linux") is not None
    assert obstacle({"DISPLAY": ":0"}, "linux") is None


async def test_a_display_that_does_not_exist_is_a_failed_state() -> None:
    start = screen_source(WholeScreen(":199"), env={"DISPLAY": ":199"}, platform="linux")
    track = start(ignore_status)
    assert isinstance(track, ScreenTrack)
    track.thread.join(timeout=WAIT)
    assert track.status.state in (DeviceState.FAILED, DeviceState.NO_DEVICE)
    track.stop()


def test_other_platforms_build_their_capture() -> None:
    assert ScreenOpener(WholeScreen(), platform="win32").arguments()[:2] == ("desktop", "gdigrab")
    win = ScreenOpener(Window(1, "Notes"), platform="win32").arguments()
    assert win[:2] == ("title=Notes", "gdigrab")
    assert ScreenOpener(WholeScreen(), platform="darwin").arguments()[1] == "avfoundation"
    x11 = ScreenOpener(Window(0x20002C), env={"DISPLAY": ":3"}, platform="linux").arguments()
    assert x11 == (":3", "x11grab", {"framerate": "10", "draw_mouse": "1", "window_id": "2097196"})
    monitor = ScreenOpener(WholeScreen(":3", region=(1920, 0, 1280, 1024)), platform="linux")
    assert monitor.arguments()[0] == ":3+1920,0"
    assert monitor.arguments()[2]["video_size"] == "1280x1024"


def test_window_list_parsing() -> None:
    text = """
  Root window id: 0x50d (the root window) (has no name)
  2 children:
     0x20002c "xmessage": ("xmessage" "Xmessage")  300x120+100+50  +100+50
     0x400001 (has no name): ()  1x1+-1+-1  +-1+-1
"""
    assert parse_children(text) == [Window(0x20002C, "xmessage")]


def test_screen_encoder_keeps_a_text_friendly_bitrate() -> None:
    encoder = ScreenVp8Encoder()
    encoder.target_bitrate = 300_000  # REMB asking for less than text needs
    assert encoder.target_bitrate == ScreenVp8Encoder.MIN_BITRATE
    frame = VideoFrame(1280, 800, "yuv420p")
    frame.pts, frame.time_base = 0, Fraction(1, 90_000)
    payloads, _ = encoder.encode(frame)
    assert payloads and encoder.codec is not None
    assert encoder.codec.bit_rate == ScreenVp8Encoder.MIN_BITRATE
    assert encoder.codec.qmax == ScreenVp8Encoder.QMAX  # text stays readable


async def test_a_sender_can_be_given_the_screen_encoder() -> None:
    """aiortc creates a sender's encoder on the first frame only if it has none: one given
    before the call starts is the one used."""
    gather_loopback_only(True)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    b.on("track", received.put_nowait)
    screen = ScreenTrack(LavfiPattern("testsrc2", CameraMode(1280, 800, 10)), device="fake screen")
    try:
        encoder = use_screen_encoder(a.addTrack(screen))
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        remote = await asyncio.wait_for(received.get(), WAIT)
        frame = await asyncio.wait_for(remote.recv(), WAIT)
        assert isinstance(frame, VideoFrame) and (frame.width, frame.height) == (1280, 800)
        assert encoder.codec is not None
        assert (encoder.codec.bit_rate or 0) >= ScreenVp8Encoder.MIN_BITRATE
    finally:
        screen.stop()
        await a.close()
        await b.close()
        gather_loopback_only(False)
