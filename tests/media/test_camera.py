"""Camera tracks from FFmpeg's lavfi test source: frames, sizes, and the thread ending."""

from __future__ import annotations

import asyncio
import queue

import pytest
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from visio_desktop.media.camera import HD, CameraMode, CameraTrack, LavfiPattern, fit_size
from visio_desktop.media.status import DeviceState, DeviceStatus

WAIT = 10.0


async def frames(track: CameraTrack, count: int) -> list[VideoFrame]:
    return [await asyncio.wait_for(track.recv(), WAIT) for _ in range(count)]


@pytest.mark.parametrize("mode", [CameraMode(), HD])
async def test_frames_have_the_mode_size_and_increasing_pts(mode: CameraMode) -> None:
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = CameraTrack(LavfiPattern("testsrc", mode), mode, device="test", on_status=statuses.put)
    try:
        got = await frames(track, 10)
    finally:
        track.stop()
    assert {(f.width, f.height, f.format.name) for f in got} == {
        (mode.width, mode.height, "yuv420p")
    }
    pts = [f.pts or 0 for f in got]
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    assert all(f.time_base is not None and f.time_base.denominator == 90_000 for f in got)
    assert statuses.get(timeout=WAIT).state is DeviceState.STARTING
    assert statuses.get(timeout=WAIT).state is DeviceState.ACTIVE


async def test_stop_ends_the_capture_thread_and_closes_the_device() -> None:
    statuses: queue.Queue[DeviceStatus] = queue.Queue()
    track = CameraTrack(LavfiPattern(), device="test", on_status=statuses.put)
    await frames(track, 3)
    track.stop()
    track.thread.join(timeout=WAIT)
    assert not track.thread.is_alive()
    seen = [statuses.get(timeout=WAIT).state for _ in range(3)]
    assert seen[-1] is DeviceState.STOPPED
    assert track.readyState == "ended"


async def test_a_pending_recv_gets_a_last_frame_when_the_track_stops() -> None:
    """So that an aiortc sender waiting on the old track moves on after replaceTrack."""
    track = CameraTrack(LavfiPattern(), device="test")
    await frames(track, 1)
    pending = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)  # let recv start waiting (ordering, not timing)
    track.stop()
    last = await asyncio.wait_for(pending, WAIT)
    assert isinstance(last, VideoFrame)
    with pytest.raises(MediaStreamError):
        await track.recv()


def test_a_4_3_camera_keeps_its_aspect_ratio() -> None:
    assert fit_size((640, 480), (640, 360)) == (480, 360)
    assert fit_size((1920, 1080), (1280, 720)) == (1280, 720)
    assert fit_size((1280, 720), (640, 360)) == (640, 360)
