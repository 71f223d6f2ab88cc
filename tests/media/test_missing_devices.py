"""Missing, busy and unplugged cameras, and a catalogue with nothing in it: states, not crashes."""

from __future__ import annotations

import asyncio
import errno
import queue
from typing import Any

import av
import pytest

from visio_desktop.media.camera import SD, CameraTrack, DeviceOpener
from visio_desktop.media.devices import SystemDevices
from visio_desktop.media.discovery import CameraInfo, DeviceId, DeviceWatcher, Inventory
from visio_desktop.media.status import DeviceState, DeviceStatus

WAIT = 10.0


def wait_for_state(statuses: queue.Queue[DeviceStatus], state: DeviceState) -> DeviceStatus:
    while True:
        status = statuses.get(timeout=WAIT)
        if status.state is state:
            return status


def raising(error: Exception) -> Any:
    def opener() -> Any:
        raise error

    return opener


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (
            av.error.FileNotFoundError(errno.ENOENT, "No such file or directory"),
            DeviceState.NO_DEVICE,
        ),
        (OSError(errno.EBUSY, "Device or resource busy"), DeviceState.BUSY),
        (av.error.OSError(errno.EIO, "Input/output error"), DeviceState.FAILED),
    ],
)
async def test_a_camera_that_cannot_open_is_a_state_and_sends_black(
    error: Exception, state: DeviceState
) -> None:
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = CameraTrack(raising(error), device="cam", on_status=statuses.put)
    try:
        status = wait_for_state(statuses, state)
        assert status.message and "cam" in status.message
        frame = await asyncio.wait_for(track.recv(), WAIT)  # an idle black frame
        assert (frame.width, frame.height) == (SD.width, SD.height)
    finally:
        track.stop()
    track.thread.join(timeout=WAIT)
    assert not track.thread.is_alive()


async def test_a_camera_unplugged_mid_capture_is_a_state_and_the_track_lives_on() -> None:
    def short_lived() -> Any:  # 10 frames, then the input ends as a pulled-out camera does
        return av.open("testsrc=size=640x360:rate=30:duration=0.34,realtime", format="lavfi")

    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = CameraTrack(short_lived, device="usb cam", on_status=statuses.put)
    try:
        wait_for_state(statuses, DeviceState.ACTIVE)
        assert wait_for_state(statuses, DeviceState.UNPLUGGED).message
        for _ in range(3):  # what is left, then black frames: the sender is not starved
            await asyncio.wait_for(track.recv(), WAIT)
        assert track.readyState == "live"
    finally:
        track.stop()


async def test_a_real_v4l2_device_that_is_not_there() -> None:
    camera = CameraInfo(DeviceId("camera", "v4l2", "Gone"), "/dev/video-none", "v4l2")
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = CameraTrack(DeviceOpener(camera), device=camera.id.label, on_status=statuses.put)
    try:
        assert wait_for_state(statuses, DeviceState.NO_DEVICE).device == "Gone (v4l2)"
    finally:
        track.stop()


def test_a_catalogue_without_devices_gives_none_and_says_why() -> None:
    seen: list[DeviceStatus] = []
    devices = SystemDevices(on_status=seen.append, watcher=DeviceWatcher(Inventory))
    lists = devices.lists()
    assert (lists.cameras, lists.microphones, lists.speakers) == ((), (), ())
    sources = devices.sources("", "")
    assert sources.open("video") is None and sources.open("audio") is None
    assert [s.state for s in seen] == [DeviceState.NO_DEVICE, DeviceState.NO_DEVICE]
    assert devices.speaker_output("") is None


def test_a_remembered_camera_is_found_by_its_label() -> None:
    camera = CameraInfo(DeviceId("camera", "v4l2", "Test"), "unused", "v4l2")
    devices = SystemDevices(watcher=DeviceWatcher(lambda: Inventory(cameras=(camera,))))
    assert devices.lists().cameras == ("Test (v4l2)",)
    sources = devices.sources("Test (v4l2)", "")
    assert sources.camera == camera
    assert devices.sources("Other (v4l2)", "").camera is None
