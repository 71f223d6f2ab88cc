"""Audio over a lossy path, on real aiortc connections through the embedded server: with one
RTP packet in ten dropped at random (seeded) on the way from Alice to Bob, every frame Bob's
(stand-in) speakers play comes from a packet, from the next packet's FEC, or from
concealment; a lost packet never takes its neighbours with it; and Alice's encoder learns
the loss from Bob's receiver reports and protects her (shared) encode against it."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from tests.engine.conftest import WAIT, EventLog, frame_from
from tests.engine.test_lossy_video import mesh_of
from visio_desktop.core.kinds import Slot
from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.remote import MicrophoneGate
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.audio_processing import EchoReference
from visio_desktop.media.playout import PacedOutputStream, Playout
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc.audio_buffer import AudioFigures
from visio_desktop.rtc.audio_receive import OpusReceive
from visio_desktop.rtc.shaper import PathFaults, Shaper, ShaperFigures, shape_transport
from visio_desktop.rtc.shared_opus import PeerOpusEncoder

FRAMES_UNDER_LOSS = 300  # six seconds of audio, in 20 ms frames


def test_a_lost_audio_packet_is_recovered_or_concealed_and_never_drops_its_neighbours(
    engine: EngineThread, link: MeetingLink
) -> None:
    playout = Playout(EchoReference())
    enough = threading.Event()
    watched: list[tuple[OpusReceive, int]] = []  # Bob's buffer for Alice, frames before loss
    paths: list[Shaper] = []
    seen: list[tuple[AudioFigures, ShaperFigures]] = []  # both, once enough has played

    def speakers(block: np.ndarray, played_at: float) -> None:
        if watched and not enough.is_set():
            source, before = watched[0]
            figures = source.figures
            if figures.played - before >= FRAMES_UNDER_LOSS:
                seen.append((figures, dataclasses.replace(paths[0].figures)))
                enough.set()

    playout.set_output(PacedOutputStream.factory(speakers), "test speakers")
    alice_log, bob_log = EventLog(), EventLog()
    alice, bob = Session(engine, alice_log), Session(engine, bob_log, audio_out=playout)
    sources = SyntheticSources("Alice")
    try:
        alice.join(link, "Alice", MediaOptions(audio=True, sources=sources)).result(timeout=WAIT)
        alice_id = alice_log.wait_for(ev.Joined).self_id
        bob.join(link, "Bob", MediaOptions()).result(timeout=WAIT)
        bob_id = bob_log.wait_for(ev.Joined).self_id
        bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id, Slot.AUDIO))
        buffer = playout.buffer(alice_id)
        assert buffer is not None and isinstance(buffer.source, MicrophoneGate)
        source = buffer.source.source
        assert isinstance(source, OpusReceive)
        encoders: list[PeerOpusEncoder] = []

        async def lossy_from_now() -> AudioFigures:
            pc = mesh_of(alice).connection(bob_id)
            assert pc is not None
            sender = pc.getTransceivers()[0].sender  # the audio slot
            encoders.append(getattr(sender, "_RTCRtpSender__encoder"))  # noqa: B009
            paths.append(shape_transport(sender.transport, PathFaults(loss=0.1, seed=13)))
            before = source.figures
            watched.append((source, before.played))
            return before

        before = engine.submit(lossy_from_now()).result(timeout=WAIT)
        assert enough.wait(timeout=WAIT * 2), f"audio stalled under loss: {source.figures}"
        after, path = seen[0]
    finally:
        bob.leave().result(timeout=WAIT)
        alice.leave().result(timeout=WAIT)
        playout.close()

    real, fec = after.real - before.real, after.fec - before.fec
    concealed, lost = after.concealed - before.concealed, after.lost - before.lost
    played = real + fec + concealed
    assert path.lost >= 10  # the loss was real
    # every packet that came through was played, and each lost one stood in for once
    # (give or take what was still on its way or waiting in the buffer)
    assert abs(real - path.delivered) <= 5, (after, path)
    assert abs(lost - path.lost) <= 5, (after, path)
    assert after.late == after.dropped_speech == 0, after
    assert fec >= lost // 2, after  # most losses came back from FEC
    assert (real + fec) / played >= 0.9, after
    assert isinstance(encoders[0], PeerOpusEncoder)  # the mesh's shared encode
    assert encoders[0].loss.percent >= 5  # Alice learnt the loss from Bob's reports
