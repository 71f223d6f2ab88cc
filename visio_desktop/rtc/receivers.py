"""Our video jitter buffer in aiortc's receivers, in place of its own, and the RTX routing fix
that lets retransmissions reach them. Everything here sets private attributes of aiortc 1.16
(the project pins aiortc < 1.17): re-check on upgrades. The buffers themselves, and why, are
in `rtc.frame_buffer`; audio has its own, `rtc.audio_receive`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtpPacket

from visio_desktop.rtc.frame_buffer import CompleteFrameBuffer, Deliver, vp8_starts_frame

log = logging.getLogger(__name__)


def install_frame_buffer(receiver: RTCRtpReceiver) -> CompleteFrameBuffer | None:
    """Put a `CompleteFrameBuffer` in a video receiver of aiortc 1.16, in place of its own.
    It sets private attributes (the decoder queue, the timestamp mapper, the codecs and the
    NACK sender): re-check on aiortc upgrades (the project pins aiortc < 1.17). Returns None
    for an audio receiver (audio has its own, `rtc.audio_receive`), or when aiortc's
    internals are not what this expects."""
    if getattr(receiver, "_RTCRtpReceiver__kind", None) != "video":
        return None
    deliver = _decoder_input(receiver)
    if deliver is None:
        return None
    codecs: dict[int, Any] = getattr(receiver, "_RTCRtpReceiver__codecs")  # noqa: B009

    def ask_again(ssrc: int, lost: list[int]) -> None:
        task = asyncio.get_running_loop().create_task(receiver._send_rtcp_nack(ssrc, lost))
        task.add_done_callback(_quiet)

    def starts_frame(packet: RtpPacket) -> bool:
        # The codecs are known once the connection starts, after this runs: look them up then.
        codec = codecs.get(packet.payload_type)
        if codec is not None and codec.mimeType.lower() == "video/vp8":
            return vp8_starts_frame(packet)
        return True  # no way to tell for another codec: any packet may start a frame

    buffer = CompleteFrameBuffer(deliver, ask_again=ask_again, starts_frame=starts_frame)
    route_retransmissions(receiver)
    setattr(receiver, "_RTCRtpReceiver__jitter_buffer", buffer)  # noqa: B010
    return buffer


def _decoder_input(receiver: RTCRtpReceiver) -> Deliver | None:
    """What hands a frame to the receiver's decoder thread, as aiortc does after its buffer."""
    try:
        decoder_queue: Any = getattr(receiver, "_RTCRtpReceiver__decoder_queue")  # noqa: B009
        mapper: Any = getattr(receiver, "_RTCRtpReceiver__timestamp_mapper")  # noqa: B009
        codecs: dict[int, Any] = getattr(receiver, "_RTCRtpReceiver__codecs")  # noqa: B009
        getattr(receiver, "_RTCRtpReceiver__jitter_buffer")  # noqa: B009
    except AttributeError:
        log.warning("aiortc's receiver changed: keeping its own jitter buffer")
        return None

    def deliver(payload_type: int, frame: JitterFrame) -> None:
        codec = codecs.get(payload_type)
        if codec is None:
            return
        frame.timestamp = mapper.map(frame.timestamp)
        decoder_queue.put((codec, frame))

    return deliver


def route_retransmissions(receiver: RTCRtpReceiver) -> None:
    """Make RTX packets reach their receiver. aiortc 1.16 registers only a receiver's media
    SSRC with the transport's RTP router, and routes an unknown SSRC by payload type only
    when a single receiver has it: with two video slots (camera and screen) on one bundled
    transport, both share the RTX payload type, so every retransmission was dropped and a
    lost packet was never repaired. This teaches the router the RTX SSRCs that the
    receivers learnt from the remote description. Private attributes: re-check on upgrades."""
    transport = getattr(receiver, "transport", None)
    router = getattr(transport, "_rtp_router", None)
    if router is None or getattr(router, "_visio_routes_rtx", False):
        return
    route = router.route_rtp

    def route_rtx_too(packet: RtpPacket) -> Any:
        found = route(packet)
        if found is None and packet.ssrc not in router.ssrc_table:
            for candidate in router.payload_type_table.get(packet.payload_type, ()):
                rtx_ssrcs = getattr(candidate, "_RTCRtpReceiver__rtx_ssrc", {})
                if packet.ssrc in rtx_ssrcs:
                    router.ssrc_table[packet.ssrc] = candidate
                    return candidate
        return found

    router.route_rtp = route_rtx_too
    router._visio_routes_rtx = True


def _quiet(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("a NACK could not be sent: %s", task.exception())
