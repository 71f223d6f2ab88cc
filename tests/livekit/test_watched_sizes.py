"""Publishing what is needed, with a real LiveKit: the camera is described to LiveKit as three
qualities (full, half and quarter size), so LiveKit tells the sender which one its viewers'
tiles need, and the sender's one stream is encoded at that size. The viewer keeps receiving
whatever size it is sent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.engine.conftest import QUICK_RECONNECT, WAIT, EventLog
from tests.livekit.rig import LiveKitNode
from tests.livekit.test_sfu_session import grants
from visio_desktop.core.kinds import Slot, TileKey
from visio_desktop.core.links import parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.sfu_backend import LiveKitBackend
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources


class FrameSizes:
    """The video sink of a viewer: waits until a tile's frames have a given height."""

    def __init__(self) -> None:
        self._heights: dict[TileKey, int] = {}
        self._changed = threading.Condition()

    def __call__(self, key: TileKey, frame: Any) -> None:
        with self._changed:
            self._heights[key] = frame.height
            self._changed.notify_all()

    def wait_for_height(self, key: TileKey, height: int) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._heights.get(key) == height, WAIT):
                seen = self._heights.get(key)
                raise AssertionError(f"{key} frames are {seen} high, not {height}")


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll a value set on the engine thread (the encoder's scale) until it holds."""
    done = threading.Event()
    for _ in range(int(WAIT / 0.05)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError(what)


@pytest.fixture
def engine() -> Iterator[EngineThread]:
    thread = EngineThread()
    thread.start()
    yield thread
    thread.stop()


def test_the_camera_is_encoded_at_the_size_its_viewers_show(
    livekit: LiveKitNode, engine: EngineThread
) -> None:
    link = parse_link("http://127.0.0.1:9/sfu-wats-ize")
    source = grants(livekit, "sfu-watched-sizes")
    sender_log, viewer_log, sizes = EventLog(), EventLog(), FrameSizes()
    sender = Session(engine, sender_log, lambda _: LiveKitBackend(source), QUICK_RECONNECT)
    viewer = Session(
        engine, viewer_log, lambda _: LiveKitBackend(source), QUICK_RECONNECT, video_sink=sizes
    )
    camera = SyntheticSources("Host", width=640, height=360, fps=15)
    try:
        sender.join(link, "Host", MediaOptions(audio=False, video=True, sources=camera)).result(
            WAIT
        )
        viewer.join(link, "Guest", MediaOptions(audio=False, video=False)).result(WAIT)
        host = sender_log.wait_for(ev.Joined).self_id
        tile = TileKey.camera(host)
        meeting = sender._meeting
        assert meeting is not None and meeting.plane is not None
        plane: Any = meeting.plane

        def scale() -> float:
            return float(plane._camera.watched_scale) if plane._camera is not None else -1.0

        # A thumbnail needs the quarter-size quality: that is what is encoded and received.
        viewer.show_tiles({tile: (160, 90)}).result(WAIT)
        wait_until(lambda: scale() == 0.25, "the camera did not go down to quarter size")
        sizes.wait_for_height(tile, 90)
        # The same person as the main tile: full size again.
        viewer.show_tiles({tile: (640, 360)}).result(WAIT)
        wait_until(lambda: scale() == 1.0, "the camera did not come back to full size")
        sizes.wait_for_height(tile, 360)
        # Off screen: nobody watches, nothing is encoded.
        viewer.show_tiles({}).result(WAIT)
        wait_until(lambda: scale() == 0.0, "the camera is still encoded for nobody")
        assert plane._published.get(Slot.CAMERA)
    finally:
        for session in (viewer, sender):
            session.leave().result(WAIT)
