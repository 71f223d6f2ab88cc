"""Video over a lossy path, on real aiortc connections through the embedded server: with one
RTP packet in ten dropped at random (seeded) on the way from Alice to Bob, Bob's frame buffer
repairs what NACK and RTX bring back, gives up (and asks for a keyframe) only on what they
cannot, and the picture keeps coming. Bob's receiver holds our buffer, not aiortc's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from aiortc.jitterbuffer import JitterFrame

from tests.engine.conftest import WAIT, EventLog, frame_from
from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc.frame_buffer import CompleteFrameBuffer
from visio_desktop.rtc.mesh import MeshCall
from visio_desktop.rtc.shaper import PathFaults, Shaper, shape_transport

FRAMES_UNDER_LOSS = 150  # about five seconds of video at 30 fps


def mesh_of(session: Session) -> MeshCall:
    meeting = session._meeting  # test-only: the real connection, to reach into it
    mesh = meeting.plane if meeting is not None else None
    assert isinstance(mesh, MeshCall)
    return mesh


def test_video_survives_ten_percent_loss(
    engine: EngineThread, make_session: Callable[[], tuple[Session, EventLog]], link: MeetingLink
) -> None:
    alice, alice_log = make_session()
    bob, bob_log = make_session()
    video = MediaOptions(video=True, sources=SyntheticSources("Alice", width=320, height=180))
    alice.join(link, "Alice", video).result(timeout=WAIT)
    alice_id = alice_log.wait_for(ev.Joined).self_id
    bob.join(link, "Bob", MediaOptions()).result(timeout=WAIT)
    bob_id = bob_log.wait_for(ev.Joined).self_id
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id))

    async def buffers() -> list[CompleteFrameBuffer]:
        pc = mesh_of(bob).connection(alice_id)
        assert pc is not None
        found = [
            getattr(receiver, "_RTCRtpReceiver__jitter_buffer")  # noqa: B009
            for receiver in pc.getReceivers()
            if receiver.track.kind == "video"
        ]
        return [b for b in found if isinstance(b, CompleteFrameBuffer)]

    paths: list[Shaper] = []

    async def make_lossy() -> None:
        pc = mesh_of(alice).connection(bob_id)
        assert pc is not None
        transport = pc.getTransceivers()[0].sender.transport  # one, bundled
        paths.append(shape_transport(transport, PathFaults(loss=0.1, seed=11)))

    camera_buffers = engine.submit(buffers()).result(timeout=WAIT)
    assert len(camera_buffers) == 2  # the camera and the screen slots
    camera = max(camera_buffers, key=lambda b: b.figures.frames)
    enough = threading.Event()

    async def lossy_from_now() -> int:
        before = camera.figures.frames
        deliver = camera._deliver

        def counting(payload_type: int, frame: JitterFrame) -> None:
            deliver(payload_type, frame)
            if camera.figures.frames - before >= FRAMES_UNDER_LOSS:
                enough.set()

        camera._deliver = counting
        await make_lossy()
        return before

    before = engine.submit(lossy_from_now()).result(timeout=WAIT)
    assert enough.wait(timeout=WAIT * 2), f"video stalled under loss: {camera.figures}"
    figures = camera.figures
    assert paths[0].figures.lost >= 10  # the loss was real
    # NACK and RTX repaired nearly all of it: at most one frame in twenty given up on.
    assert figures.dropped_frames * 20 <= figures.frames - before, figures
