"""The SFU as a media plane (`rtc.plane.MediaPlane`) over one `LiveKitConnection`.

What we send: each slot (microphone, camera, screen) is published to LiveKit the first time it
is turned on, and muted (LiveKit stops forwarding it) while it is off; aiortc cannot remove a
sender, so a publication lives as long as the connection. Each slot gets the same encoder as
in the mesh (`rtc.camera_encoder`, `rtc.screen_encoder`, `rtc.opus_sender`), and what arrives
goes through the same receive pipeline (`rtc.receivers` for video, `rtc.audio_receive` for
audio).

What we receive: audio from everyone; video only for the tiles on screen (`show`), each asked
for at the size it is shown. Subscriptions are reconciled by one task: whatever changes (a
track published, a participant leaving, the page or the window size) marks them dirty, and the
task sends LiveKit the difference.

Publishing what is needed: LiveKit says which qualities of our camera anyone watches
(`subscribed_quality_update`). The camera is described as three qualities (full, half and
quarter size, `connection.video_layers`) so that LiveKit maps each viewer's tile to one; aiortc
sends one stream, encoded at the size of the best quality watched, and nothing is encoded while
nobody watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aiortc import RTCRtpSender
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.core.errors import ConnectionLostError
from visio_desktop.core.kinds import SLOTS, Slot, TileKey
from visio_desktop.core.protocol import Signal
from visio_desktop.core.tasks import cancel_and_wait
from visio_desktop.rtc.audio_receive import install_opus_receive
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder, use_camera_encoder
from visio_desktop.rtc.livekit.connection import LiveKitConnection
from visio_desktop.rtc.opus_sender import use_opus_encoder
from visio_desktop.rtc.plane import PlaneEvents, TileSizes, TransportStats
from visio_desktop.rtc.receivers import install_frame_buffer
from visio_desktop.rtc.screen_encoder import use_screen_encoder

log = logging.getLogger(__name__)

SOURCES = {
    Slot.AUDIO: lm.TrackSource.MICROPHONE,
    Slot.CAMERA: lm.TrackSource.CAMERA,
    Slot.SCREEN: lm.TrackSource.SCREEN_SHARE,
}
_SLOT_OF_SOURCE = {source: slot for slot, source in SOURCES.items()}
_CAMERA_SIZE = (640, 360)
# The camera's encode scale for the best quality anyone watches (one layer, no simulcast).
_QUALITY_SCALE = {lm.VideoQuality.HIGH: 1.0, lm.VideoQuality.MEDIUM: 0.5, lm.VideoQuality.LOW: 0.25}
_PATIENCE_SHOWN = 3  # stalled checks before re-subscribing a track on screen
_ARRIVAL_CHECK_SECONDS = 1.0
_NEVER = 1 << 30  # a participant whose video is not on screen is not stalled


@dataclass(frozen=True)
class RemoteTrack:
    """A track someone published, as LiveKit describes it."""

    sid: str
    identity: str
    slot: Slot
    muted: bool


def remote_tracks(participant: lm.ParticipantInfo) -> list[RemoteTrack]:
    """The tracks of `participant` that map to one of our slots (others are ignored)."""
    found = []
    for info in participant.tracks:
        slot = _SLOT_OF_SOURCE.get(info.source)
        if slot is None:  # an unknown source: by kind, camera for video
            slot = Slot.AUDIO if info.type == lm.TrackType.AUDIO else None
        if slot is None and info.type == lm.TrackType.VIDEO:
            slot = Slot.CAMERA
        if slot is not None:
            found.append(RemoteTrack(info.sid, participant.identity, slot, info.muted))
    return found


class SfuPlane:
    def __init__(
        self, connection: LiveKitConnection, events: PlaneEvents, relay: MediaRelay
    ) -> None:
        self._connection = connection
        self._events = events
        self._relay = relay  # each sender reads its own subscription of the local track
        self._proxies: dict[Slot, MediaStreamTrack] = {}
        self._local: dict[Slot, MediaStreamTrack | None] = dict.fromkeys(SLOTS)
        self._sending: dict[Slot, bool] = dict.fromkeys(SLOTS, False)
        self._published: dict[Slot, str] = {}  # slot -> LiveKit's track sid
        self._muted: dict[Slot, bool] = {}
        self._senders: dict[Slot, RTCRtpSender] = {}
        self._camera: CameraVp8Encoder | None = None
        self._watched: dict[str, float] = {}  # track sid -> scale anyone watches (LiveKit)
        self._tracks: dict[str, RemoteTrack] = {}  # sid -> what LiveKit said of it
        self._shown: dict[TileKey, tuple[int, int]] = {}
        self._subscribed: set[str] = set()
        self._sizes: dict[str, tuple[int, int]] = {}
        self._arrived: dict[str, MediaStreamTrack] = {}
        self._asked_at: dict[str, float] = {}  # video subscribed to, not arrived yet: since
        self._dirty = asyncio.Event()
        self._closed = False
        self.patience_seconds = 5.0  # for a video asked for to arrive before asking again
        self._sync_lock = asyncio.Lock()
        self._reconciler = asyncio.ensure_future(self._reconcile_forever())

    # -- what LiveKit says (through the backend) ----------------------------------------------

    def participant_changed(self, participant: lm.ParticipantInfo) -> None:
        """A participant's tracks as LiveKit now lists them (gone when disconnected)."""
        gone = participant.state == lm.ParticipantInfo.State.DISCONNECTED
        current = {} if gone else {t.sid: t for t in remote_tracks(participant)}
        for sid in [s for s, t in self._tracks.items() if t.identity == participant.identity]:
            if sid not in current:
                del self._tracks[sid]
                self._arrived.pop(sid, None)
        self._tracks.update(current)
        self._dirty.set()

    def track_arrived(self, sid: str, track: MediaStreamTrack) -> None:
        log.debug("track arrived %s", sid)
        """The subscriber connection delivered a track: route it to its participant's slot,
        through our receive pipeline."""
        info = self._tracks.get(sid)
        if info is None:
            log.info("ignoring track %s that no participant has published", sid)
            return
        for transceiver in self._connection.subscriber.getTransceivers():
            if transceiver.receiver.track is track:
                if info.slot is Slot.AUDIO:
                    install_opus_receive(transceiver.receiver)
                else:
                    install_frame_buffer(transceiver.receiver)
        self._arrived[sid] = track
        self._events.track_arrived(info.identity, info.slot, track)

    def qualities_wanted(self, update: lr.SubscribedQualityUpdate) -> None:
        """Encode our camera at the best quality anyone watches (LiveKit's count). LiveKit may
        say it before our publication is settled (a viewer already waiting), and does not say
        it again: the newest word per track is kept and applied once the camera's sid is known."""
        wanted = [q.quality for q in update.subscribed_qualities if q.enabled]
        self._watched[update.track_sid] = max(
            (_QUALITY_SCALE.get(q, 1.0) for q in wanted), default=0.0
        )
        self._apply_watched()

    def _apply_watched(self) -> None:
        scale = self._watched.get(self._published.get(Slot.CAMERA, ""))
        if scale is not None and self._camera is not None and self._camera.watched_scale != scale:
            self._camera.watched_scale = scale
            log.info("camera watched at scale %.2f", scale)

    # -- rtc.plane.MediaPlane ----------------------------------------------------------------

    async def add_participant(self, participant_id: str) -> None:
        """Nothing to do: LiveKit's participant updates list what there is to receive."""

    async def remove_participant(self, participant_id: str) -> None:
        for sid in [s for s, t in self._tracks.items() if t.identity == participant_id]:
            del self._tracks[sid]
            self._arrived.pop(sid, None)
        self._dirty.set()

    async def publish(self, slot: Slot, track: MediaStreamTrack | None) -> None:
        """The outgoing track of `slot` for this meeting (sent while the slot is on)."""
        self._local[slot] = track
        sender = self._senders.get(slot)
        if sender is not None:
            sender.replaceTrack(self._proxy(slot))
        await self.sync_sending(dict(self._sending))

    def _proxy(self, slot: Slot) -> MediaStreamTrack | None:
        """A fresh relay subscription of the local `slot` track (the old one stops)."""
        old = self._proxies.pop(slot, None)
        if old is not None:
            old.stop()
        source = self._local[slot]
        if source is None:
            return None
        proxy = self._relay.subscribe(source, buffered=False)
        self._proxies[slot] = proxy
        return proxy

    def start_sending(self, sending: dict[Slot, bool]) -> None:
        """What is on at admission; publishing follows once the meeting hands the tracks."""
        self._sending.update(sending)

    def published_sid(self, slot: Slot) -> str | None:
        """LiveKit's sid for what we publish in `slot`, once published."""
        return self._published.get(slot)

    async def sync_sending(self, sending: dict[Slot, bool]) -> None:
        """Send the slots that are on: publish a slot the first time, mute and unmute after."""
        async with self._sync_lock:
            self._sending.update(sending)
            for slot in SLOTS:
                on = self._sending[slot] and self._local[slot] is not None
                sid = self._published.get(slot)
                if sid is None:
                    if on:
                        await self._publish(slot)
                    continue
                if self._muted.get(slot, False) == on:  # muted while on, or live while off
                    await self._connection.send(
                        lr.SignalRequest(mute=lr.MuteTrackRequest(sid=sid, muted=not on))
                    )
                    self._muted[slot] = not on

    async def _publish(self, slot: Slot) -> None:
        track = self._proxy(slot)
        assert track is not None
        width, height = _CAMERA_SIZE if slot is Slot.CAMERA else (0, 0)

        def prepare(sender: RTCRtpSender) -> None:
            self._senders[slot] = sender
            if slot is Slot.CAMERA:
                self._camera = use_camera_encoder(sender)
            elif slot is Slot.SCREEN:
                use_screen_encoder(sender)
            else:
                use_opus_encoder(sender)

        sid = await self._connection.publish(
            slot.value, track, SOURCES[slot], width=width, height=height, prepare=prepare
        )
        self._published[slot] = sid
        self._apply_watched()
        self._muted[slot] = False

    async def handle_signal(self, signal: Signal) -> None:
        """The mesh's signals have no meaning here."""
        log.info("ignoring a mesh signal in an SFU meeting")

    async def restart_participant(self, participant_id: str) -> None:
        """Media from a participant on screen stalled: subscribe to it afresh."""
        sids = [s for s in self._subscribed if self._tracks[s].identity == participant_id]
        if sids:
            await self._connection.subscribe(sids, subscribe=False)
            self._subscribed.difference_update(sids)
            for sid in sids:
                self._sizes.pop(sid, None)
            self._dirty.set()

    def stalled_checks_before_restart(self, participant_id: str) -> int:
        shown = any(
            TileKey.of_slot(t.identity, t.slot) in self._shown
            for t in self._tracks.values()
            if t.identity == participant_id and t.slot is not Slot.AUDIO
        )
        return _PATIENCE_SHOWN if shown else _NEVER

    async def transport_stats(self, participant_id: str) -> TransportStats:
        """The packets received from and lost on a participant's tracks. One transport carries
        everyone, and aiortc counts bytes only per transport: bytes are not split."""
        theirs = {
            track
            for sid, track in self._arrived.items()
            if sid in self._tracks and self._tracks[sid].identity == participant_id
        }
        received = lost = 0
        for transceiver in self._connection.subscriber.getTransceivers():
            if transceiver.receiver.track not in theirs:
                continue
            for stats in (await transceiver.receiver.getStats()).values():
                if stats.type == "inbound-rtp":
                    received += stats.packetsReceived
                    lost += stats.packetsLost
        return TransportStats(packets_received=received, packets_lost=lost)

    async def show(self, tiles: TileSizes) -> None:
        self._shown = dict(tiles)
        self._dirty.set()

    @property
    def camera_encoder(self) -> CameraVp8Encoder | None:
        """The encoder of our published camera, once published (tests, stats)."""
        return self._camera

    # -- subscriptions -----------------------------------------------------------------------

    def wanted(self) -> dict[str, tuple[int, int]]:
        """sid -> size for every track we should receive: all audio, and video on screen."""
        wanted: dict[str, tuple[int, int]] = {}
        for sid, info in self._tracks.items():
            if info.slot is Slot.AUDIO:
                wanted[sid] = (0, 0)
                continue
            size = self._shown.get(TileKey.of_slot(info.identity, info.slot))
            if size is not None and not info.muted:
                wanted[sid] = size
        return wanted

    async def _reconcile_forever(self) -> None:
        while not self._closed:
            with contextlib.suppress(TimeoutError):  # a look at late tracks every second
                async with asyncio.timeout(_ARRIVAL_CHECK_SECONDS):
                    await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._ask_again_for_missing()
                await self._reconcile()
            except ConnectionLostError as exc:  # the backend resumes or rejoins
                log.info("could not update subscriptions: %s", exc.message)
            except Exception:
                log.exception("could not update subscriptions")

    async def _reconcile(self) -> None:
        wanted = self.wanted()
        stale = sorted(self._subscribed - set(wanted))
        fresh = sorted(set(wanted) - self._subscribed)
        if stale:
            await self._connection.subscribe(stale, subscribe=False)
            self._subscribed.difference_update(stale)
            for sid in stale:
                self._sizes.pop(sid, None)
        if fresh:
            await self._connection.subscribe(fresh, subscribe=True)
            self._subscribed.update(fresh)
            now = asyncio.get_running_loop().time()
            for sid in fresh:
                if sid not in self._arrived and self._tracks[sid].slot is not Slot.AUDIO:
                    self._asked_at[sid] = now
        for sid, (width, height) in wanted.items():
            if self._tracks[sid].slot is Slot.AUDIO or self._sizes.get(sid) == (width, height):
                continue
            await self._connection.track_settings(sid, width, height)
            self._sizes[sid] = (width, height)

    async def _ask_again_for_missing(self) -> None:
        """A video on screen that LiveKit was asked for but that never came (seen once under
        load) is asked for afresh: unsubscribed here, subscribed again by `_reconcile`."""
        now = asyncio.get_running_loop().time()
        for sid, since in list(self._asked_at.items()):
            if sid in self._arrived or sid not in self._subscribed:
                del self._asked_at[sid]
            elif now - since > self.patience_seconds:
                log.warning("track %s never arrived: asking LiveKit for it again", sid)
                del self._asked_at[sid]
                await self._connection.subscribe([sid], subscribe=False)
                self._subscribed.discard(sid)
                self._sizes.pop(sid, None)

    async def close(self) -> None:
        self._closed = True
        await cancel_and_wait(self._reconciler)
        for proxy in self._proxies.values():
            proxy.stop()
        self._proxies.clear()
