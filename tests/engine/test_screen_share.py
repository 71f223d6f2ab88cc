"""Screen sharing as a second video track: the mesh's screen slot in both offer directions, and
whole meetings on the embedded server where one participant shares, stops, and loses the
capture, while the camera keeps flowing."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator

import pytest
from av import VideoFrame

from tests.engine.conftest import QUICK_RECONNECT, WAIT, EventLog, frame_from
from tests.engine.direct_mesh import Mesh
from tests.screen_sources import fake_screen
from visio_desktop.core.kinds import Slot, TileKey
from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.screen import ScreenTrack
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.media.status import StatusCallback
from visio_desktop.rtc.mesh import slots_of
from visio_desktop.rtc.screen_encoder import ScreenVp8Encoder

# -- the mesh's screen slot -----------------------------------------------------------------


@pytest.mark.parametrize("sharer", ["a", "b"])  # "a" offers, "b" answers
async def test_the_screen_slot_carries_full_resolution_in_both_directions(
    loopback: None, sharer: str
) -> None:
    pair = Mesh(("a", "b"))
    receiver = "b" if sharer == "a" else "a"
    screen = fake_screen(lambda _: None)
    try:
        await pair.calls[sharer].publish(Slot.SCREEN, screen)
        await pair.calls["a"].add_participant("b")
        remote = await pair.track_at(receiver, Slot.SCREEN)
        frame = await asyncio.wait_for(remote.recv(), WAIT)
        assert isinstance(frame, VideoFrame)
        assert (frame.width, frame.height) == (1280, 720)
        connection = pair.calls[sharer].connection(receiver)
        assert connection is not None
        sender = slots_of(connection)[Slot.SCREEN].sender
        encoder = getattr(sender, "_RTCRtpSender__encoder", None)
        assert isinstance(encoder, ScreenVp8Encoder)  # the text-friendly one, not aiortc's own
    finally:
        screen.stop()
        await pair.close()


# -- whole meetings -------------------------------------------------------------------------


class VideoLog:
    """The receiving session's video sink: sizes of frames per tile key, and a signal when a
    key has had a frame since it was last cleared."""

    def __init__(self) -> None:
        self.sizes: dict[TileKey, tuple[int, int]] = {}
        self.frames: queue.Queue[TileKey] = queue.Queue()
        self._lock = threading.Lock()

    def __call__(self, key: TileKey, frame: VideoFrame) -> None:
        with self._lock:
            self.sizes[key] = (frame.width, frame.height)
        self.frames.put(key)

    def wait_for(self, key: TileKey) -> tuple[int, int]:
        while True:
            try:
                got = self.frames.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no frame for {key} within {WAIT} s") from None
            if got == key:
                with self._lock:
                    return self.sizes[key]

    def drain(self) -> None:
        while not self.frames.empty():
            self.frames.get_nowait()


@pytest.fixture
def meeting(
    engine: EngineThread, link: MeetingLink
) -> Iterator[tuple[Session, EventLog, str, Session, EventLog, VideoLog]]:
    """Alice (camera on) and Bob, who records what he receives, in one meeting."""
    alice_log, bob_log, video = EventLog(), EventLog(), VideoLog()
    alice = Session(engine, alice_log, reconnect=QUICK_RECONNECT)
    bob = Session(engine, bob_log, reconnect=QUICK_RECONNECT, video_sink=video)
    media = MediaOptions(
        audio=False, video=True, sources=SyntheticSources("Alice", width=320, height=180)
    )
    alice.join(link, "Alice", media).result(timeout=WAIT)
    alice_id = alice_log.wait_for(ev.Joined).self_id
    bob.join(link, "Bob", MediaOptions()).result(timeout=WAIT)
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id))
    yield alice, alice_log, alice_id, bob, bob_log, video
    for session in (alice, bob):
        session.leave().result(timeout=WAIT)


def test_a_shared_screen_reaches_the_others_beside_the_camera(
    meeting: tuple[Session, EventLog, str, Session, EventLog, VideoLog],
) -> None:
    alice, alice_log, alice_id, _, bob_log, video = meeting
    screens: list[ScreenTrack] = []

    def source(on_status: StatusCallback) -> ScreenTrack:
        screens.append(fake_screen(on_status))
        return screens[-1]

    alice.share_screen(source).result(timeout=WAIT)
    assert alice_log.wait_for(ev.ScreenShareChanged).sharing
    bob_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.screen)
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id, Slot.SCREEN))
    assert video.wait_for(TileKey.screen(alice_id)) == (1280, 720)  # full resolution
    assert video.wait_for(TileKey.camera(alice_id)) == (320, 180)  # the camera goes on beside it

    alice.share_screen(None).result(timeout=WAIT)
    stopped = alice_log.wait_for(ev.ScreenShareChanged)
    assert (stopped.sharing, stopped.detail) == (False, "")
    bob_log.wait_for(ev.ParticipantUpdated, lambda e: not e.participant.screen)
    screens[0].thread.join(timeout=WAIT)
    assert not screens[0].thread.is_alive()  # the capture is released

    alice.share_screen(source).result(timeout=WAIT)  # sharing again uses the same slot
    bob_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.screen)
    video.drain()
    assert video.wait_for(TileKey.screen(alice_id)) == (1280, 720)


def test_a_capture_that_fails_stops_sharing_and_says_why(
    meeting: tuple[Session, EventLog, str, Session, EventLog, VideoLog],
) -> None:
    alice, alice_log, alice_id, _, bob_log, video = meeting

    def broken(on_status: StatusCallback) -> ScreenTrack:
        def opener() -> object:
            raise OSError("Cannot open display :199, error 1")

        return ScreenTrack(opener, device="Screen", on_status=on_status)

    alice.share_screen(broken).result(timeout=WAIT)
    assert alice_log.wait_for(ev.ScreenShareChanged).sharing
    stopped = alice_log.wait_for(ev.ScreenShareChanged)
    assert not stopped.sharing and "could not be used" in stopped.detail
    bob_log.wait_for(ev.ParticipantUpdated, lambda e: not e.participant.screen)
    video.drain()
    assert video.wait_for(TileKey.camera(alice_id)) == (320, 180)  # the meeting goes on
