"""The shared microphone encode on real peer connections over 127.0.0.1: one sender and three
receivers. Every receiver gets the sender's tone as real packets, decoded, and libopus encoded
each 20 ms frame once for the three of them, not once per receiver; a receiver that leaves
no longer counts for FEC."""

from __future__ import annotations

import asyncio

import numpy as np
from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame

from tests.engine.conftest import WAIT
from tests.engine.direct_mesh import Mesh
from visio_desktop.core.kinds import Slot
from visio_desktop.media.synthetic import SyntheticAudioTrack
from visio_desktop.rtc.audio_receive import pulled_audio
from visio_desktop.rtc.shared_opus import PeerOpusEncoder, SharedOpusEncode

SENDER, RECEIVERS = "a", ("b", "c", "d")  # the smaller id offers: "a" calls everyone
FRAMES = 25  # 500 ms of real audio decoded by each receiver


async def tone_frames(track: MediaStreamTrack, count: int) -> int:
    """Waits for `count` decoded frames carrying the tone (not silence); how many came."""
    heard = seen = 0
    while heard < count:
        frame = await asyncio.wait_for(track.recv(), WAIT)
        assert isinstance(frame, AudioFrame)
        seen += 1
        heard += int(np.abs(frame.to_ndarray()).max() > 1000)
    return seen


async def test_three_receivers_hear_one_encode_of_each_frame(
    loopback: None, libopus_encodes: list[int]
) -> None:
    mesh = Mesh((SENDER, *RECEIVERS))
    sender = mesh.calls[SENDER]
    microphone = SyntheticAudioTrack.tone(300, pattern=(1.0, 0.0))  # a tone without a pause
    produced: list[int | None] = []
    microphone.tap = lambda frame: produced.append(frame.pts)
    try:
        await sender.publish(Slot.AUDIO, microphone)
        for receiver in RECEIVERS:
            await sender.add_participant(receiver)
        tracks = [await mesh.track_at(receiver, Slot.AUDIO) for receiver in RECEIVERS]
        await asyncio.gather(*(tone_frames(track, FRAMES) for track in tracks))
        received = [pulled_audio(track) for track in tracks]
        assert all(r is not None and r.figures.real >= FRAMES for r in received), received

        # libopus ran once per microphone frame for all three senders, not three times.
        encodes, frames = len(libopus_encodes), len(produced)
        assert FRAMES <= encodes <= frames, f"{encodes} encodes of {frames} frames"
        shared = sender.microphone
        assert isinstance(shared, SharedOpusEncode) and shared.peers == 3
        assert shared.packets + shared.dtx_frames == encodes
        peers = [pc.getTransceivers()[0].sender for pc in sender._peers.values()]
        encoders = [getattr(s, "_RTCRtpSender__encoder") for s in peers]  # noqa: B009
        assert all(isinstance(e, PeerOpusEncoder) and e.shared is shared for e in encoders)

        await sender.remove_participant(RECEIVERS[0])
        assert shared.peers == 2  # its loss no longer counts
    finally:
        await mesh.close()
        microphone.stop()
