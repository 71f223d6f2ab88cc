"""Our Opus receive path in a real aiortc receiver: with nobody pulling, its own 20 ms beat
plays the frames to the track; once the speakers pull, they get them (and the track still
hears of each); and it lets go of everything with the connection."""

from __future__ import annotations

import asyncio
import gc

import numpy as np
from aiortc import RTCPeerConnection
from aiortc.rtp import RtpPacket
from av import AudioFrame

from visio_desktop.rtc import audio_receive, opus
from visio_desktop.rtc.audio_buffer import FRAME_SAMPLES

OPUS_PAYLOAD_TYPE = 96


def packets(count: int) -> list[RtpPacket]:
    encoder = opus.Encoder()
    t = np.arange(count * FRAME_SAMPLES)
    pcm = (8000 * np.sin(2 * np.pi * 300 * t / 48_000)).astype(np.int16)
    out = []
    for index in range(count):
        data = encoder.encode(pcm[index * FRAME_SAMPLES : (index + 1) * FRAME_SAMPLES])
        packet = RtpPacket(
            payload_type=OPUS_PAYLOAD_TYPE,
            sequence_number=(65_530 + index) % 65_536,
            timestamp=index * FRAME_SAMPLES,
            payload=data,
        )
        packet._data = data  # type: ignore[attr-defined]  # what aiortc's depayloader sets
        out.append(packet)
    return out


async def receiving_connection() -> tuple[RTCPeerConnection, RTCPeerConnection]:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    a.addTransceiver("audio")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    return a, b


def test_frames_play_on_their_own_beat_or_when_pulled_and_nothing_is_kept() -> None:
    async def scenario() -> tuple[int, int, int]:
        a, b = await receiving_connection()
        receiver = b.getTransceivers()[0].receiver
        receive = audio_receive.install_opus_receive(receiver)
        assert receive is not None
        assert audio_receive.pulled_audio(receiver.track) is receive
        receive._is_opus = lambda payload_type: payload_type == OPUS_PAYLOAD_TYPE
        stream = packets(20)
        for packet in stream[:10]:
            receive.add(packet)
        # nobody pulls: the beat plays them to the track, 20 ms of mono 48 kHz each
        beat = [await asyncio.wait_for(receiver.track.recv(), 5) for _ in range(5)]
        assert all(isinstance(f, AudioFrame) and f.samples == FRAME_SAMPLES for f in beat)
        # the speakers pull: what they take reaches the track too
        pulled = [receive.next_frame() for _ in range(3)]
        assert all(pcm is not None and len(pcm) == FRAME_SAMPLES for pcm in pulled)
        for _ in range(3):
            await asyncio.wait_for(receiver.track.recv(), 5)
        figures = receive.figures
        await a.close()
        await b.close()
        return figures.real, figures.lost, figures.restarts

    real, lost, restarts = asyncio.run(scenario())
    assert real >= 8 and lost == restarts == 0  # across the sequence number wrap
    gc.collect()
    assert len(audio_receive._pulled) == 0  # the registry let go with the connection
