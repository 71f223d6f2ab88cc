"""The mesh media plane: one RTCPeerConnection per remote participant, VP8 and Opus.

Who offers is decided by the participant ids alone (the smaller id offers), so two offers for
the same pair never collide. Local tracks fan out to every peer through a MediaRelay that keeps
only the newest frame for a slow consumer.

Each connection carries three slots, in this order: "audio", "video" (the camera) and
"screen" (a second video transceiver, negotiated up front and idle until someone shares, so
that sharing never needs a renegotiation, which aiortc's mesh here does not do). A peer that
offers only audio and video (an older client) simply has no screen slot.

The camera is encoded once for every peer (`rtc.shared_encoder.SharedCamera`); each peer's
camera sender sends that one encode, or encodes on its own while its path is far weaker than
the others' (or when VISIO_PER_PEER_CAMERA_ENCODERS=1). So is the microphone
(`rtc.shared_opus.SharedOpusEncode`): one Opus encode for every peer's audio sender, with FEC
for the weakest receiver; VISIO_PER_PEER_CAMERA_ENCODERS=1 gives each its own there too.

Each remote video track gets `rtc.frame_buffer`'s jitter buffer, which hands a frame to the
decoder as soon as it is complete, and the audio track `rtc.audio_receive`'s adaptive one
(FEC, concealment, pulled by the speakers), instead of aiortc's holds.

Connections bundle everything on one transport (max-bundle), as browsers do: one ICE and DTLS
handshake per peer instead of one per media kind. It is also needed: aiortc 1.16's "balanced"
bundling never starts the sender of a second video transceiver (the answer's bundle pass moves
the first video transceiver to the audio transport and leaves the second on an unused one).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from visio_desktop.core.errors import PeerConnectionError
from visio_desktop.core.kinds import SLOTS, PeerState, Slot
from visio_desktop.core.protocol import Signal, SignalKind
from visio_desktop.rtc.audio_receive import install_opus_receive
from visio_desktop.rtc.camera_encoder import RateControl, use_camera_encoder
from visio_desktop.rtc.ice import is_mdns_candidate, rtc_configuration, without_mdns_candidates
from visio_desktop.rtc.opus import OpusUnavailable
from visio_desktop.rtc.opus_sender import use_opus_encoder
from visio_desktop.rtc.plane import (
    PlaneEvents,
    PlaneFactory,
    PlaneSetup,
    SendSignal,
    TileSizes,
    TransportStats,
)
from visio_desktop.rtc.receivers import install_frame_buffer
from visio_desktop.rtc.screen_encoder import use_screen_encoder
from visio_desktop.rtc.shared_encoder import (
    SharedCamera,
    per_peer_encoders_forced,
    use_shared_camera_encoder,
)
from visio_desktop.rtc.shared_opus import PeerOpusEncoder, SharedOpusEncode, use_shared_opus_encoder

log = logging.getLogger(__name__)

_CODECS = {"audio": ("audio/opus",), "video": ("video/VP8", "video/rtx")}
_ANSWERER_PATIENCE = 3  # stalled checks the answering side waits for before it asks
_STARTING = ("new", "connecting")  # a connection not yet up (aiortc's connectionState)
# aiortc's own video jitter buffer instead of rtc.frame_buffer's, and its own audio path
# (jitter buffer and encoder) instead of rtc.audio_receive and rtc.opus_sender, for the
# benchmarks that measure one beside the other (mesh.py --stock sets the variables,
# network.py these flags).
STOCK_VIDEO_BUFFER = os.environ.get("VISIO_STOCK_VIDEO_BUFFER") == "1"
STOCK_AUDIO_BUFFER = os.environ.get("VISIO_STOCK_AUDIO_BUFFER") == "1"


def mesh_plane(relay: MediaRelay) -> PlaneFactory:
    """The mesh as a media plane; local tracks fan out through `relay` (shared with the
    self-view and the captions tap)."""

    def build(setup: PlaneSetup, events: PlaneEvents, send_signal: SendSignal) -> MeshCall:
        configuration = rtc_configuration(setup.ice_servers, setup.loopback_only)
        return MeshCall(setup.self_id, configuration, send_signal, events, relay=relay)

    return build


class MeshCall:
    """A `rtc.plane.MediaPlane`: one peer connection per remote participant."""

    def __init__(
        self,
        self_id: str,
        configuration: RTCConfiguration,
        send_signal: SendSignal,
        events: PlaneEvents,
        *,
        relay: MediaRelay | None = None,
    ) -> None:
        self.self_id = self_id
        self._configuration = dataclasses.replace(
            configuration, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        self._send_signal = send_signal
        self._events = events
        self._relay = relay or MediaRelay()  # shared with the self-view when given
        self._local: dict[Slot, MediaStreamTrack | None] = dict.fromkeys(SLOTS)
        self._peers: dict[str, RTCPeerConnection] = {}
        self._proxies: dict[RTCRtpSender, MediaStreamTrack] = {}
        per_peer = per_peer_encoders_forced()
        self.camera = None if per_peer else SharedCamera()
        self._camera_rates: dict[RTCRtpSender, RateControl] = {}  # of the shared camera's peers
        self.microphone = None if per_peer or STOCK_AUDIO_BUFFER else _shared_opus()
        self._microphone_peers: dict[RTCRtpSender, PeerOpusEncoder] = {}

    def offers_to(self, participant_id: str) -> bool:
        return self.self_id < participant_id

    def connection(self, participant_id: str) -> RTCPeerConnection | None:
        return self._peers.get(participant_id)

    # -- the media plane ----------------------------------------------------------------------

    def stalled_checks_before_restart(self, participant_id: str) -> int:
        # The offering side acts at once; the other asks only if that did not happen.
        return 1 if self.offers_to(participant_id) else _ANSWERER_PATIENCE

    # -- peer connections ---------------------------------------------------------------------

    async def restart_participant(self, participant_id: str) -> None:
        """Replace the connection with a participant whose media stalled: the offering side
        builds a new one at once; the answering side asks it to."""
        if participant_id not in self._peers:
            return
        if self.offers_to(participant_id):
            await self.remove_participant(participant_id)
            await self.add_participant(participant_id)
        else:
            await self._send_signal(Signal(to=participant_id, kind=SignalKind.RESTART))

    async def add_participant(self, participant_id: str) -> None:
        """Connect to a participant; the side with the smaller id sends the offer."""
        if participant_id in self._peers or participant_id == self.self_id:
            return
        pc = self._create(participant_id)
        if not self.offers_to(participant_id):
            return
        try:
            for slot in SLOTS:
                transceiver = pc.addTransceiver(slot.media_kind, direction="sendrecv")
                _prefer_codecs(transceiver)
                self._prepare(transceiver.sender, slot, participant_id)
            await pc.setLocalDescription(await pc.createOffer())
        except Exception as exc:
            raise PeerConnectionError(f"could not prepare an offer: {exc!r}") from exc
        await self._send_signal(
            Signal(to=participant_id, kind=SignalKind.OFFER, sdp=pc.localDescription.sdp)
        )

    async def handle_signal(self, signal: Signal) -> None:
        """Apply an offer, answer or candidate from a peer. Bad input: PeerConnectionError.
        Candidates on `.local` hosts are dropped, alone or in a description (see rtc/ice.py)."""
        peer = signal.sender
        pc = self._peers.get(peer)
        try:
            if signal.kind is SignalKind.OFFER:
                if self.offers_to(peer):
                    raise PeerConnectionError("an offer from a peer that should answer")
                if pc is not None and pc.remoteDescription is not None:
                    # No renegotiation here: another offer is a restart, on a new connection.
                    await self.remove_participant(peer)
                    pc = None
                await self._answer(
                    pc or self._create(peer), peer, without_mdns_candidates(signal.sdp)
                )
            elif signal.kind is SignalKind.RESTART:
                if not self.offers_to(peer):
                    raise PeerConnectionError("a restart request from a peer that should offer")
                if pc is not None and pc.connectionState in _STARTING:
                    # Asked about the connection before this one: both sides saw the same
                    # trouble (a network change on this machine too) and ours is new already.
                    log.info("%s asked for a restart; the connection is new already", peer)
                    return
                await self.restart_participant(peer)
            elif pc is None:
                raise PeerConnectionError("a signal from a peer we have no connection with")
            elif signal.kind is SignalKind.ANSWER:
                await pc.setRemoteDescription(
                    RTCSessionDescription(without_mdns_candidates(signal.sdp), "answer")
                )
            elif is_mdns_candidate(signal.sdp):
                log.info("ignoring an mDNS (.local) candidate from %s", peer)
            else:
                candidate = candidate_from_sdp(signal.sdp.removeprefix("candidate:"))
                candidate.sdpMid = signal.mid or None
                await pc.addIceCandidate(candidate)
        except PeerConnectionError:
            raise
        except Exception as exc:  # aiortc's SDP parser asserts and raises KeyError and kin
            raise PeerConnectionError(f"bad {signal.kind} from {peer}: {exc!r}") from exc

    async def _answer(self, pc: RTCPeerConnection, peer: str, sdp: str) -> None:
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        for slot, transceiver in slots_of(pc).items():
            if transceiver.sender not in self._proxies:
                transceiver.direction = "sendrecv"
                self._prepare(transceiver.sender, slot, peer)
        await pc.setLocalDescription(await pc.createAnswer())
        await self._send_signal(
            Signal(to=peer, kind=SignalKind.ANSWER, sdp=pc.localDescription.sdp)
        )

    async def remove_participant(self, participant_id: str) -> None:
        pc = self._peers.pop(participant_id, None)
        if pc is None:
            return
        for sender in pc.getSenders():
            self._detach(sender)
            self._camera_rates.pop(sender, None)
            microphone_peer = self._microphone_peers.pop(sender, None)
            if microphone_peer is not None:
                microphone_peer.leave()  # its loss no longer counts
        try:
            # Shielded: aiortc may be closing the connection itself already (the peer left),
            # and then this waits on aiortc's own "closed" future; cancelling us (a meeting
            # that ends meanwhile) must not cancel that future under aiortc's close task.
            await asyncio.shield(pc.close())
        except Exception:
            # aiortc 1.16 cannot close a connection whose remote description failed half-way
            # (a transceiver without transport raises AttributeError); it holds nothing else.
            log.warning("closing the connection with %s failed", participant_id, exc_info=True)

    async def publish(self, slot: Slot, track: MediaStreamTrack | None) -> None:
        """Send `track` (or nothing) in `slot` to every peer, without renegotiating."""
        self._local[slot] = track
        if slot is Slot.CAMERA and self.camera is not None:
            shared = None if track is None else self._relay.subscribe(track, buffered=False)
            self.camera.set_source(shared)
        if slot is Slot.AUDIO and self.microphone is not None:
            self.microphone.restart_clock()  # another track's frames count their own pts
        for participant_id, pc in self._peers.items():
            transceiver = slots_of(pc).get(slot)
            if transceiver is not None:
                self._attach(transceiver.sender, slot, participant_id)

    async def close(self) -> None:
        for participant_id in list(self._peers):
            await self.remove_participant(participant_id)
        if self.camera is not None:
            await self.camera.close()

    async def transport_stats(self, participant_id: str) -> TransportStats:
        pc = self._peers.get(participant_id)
        if pc is None:
            return TransportStats()
        stats = list((await pc.getStats()).values())
        transports = [s for s in stats if s.type == "transport"]
        inbound = [s for s in stats if s.type == "inbound-rtp"]
        return TransportStats(
            bytes_received=sum(s.bytesReceived for s in transports),
            bytes_sent=sum(s.bytesSent for s in transports),
            packets_received=sum(s.packetsReceived for s in inbound),
            packets_lost=sum(s.packetsLost for s in inbound),
        )

    async def show(self, tiles: TileSizes) -> None:
        """Every peer sends to us directly, whatever is on screen: nothing to choose."""

    def _create(self, participant_id: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(self._configuration)
        self._peers[participant_id] = pc
        self._events.peer_state_changed(participant_id, PeerState.NEW)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            for slot, transceiver in slots_of(pc).items():
                if transceiver.receiver.track is track:
                    if slot is Slot.AUDIO:
                        if not STOCK_AUDIO_BUFFER:
                            install_opus_receive(transceiver.receiver)  # before any RTP
                    elif not STOCK_VIDEO_BUFFER:
                        install_frame_buffer(transceiver.receiver)
                    self._events.track_arrived(participant_id, slot, track)
                    return
            log.info("ignoring an extra %s track from %s", track.kind, participant_id)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            self._events.peer_state_changed(participant_id, PeerState.of(pc.connectionState))

        return pc

    def _prepare(self, sender: RTCRtpSender, slot: Slot, peer: str) -> None:
        """A new sender for `slot`: the screen gets the text-friendly encoder, the camera the
        rate-controlled one and the microphone the one with FEC and DTX (both shared by every
        peer unless VISIO_PER_PEER_CAMERA_ENCODERS=1), before their first
        frame (aiortc picks a sender's encoder then), then the local track."""
        if slot is Slot.SCREEN:
            use_screen_encoder(sender)
        elif slot is Slot.CAMERA and self.camera is not None:
            self._camera_rates[sender] = use_shared_camera_encoder(sender).rate
        elif slot is Slot.CAMERA:
            use_camera_encoder(sender)
        elif self.microphone is not None:
            self._microphone_peers[sender] = use_shared_opus_encoder(sender, self.microphone)
        elif not STOCK_AUDIO_BUFFER:
            use_opus_encoder(sender)
        self._attach(sender, slot, peer)

    def _attach(self, sender: RTCRtpSender, slot: Slot, peer: str) -> None:
        """Point `sender` at a fresh relay subscription of the local `slot` track (or none).
        A camera sender of the shared camera keeps its track for the whole connection (a
        stopped track ends aiortc's sending loop for good): the camera's source changes."""
        rate = self._camera_rates.get(sender)
        if self.camera is not None and rate is not None:
            if sender not in self._proxies:
                self._proxies[sender] = self.camera.subscribe(peer, rate, sender._send_keyframe)
                sender.replaceTrack(self._proxies[sender])
            return
        self._detach(sender)
        source = self._local.get(slot)
        if source is None:
            sender.replaceTrack(None)
            return
        proxy = self._relay.subscribe(source, buffered=False)
        self._proxies[sender] = proxy
        sender.replaceTrack(proxy)

    def _detach(self, sender: RTCRtpSender) -> None:
        proxy = self._proxies.pop(sender, None)
        if proxy is not None:
            proxy.stop()


def _shared_opus() -> SharedOpusEncode | None:
    """The microphone's shared encode; None without libopus (aiortc's encoders then)."""
    try:
        return SharedOpusEncode()
    except OpusUnavailable:
        return None


def slots_of(pc: RTCPeerConnection) -> dict[Slot, RTCRtpTransceiver]:
    """The connection's transceivers by slot: the first audio one, then the first and second
    video ones (camera, screen), in negotiation order; any others are not ours."""
    found: dict[Slot, RTCRtpTransceiver] = {}
    for transceiver in pc.getTransceivers():
        wanted = [s for s in SLOTS if s.media_kind == transceiver.kind and s not in found]
        if wanted:
            found[wanted[0]] = transceiver
    return found


def _prefer_codecs(transceiver: RTCRtpTransceiver) -> None:
    wanted = _CODECS[transceiver.kind]
    capabilities = RTCRtpSender.getCapabilities(transceiver.kind).codecs
    transceiver.setCodecPreferences([c for c in capabilities if c.mimeType in wanted])
