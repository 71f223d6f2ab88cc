"""One participant's connection to a LiveKit SFU: the signalling WebSocket and two aiortc peer
connections, as LiveKit's own client SDKs set them up.

- Signalling is LiveKit's protobuf `SignalRequest` / `SignalResponse` over a WebSocket at
  ``/rtc?access_token=…&protocol=15``. Protocol 15 is the newest that needs nothing aiortc
  lacks: 16 adds room moves (a participant migrated to another room) and 17 packet trailers
  (frame metadata appended to encoded frames), neither of which aiortc can take part in.
  At 15 LiveKit makes the subscriber connection primary, trickles its candidates, reuses
  transceivers, and reports connection quality and active speakers.
- The publisher connection is ours: sendonly transceivers for what we publish, announced first
  with `AddTrackRequest` (LiveKit answers `TrackPublishedResponse` with the track's sid), and the
  `_reliable` / `_lossy` data channels, on which our data packets go out.
- The subscriber connection is LiveKit's: it offers, we answer (aiortc bundles everything on one
  transport), and the others' data packets arrive on the channels it opens.
- LiveKit trickles its candidates; aiortc gathers ours before an offer or answer is made, so
  they travel inside the SDP and nothing is trickled back.

Everything runs on the engine loop. What LiveKit says reaches the owner through `SignalEvents`
(`rtc.livekit.events`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop import __version__
from visio_desktop.core.errors import ConnectionLostError, ServerUnreachableError
from visio_desktop.rtc.livekit.events import SignalEvents, SignallingState, parse
from visio_desktop.rtc.livekit.ice import follow_ice_restart, trickled_candidate
from visio_desktop.rtc.livekit.socket import CONNECT_TIMEOUT, SignalSocket
from visio_desktop.rtc.livekit.transceivers import start_late_transceivers

log = logging.getLogger(__name__)

IceChoice = Callable[[list[lr.ICEServer]], list[RTCIceServer]]
PROTOCOL = 15
_PUBLISHED_TIMEOUT = 10.0


# Resume attempts after the signalling connection drops: at once, then a little later.
RESUME_PAUSES = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


def video_layers(width: int, height: int) -> list[lm.VideoLayer]:
    """The qualities a camera of `width` x `height` is described with: full, half and quarter
    size. aiortc sends one stream (no simulcast), which the encoder scales to the best quality
    anyone watches; described as three, LiveKit maps each subscriber's tile size to one of them
    and says which are watched (`subscribed_quality_update`). Described as one, every size
    maps to that one and LiveKit can only say "watched" or "not"."""
    if not width or not height:
        return []
    return [
        lm.VideoLayer(quality=quality, width=width // d, height=height // d)
        for quality, d in (
            (lm.VideoQuality.LOW, 4),
            (lm.VideoQuality.MEDIUM, 2),
            (lm.VideoQuality.HIGH, 1),
        )
    ]


@dataclass
class _Publication:
    cid: str
    track: MediaStreamTrack
    sid: str = ""
    published: asyncio.Event = field(default_factory=asyncio.Event)


class LiveKitConnection:
    def __init__(self, events: SignalEvents, ice_servers: IceChoice | None = None) -> None:
        """`ice_servers` picks which of the STUN and TURN servers LiveKit offers at join are
        used (default: none; never aiortc's public STUN server)."""
        self._events = events
        self._choose_ice = ice_servers
        self._socket = SignalSocket()
        self.publisher, self.subscriber = self._peer_connections([])
        self.join: lr.JoinResponse | None = None
        self._reliable: RTCDataChannel | None = None
        self._lossy: RTCDataChannel | None = None
        self._publications: dict[str, _Publication] = {}
        self._negotiation = asyncio.Lock()
        self._answer: asyncio.Future[None] | None = None
        self._receiving = asyncio.Event()  # LiveKit's reliable channel to us is open
        self._tasks: list[asyncio.Future[Any]] = []  # ICE restarts being followed
        self._loops: list[asyncio.Future[None]] = []  # reading and keepalive
        self._url = self._token = ""
        self._auto_subscribe = False
        self._closed = False
        # (ping interval, silence allowed) in seconds in place of LiveKit's (tests shorten it)
        self.keepalive: tuple[float, float] | None = None
        self.signalling_rtt_ms: float | None = None  # from LiveKit's newest answer to a ping
        self._pings: dict[int, asyncio.Future[None]] = {}  # `ping` waiting, by timestamp

    def _peer_connections(
        self, servers: list[RTCIceServer]
    ) -> tuple[RTCPeerConnection, RTCPeerConnection]:
        # One transport for everything: with aiortc's default (balanced) bundling, a second
        # track of a kind offered later keeps a transport aiortc has just closed.
        configuration = RTCConfiguration(
            iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        publisher, subscriber = RTCPeerConnection(configuration), RTCPeerConnection(configuration)
        subscriber.on("track", self._on_track)
        start_late_transceivers(subscriber)
        start_late_transceivers(publisher)
        subscriber.on("datachannel", self._on_datachannel)
        return publisher, subscriber

    # -- connecting --------------------------------------------------------------------------

    async def connect(
        self, url: str, token: str, *, auto_subscribe: bool = False
    ) -> lr.JoinResponse:
        """Join the room the token names; LiveKitConnection.join then holds what LiveKit said."""
        self._url, self._token, self._auto_subscribe = url, token, auto_subscribe
        await self._open({})
        async with asyncio.timeout(CONNECT_TIMEOUT):
            while True:
                response = await self._receive()
                if response.WhichOneof("message") == "join":
                    self.join = response.join
                    break
        if self._choose_ice is not None:  # nothing is on the first ones yet: replace them
            servers = self._choose_ice(list(self.join.ice_servers))
            unused = (self.publisher, self.subscriber)
            self.publisher, self.subscriber = self._peer_connections(servers)
            for pc in unused:
                await pc.close()
        self._reliable = self.publisher.createDataChannel("_reliable", ordered=True)
        self._lossy = self.publisher.createDataChannel("_lossy", ordered=False, maxRetransmits=0)
        self._start_loops()
        self._events.participants_updated(list(self.join.other_participants))
        await self._negotiate()
        # Joined means data can flow both ways: a chat line sent before LiveKit's channel to us
        # opens would be lost.
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await self.data_ready()
            await self._receiving.wait()
        return self.join

    async def resume(self) -> lr.ReconnectResponse:
        """The signalling connection was lost but the media may not be: open a new one to the
        same session (LiveKit's resume). LiveKit then restarts ICE on the subscriber, which
        `follow_ice_restart` catches up. ConnectionLostError or ServerUnreachableError when
        LiveKit no longer knows the session: the caller joins afresh."""
        if self.join is None:
            raise ConnectionLostError("never joined")
        await self._stop_loops()
        await self._socket.close()
        await self._open({"reconnect": 1, "sid": self.join.participant.sid})
        async with asyncio.timeout(CONNECT_TIMEOUT):
            while True:
                response = await self._receive()
                kind = response.WhichOneof("message")
                if kind == "reconnect":
                    break
                if kind == "leave":
                    raise ConnectionLostError("the media server ended the session")
        self._start_loops()
        return response.reconnect

    def cut_signalling(self) -> None:
        """Drop the signalling connection without a word, as a lost network does; the client
        then resumes (tests, and a keepalive that goes unanswered)."""
        self._socket.abort()

    async def _open(self, extra: dict[str, Any]) -> None:
        query = {
            "access_token": self._token,
            "protocol": PROTOCOL,
            "auto_subscribe": int(self._auto_subscribe),
            "sdk": "python",
            "version": __version__,
            "adaptive_stream": 0,
            **extra,
        }
        await self._socket.open(self._url, query)

    def _start_loops(self) -> None:
        assert self.join is not None
        self._loops = [
            asyncio.ensure_future(self._read_loop()),
            asyncio.ensure_future(
                self._keepalive(
                    *(
                        self.keepalive
                        or (self.join.ping_interval or 5, self.join.ping_timeout or 15)
                    )
                )
            ),
        ]

    async def _stop_loops(self) -> None:
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []

    async def _receive(self) -> lr.SignalResponse:
        return await self._socket.receive()

    async def send(self, request: lr.SignalRequest) -> None:
        await self._socket.send(request)

    async def _read_loop(self) -> None:
        try:
            while not self._closed:
                response = await self._receive()
                try:
                    await self._handle(response)
                except Exception:  # one bad message must not end the call
                    log.exception("could not handle LiveKit's %s", response.WhichOneof("message"))
        except ConnectionLostError:
            if not self._closed:
                self._tasks.append(asyncio.ensure_future(self._recover()))

    async def _recover(self) -> None:
        """The signalling connection dropped: resume the session if LiveKit still has it."""
        self._events.signalling_changed(SignallingState.RESUMING)
        for pause in RESUME_PAUSES:
            await asyncio.sleep(pause)
            if self._closed:
                return
            try:
                await self.resume()
            except ConnectionLostError as exc:
                log.info("LiveKit no longer has this session: %s", exc)
                break
            except (ServerUnreachableError, TimeoutError) as exc:
                log.info("resuming the LiveKit session failed: %s", exc)
                continue
            self._events.signalling_changed(SignallingState.RESUMED)
            return
        self._events.signalling_changed(SignallingState.LOST)

    async def _keepalive(self, interval: float, silence: float) -> None:
        """Ping LiveKit every `interval` seconds; a line silent for `silence` seconds (a network
        that went away without closing anything) is dropped, and so resumed."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ConnectionLostError):
            while not self._closed:
                await asyncio.sleep(interval)  # a periodic ping, not a wait for an event
                if loop.time() - self._socket.heard_at > silence:
                    log.info("LiveKit has been silent for %s s: resuming", silence)
                    self._socket.abort()
                    return
                stamp = int(loop.time() * 1000)
                await self.send(lr.SignalRequest(ping_req=lr.Ping(timestamp=stamp)))

    async def ping(self) -> float:
        """Ping LiveKit now and return the round trip in milliseconds, once it answers."""
        loop = asyncio.get_running_loop()
        stamp = int(loop.time() * 1000)
        answered = self._pings.setdefault(stamp, loop.create_future())
        await self.send(lr.SignalRequest(ping_req=lr.Ping(timestamp=stamp)))
        await answered
        return loop.time() * 1000 - stamp

    # -- what LiveKit says -------------------------------------------------------------------

    async def _handle(self, response: lr.SignalResponse) -> None:
        kind = response.WhichOneof("message")
        if kind == "offer":
            await self.subscriber.setRemoteDescription(
                RTCSessionDescription(response.offer.sdp, "offer")
            )
            await self.subscriber.setLocalDescription(await self.subscriber.createAnswer())
            answer = self.subscriber.localDescription
            await self.send(
                lr.SignalRequest(answer=lr.SessionDescription(type="answer", sdp=answer.sdp))
            )
            restart = asyncio.ensure_future(follow_ice_restart(self.subscriber, response.offer.sdp))
            self._tasks.append(restart)
        elif kind == "answer":
            if self._answer is None or self._answer.done():
                log.warning("ignoring an answer from LiveKit to no offer of ours")
                return
            try:
                await self.publisher.setRemoteDescription(
                    RTCSessionDescription(response.answer.sdp, "answer")
                )
            except Exception as exc:
                self._answer.set_exception(ConnectionLostError(f"LiveKit's answer failed: {exc}"))
                raise
            self._answer.set_result(None)
        elif kind == "trickle":
            await self._add_candidate(response.trickle)
        elif kind == "track_published":
            publication = self._publications.get(response.track_published.cid)
            if publication is not None:
                publication.sid = response.track_published.track.sid
                publication.published.set()
        elif kind == "update":
            self._events.participants_updated(list(response.update.participants))
        elif kind == "refresh_token":  # tokens are short-lived: a resume needs the newest
            self._token = response.refresh_token
        elif kind == "pong_resp":
            stamp = response.pong_resp.last_ping_timestamp
            self.signalling_rtt_ms = asyncio.get_running_loop().time() * 1000 - stamp
            waiting = self._pings.pop(stamp, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        elif kind != "pong":
            self._events.signal_message(response)

    async def _add_candidate(self, trickle: lr.TrickleRequest) -> None:
        candidate = trickled_candidate(trickle.candidateInit)
        if candidate is not None:
            subscriber = trickle.target == lr.SignalTarget.SUBSCRIBER
            await (self.subscriber if subscriber else self.publisher).addIceCandidate(candidate)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._events.track_arrived(track.id, track)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label == "_reliable":
            if channel.readyState == "open":
                self._receiving.set()
            else:
                channel.once("open", self._receiving.set)

        @channel.on("message")
        def on_message(message: bytes | str) -> None:
            packet = parse(lm.DataPacket, message, "data packet")
            if packet is not None:
                self._events.data_received(packet)

    # -- what we do --------------------------------------------------------------------------

    async def publish(
        self,
        cid: str,
        track: MediaStreamTrack,
        source: lm.TrackSource,
        *,
        width: int = 0,
        height: int = 0,
        prepare: Callable[[RTCRtpSender], None] | None = None,
    ) -> str:
        """Publish `track` (cid: our name for it) and return the sid LiveKit gave it.
        `prepare` sees the new sender before its first frame (to choose its encoder)."""
        publication = _Publication(cid, track)
        self._publications[cid] = publication
        kind = lm.TrackType.AUDIO if track.kind == "audio" else lm.TrackType.VIDEO
        layers = video_layers(width, height) if kind == lm.TrackType.VIDEO else []
        request = lr.AddTrackRequest(
            cid=cid, name=cid, type=kind, source=source, width=width, height=height, layers=layers
        )
        await self.send(lr.SignalRequest(add_track=request))
        async with asyncio.timeout(_PUBLISHED_TIMEOUT):
            await publication.published.wait()
        transceiver = self.publisher.addTransceiver(track, direction="sendonly")
        if prepare is not None:
            prepare(transceiver.sender)
        await self._negotiate()
        return publication.sid

    async def _negotiate(self) -> None:
        """Offer the publisher connection as it is now and wait for LiveKit's answer; one
        negotiation at a time, so that an answer always meets the offer it answers."""
        async with self._negotiation:
            self._answer = asyncio.get_running_loop().create_future()
            await self.publisher.setLocalDescription(await self.publisher.createOffer())
            offer = self.publisher.localDescription
            await self.send(
                lr.SignalRequest(offer=lr.SessionDescription(type="offer", sdp=offer.sdp))
            )
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await self._answer

    async def subscribe(self, track_sids: list[str], subscribe: bool) -> None:
        await self.send(
            lr.SignalRequest(
                subscription=lr.UpdateSubscription(track_sids=track_sids, subscribe=subscribe)
            )
        )

    async def track_settings(self, track_sid: str, width: int, height: int) -> None:
        """Ask for `track_sid` at the size it is shown (0x0: paused)."""
        await self.send(
            lr.SignalRequest(
                track_setting=lr.UpdateTrackSettings(
                    track_sids=[track_sid], disabled=width == 0, width=width, height=height
                )
            )
        )

    async def data_ready(self) -> None:
        """Wait until our reliable data channel to LiveKit is open."""
        channel = self._reliable
        if channel is None:
            raise ConnectionLostError("not connected to the media server")
        if channel.readyState != "open":
            opened = asyncio.Event()
            channel.once("open", opened.set)
            await opened.wait()

    def send_data(self, packet: lm.DataPacket, *, reliable: bool = True) -> None:
        channel = self._reliable if reliable else self._lossy
        if channel is None or channel.readyState != "open":
            raise ConnectionLostError("the data channel to the media server is not open")
        channel.send(packet.SerializeToString())

    async def close(self) -> None:
        """Leave cleanly: tell LiveKit, then close both connections."""
        if self._closed:
            return
        self._closed = True
        if self._socket.is_open:
            with contextlib.suppress(ConnectionLostError):
                await self.send(
                    lr.SignalRequest(
                        leave=lr.LeaveRequest(reason=lm.DisconnectReason.CLIENT_INITIATED)
                    )
                )
            await self._socket.close()
        await self._stop_loops()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for waiting in self._pings.values():
            waiting.cancel()
        await self.publisher.close()
        await self.subscriber.close()


__all__ = ["PROTOCOL", "LiveKitConnection", "SignalEvents", "SignallingState"]
