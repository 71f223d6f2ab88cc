"""The camera's bitrate on a real call: it starts at what 640x360 wants (not aiortc's 500
kbps), falls when the receiver reports heavy loss, and rises again once the path is clean."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.engine.conftest import WAIT, EventLog, frame_from
from visio_desktop.core.kinds import Slot
from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder
from visio_desktop.rtc.mesh import MeshCall, slots_of
from visio_desktop.rtc.shaper import PathFaults, Shaper, shape_transport


def test_the_camera_rate_falls_under_loss_and_comes_back(
    engine: EngineThread, make_session: Callable[[], tuple[Session, EventLog]], link: MeetingLink
) -> None:
    alice, alice_log = make_session()
    bob, bob_log = make_session()
    camera = SyntheticSources("Alice", width=640, height=360, fps=30)
    alice.join(link, "Alice", MediaOptions(video=True, sources=camera)).result(timeout=WAIT)
    alice_id = alice_log.wait_for(ev.Joined).self_id
    bob.join(link, "Bob", MediaOptions()).result(timeout=WAIT)
    bob_id = bob_log.wait_for(ev.Joined).self_id
    bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id))
    low, back = threading.Event(), threading.Event()
    paths: list[Shaper] = []

    async def watch_and_make_lossy() -> CameraVp8Encoder:
        meeting = alice._meeting  # test-only: the real connection, to reach into it
        mesh = meeting.plane if meeting is not None else None
        assert isinstance(mesh, MeshCall)
        pc = mesh.connection(bob_id)
        assert pc is not None
        encoder = getattr(slots_of(pc)[Slot.CAMERA].sender, "_RTCRtpSender__encoder")  # noqa: B009
        assert isinstance(encoder, CameraVp8Encoder)
        rate, on_loss = encoder.rate, encoder.rate.on_loss

        def watched(fraction: float) -> None:
            on_loss(fraction)
            if rate.target() < 0.6 * rate.wanted:
                low.set()
            elif low.is_set() and rate.loss_cap is None and rate.target() >= 0.6 * rate.wanted:
                back.set()  # loss no longer limits it (the receiver's estimate may still)

        rate.on_loss = watched  # type: ignore[method-assign]
        paths.append(
            shape_transport(pc.getTransceivers()[0].sender.transport, PathFaults(loss=0.3))
        )
        return encoder

    encoder = engine.submit(watch_and_make_lossy()).result(timeout=WAIT)
    assert encoder.rate.wanted > 1_000_000  # what 640x360 wants, from the start
    assert low.wait(timeout=WAIT), f"the rate did not fall under loss: {encoder.rate.target()}"
    paths[0].faults = PathFaults()  # the path is clean again
    assert back.wait(timeout=WAIT * 2), f"the rate did not come back: {encoder.rate.target()}"
