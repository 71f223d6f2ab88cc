"""One meeting as the engine runs it, on the engine loop: who is in it (the roster, from the
meeting server), the media plane that carries their media (`rtc.plane.MediaPlane`: the mesh
today), what arrives from them (`engine.remote.RemoteMedia`), reconnection, the watchdog and
new media connections when this machine's addresses change (`rtc.addresses`).

Everything here runs on the engine thread; `engine.session.Session` is the thread-safe facade.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time

from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.core.errors import (
    ConnectionLostError,
    PeerConnectionError,
    ServerRejectedError,
    ServerUnreachableError,
    VisioError,
)
from visio_desktop.core.kinds import (
    DEVICE_KINDS,
    SELF_TILE,
    SLOTS,
    MediaKind,
    PeerState,
    Slot,
    TileKey,
)
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.protocol import (
    Caption,
    Chat,
    Error,
    ErrorCode,
    LeaveReason,
    Message,
    ParticipantInfo,
    Reaction,
    ServerShutdown,
    Signal,
    UpdateState,
    Waiting,
)
from visio_desktop.core.protocol import ParticipantJoined as ParticipantJoinedMsg
from visio_desktop.core.protocol import ParticipantLeft as ParticipantLeftMsg
from visio_desktop.core.protocol import ParticipantUpdated as ParticipantUpdatedMsg
from visio_desktop.core.secrets import MemorySecrets, SecretStore
from visio_desktop.core.tasks import cancel_and_wait
from visio_desktop.engine import events as ev
from visio_desktop.engine.captions import OwnCaptions
from visio_desktop.engine.hosting import FINAL_REFUSALS, Hosting
from visio_desktop.engine.local import LocalMedia
from visio_desktop.engine.options import AddressRules, MediaOptions, ReconnectPolicy, StallRules
from visio_desktop.engine.remote import RemoteMedia
from visio_desktop.engine.screen_share import ScreenShare, ScreenSource
from visio_desktop.engine.server_notices import notice_events
from visio_desktop.engine.stats import RemoteStats, collect_stats, participant_stats
from visio_desktop.engine.upkeep import MediaUpkeep
from visio_desktop.media.sources import MediaSources
from visio_desktop.rtc.addresses import AddressSource, gatherable_addresses
from visio_desktop.rtc.ice import gather_loopback_only
from visio_desktop.rtc.mesh import mesh_plane
from visio_desktop.rtc.plane import MediaPlane, PlaneFactory, PlaneOwner, PlaneSetup, TileSizes
from visio_desktop.signaling.base import Admission, JoinRequest, MeetingBackend
from visio_desktop.signaling.notices import Speakers

log = logging.getLogger(__name__)

_LEVEL_SECONDS = 0.25


class Meeting:
    def __init__(
        self,
        backend: MeetingBackend,
        link: MeetingLink,
        listener: ev.Listener,
        options: MediaOptions,
        *,
        reconnect: ReconnectPolicy | None = None,
        stall_rules: StallRules | None = None,
        video_sink: ev.VideoSink | None = None,
        audio_out: ev.AudioSink | None = None,
        plane_factory: PlaneFactory | None = None,
        addresses: AddressSource = gatherable_addresses,
        address_rules: AddressRules | None = None,
        secrets: SecretStore | None = None,
    ) -> None:
        self.backend = backend
        self._reconnect_policy = reconnect or ReconnectPolicy()
        self._display_name = ""
        self.link = link
        self._emit = listener
        self.hosting = Hosting(link, secrets or MemorySecrets(), backend.send, listener)
        self._wanted = {MediaKind.AUDIO: options.audio, MediaKind.VIDEO: options.video}
        self.local = LocalMedia(options.sources, video_sink)
        self.remote = RemoteMedia(listener, video_sink, audio_out)
        self.remote.may_play = self._sending
        self._plane_factory = plane_factory or mesh_plane(self.local.relay)
        self.participants: dict[str, ParticipantInfo] = {}
        self.me: ParticipantInfo | None = None
        self.plane: MediaPlane | None = None
        self.departed: dict[str, RemoteStats] = {}
        self._reader: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._levels: asyncio.Task[None] | None = None
        self.captions = OwnCaptions(self.local, self.backend.send, listener, lambda: self.me)
        self.screen = ScreenShare(self.local, listener, self._send_state)
        self._upkeep = MediaUpkeep(
            lambda: self.plane,
            self.participants,
            self.remote,
            backend,
            listener,
            stall_rules=stall_rules or StallRules(),
        )
        self._addresses = addresses
        self._address_rules = address_rules or AddressRules()
        self._network: asyncio.Task[None] | None = None
        self._shown: dict[TileKey, tuple[int, int]] = {}  # the front end's tiles on screen
        self._server_levels = False  # the media server reports who speaks (LiveKit)
        self._closed = False
        self._starting: asyncio.Task[object] | None = None  # the join, until it is done

    async def start(self, display_name: str) -> None:
        self._display_name = display_name
        self._starting = asyncio.current_task()  # closing while it waits (a lobby) ends it
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.CONNECTING))
        for kind in DEVICE_KINDS:
            await self.local.turn(kind, self._wanted[kind])
        gather_loopback_only(self.link.is_loopback)
        await self._admit(await self.backend.join(await self._join_request()))
        loop = asyncio.get_running_loop()
        if not self.link.is_loopback:  # a meeting on this machine keeps its addresses
            changes = self._upkeep.follow_addresses(self._addresses, self._address_rules)
            self._network = loop.create_task(changes, name="address-watch")
        self._reader = loop.create_task(self._read_loop(), name="signaling")
        self._watchdog = loop.create_task(self._upkeep.watch_media(), name="media-watchdog")
        self._levels = loop.create_task(self._report_levels(), name="audio-levels")
        self._starting = None

    async def _join_request(self) -> JoinRequest:
        return JoinRequest(
            display_name=self.me.display_name if self.me else self._display_name,
            audio=self.local.is_on(MediaKind.AUDIO),
            video=self.local.is_on(MediaKind.VIDEO),
            host_secret=await self.hosting.host_secret(),
            ticket=self.hosting.ticket,
            waiting=self._waiting,
        )

    def _waiting(self, waiting: Waiting) -> None:
        self._emit(ev.Waiting(waiting.room, waiting.display_name))

    async def _admit(self, admission: Admission) -> None:
        """Set up the media plane for a fresh admission (first join or rejoin)."""
        self.remote.admitted()
        joined = admission.joined
        await self.hosting.admitted(joined)
        setup = PlaneSetup(
            joined.participant_id,
            admission.welcome.ice_servers,
            self.link.is_loopback,
            self.local.relay,
        )
        own = None
        if isinstance(self.backend, PlaneOwner):
            own = self.backend.make_plane(setup, self, self.backend.send)
        self.plane = own or self._plane_factory(setup, self, self.backend.send)
        if self._shown:  # a rejoin: the new plane receives what is on screen
            await self.plane.show(self._shown)
        for slot in SLOTS:
            await self.plane.publish(slot, self.local.outgoing[slot])
        for info in joined.participants:
            if info.id == joined.participant_id:
                self.me = info
            else:
                self.participants[info.id] = info
        self._emit(
            ev.Joined(joined.room, joined.participant_id, joined.participants, joined.room_state)
        )
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.CONNECTED))
        for participant_id in list(self.participants):
            await self._connect_peer(participant_id)

    async def _read_loop(self) -> None:
        """Read the server until the meeting ends. Losing the server, at any point (a message
        read, an offer sent while handling one), leads to a rejoin; a message that cannot be
        handled costs that message, never the meeting."""
        reason = ""
        while True:
            try:
                message = await self.backend.receive()
                if isinstance(message, ServerShutdown):
                    reason = message.reason  # the socket closes next; say why when it does
                    continue
                await self._handle_safely(message)
                if self._closed:  # a host sent us away
                    return
                continue
            except ConnectionLostError as exc:
                lost = reason or exc.message
            except VisioError as exc:  # a backend that cannot go on reading is lost too
                log.warning("the meeting server connection broke: %s", exc.message)
                lost = reason or exc.message
            if not await self._reconnect(lost):
                return
            reason = ""

    async def _handle_safely(self, message: Message) -> None:
        try:
            await self._handle(message)
        except PeerConnectionError as exc:
            log.warning("%s", exc)
            self._emit(ev.ErrorOccurred(f"a media connection failed: {exc.message}"))
        except ConnectionLostError:
            raise
        except Exception:  # a bug of ours costs this message, not the meeting
            log.exception("could not handle %s", type(message).__name__)

    async def _reconnect(self, reason: str) -> bool:
        """Rejoin after the server connection was lost, with backoff; False if it gave up.
        Losing the server again in the middle of a rejoin is one more failed attempt."""
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING, reason))
        await self._forget_connection()
        hand = self.me is not None and self.me.hand_raised
        for delay in self._reconnect_policy.pauses():
            await asyncio.sleep(delay)  # backoff between attempts
            admitted = False
            try:
                admission = await self.backend.join(await self._join_request())
                admitted = True
                await self._admit(admission)
                if hand or self.screen.sharing:  # the new server knows only what a join says
                    await self.set_hand(hand)
            except (ServerUnreachableError, ConnectionLostError) as exc:
                log.info("rejoin failed: %s", exc.message)
                if admitted:  # we were back for a moment: say we are not any more
                    self._emit(
                        ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING, exc.message)
                    )
                    await self._forget_connection()
                continue
            except VisioError as exc:  # refused: the room is full, the version changed...
                reason = exc.message
                if isinstance(exc, ServerRejectedError) and exc.code in FINAL_REFUSALS:
                    await self.send_away(exc.code, exc.message, "")
                    return False
                break
            return True
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, reason))
        self._emit(ev.ErrorOccurred(reason, fatal=True))
        await self.close(notify_server=False)
        return False

    async def _forget_connection(self) -> None:
        """The server is gone: everyone with it, and the media plane of that admission."""
        await self._drop_everyone()
        self.plane = None
        with contextlib.suppress(ConnectionLostError):
            await self.backend.close()

    async def _drop_everyone(self) -> None:
        for participant_id in list(self.participants):
            await self._drop_participant(
                ParticipantLeftMsg(participant_id=participant_id, reason=LeaveReason.DISCONNECTED)
            )
        if self.plane is not None:
            await self.plane.close()

    async def _handle(self, message: Message) -> None:
        plane = self.plane
        assert plane is not None
        if isinstance(message, Signal):
            await plane.handle_signal(message)
        elif isinstance(message, ParticipantJoinedMsg):
            info = message.participant
            self.participants[info.id] = info
            self._emit(ev.ParticipantJoined(info))
            await self._connect_peer(info.id)
        elif isinstance(message, ParticipantLeftMsg):
            await self._drop_participant(message)
        elif isinstance(message, ParticipantUpdatedMsg):
            info = message.participant
            if self.me is not None and info.id == self.me.id:
                self.me = info
            elif info.id in self.participants:
                self.participants[info.id] = info
            self._emit(ev.ParticipantUpdated(info))
        elif isinstance(message, Chat):
            self._emit(ev.ChatReceived.of(message))
        elif isinstance(message, Caption):
            self._emit(ev.CaptionReceived.of(message))
        elif isinstance(message, Reaction):
            self._emit(ev.ReactionReceived(message.sender, message.emoji))
        elif await self.hosting.handle(message, self):
            pass
        elif isinstance(message, Error):
            self._emit(ev.ErrorOccurred(f"the server refused a request: {message.message}"))
        elif (events := notice_events(message)) is not None:
            self._server_levels |= isinstance(message, Speakers)  # LiveKit says who speaks
            for event in events:
                self._emit(event)

    async def _connect_peer(self, participant_id: str) -> None:
        assert self.plane is not None
        try:
            await self.plane.add_participant(participant_id)
        except PeerConnectionError as exc:
            self._emit(ev.ErrorOccurred(f"could not connect to a participant: {exc.message}"))

    async def _drop_participant(self, message: ParticipantLeftMsg) -> None:
        info = self.participants.pop(message.participant_id, None)
        self._upkeep.watch.forget(message.participant_id)
        if info is not None:
            self.departed[info.id] = await participant_stats(
                self.plane, self.remote, info.id, info.display_name
            )
        await self.remote.drop(message.participant_id)
        if self.plane is not None:
            await self.plane.remove_participant(message.participant_id)
        name = info.display_name if info else ""
        self._emit(ev.ParticipantLeft(message.participant_id, name, message.reason))

    def _sending(self, participant_id: str, slot: Slot) -> bool:
        """Whether the server says `participant_id` sends in `slot` (someone it has not
        described yet is played)."""
        info = self.participants.get(participant_id)
        if info is None:
            return True
        return {Slot.AUDIO: info.audio, Slot.CAMERA: info.video, Slot.SCREEN: info.screen}[slot]

    # -- what the media plane tells us --------------------------------------------------------

    def track_arrived(self, participant_id: str, slot: Slot, track: MediaStreamTrack) -> None:
        self.remote.add(participant_id, slot, track)

    def peer_state_changed(self, participant_id: str, state: PeerState) -> None:
        self._upkeep.watch.peer_state(participant_id, state, time.time())
        self._emit(ev.PeerStateChanged(participant_id, state))

    async def _report_levels(self) -> None:
        """Tell the front end who is loud, a few times a second (for the active speaker)."""
        while True:
            await asyncio.sleep(_LEVEL_SECONDS)  # a periodic report, not a wait for an event
            levels = [] if self._server_levels else self.remote.levels()
            if self.local.is_on(MediaKind.AUDIO):
                levels.append((SELF_TILE, round(self.local.level(), 3)))
            if levels:
                self._emit(ev.AudioLevels(tuple(levels)))

    # -- what the user does -------------------------------------------------------------------

    async def set_media(self, kind: MediaKind, on: bool) -> bool:
        """Turn local audio or video on or off; False when there is no device for it."""
        if on and self.local.is_on(kind):
            return True
        if on and kind is MediaKind.AUDIO and not self.hosting.may_unmute(self.me):
            self._emit(ev.ErrorOccurred("A host has locked the microphones."))
            return False
        new = await self.local.turn(kind, on)  # the peers' track stays; its source changes
        await self._send_state()
        if kind is MediaKind.AUDIO:
            await self.captions.follow_microphone()
        return new is not None or not on

    async def send_away(self, code: ErrorCode, message: str, by_name: str) -> None:
        """Denied, removed, locked out, or the meeting ended: over for good, no rejoin."""
        self._emit(ev.SentAway(code, message, by_name))
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, message))
        await self.close(notify_server=False)

    async def use_sources(
        self, sources: MediaSources, kinds: tuple[MediaKind, ...] = DEVICE_KINDS
    ) -> None:
        """Change devices mid-call without renegotiating: the peers' tracks stay."""
        await self.local.use_sources(sources, kinds)
        await self._send_state()

    async def share_screen(self, source: ScreenSource | None) -> None:
        """Share what `source` captures (None: stop); see engine.screen_share."""
        await (self.screen.start(source) if source is not None else self.screen.stop())

    async def show_tiles(self, tiles: TileSizes) -> None:
        """The front end shows these remote video tiles at these sizes (see MediaPlane.show)."""
        self._shown = dict(tiles)
        if self.plane is not None:
            await self.plane.show(self._shown)

    async def set_hand(self, raised: bool) -> None:
        if self.me is not None:
            self.me = dataclasses.replace(self.me, hand_raised=raised)
        await self._send_state()

    async def _send_state(self) -> None:
        if self.me is None:
            return
        await self.backend.send(
            UpdateState(
                display_name=self.me.display_name,
                audio=self.local.is_on(MediaKind.AUDIO),
                video=self.local.is_on(MediaKind.VIDEO),
                screen=self.screen.sharing,
                hand_raised=self.me.hand_raised,
            )
        )

    async def stats(self) -> list[RemoteStats]:
        return await collect_stats(self.plane, self.remote, self.participants, self.departed)

    async def close(self, notify_server: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        for task in (self._starting, self._reader, self._watchdog, self._levels, self._network):
            if task is not None and task is not asyncio.current_task():
                try:
                    await cancel_and_wait(task)
                except Exception:  # a task that died must not keep the rest open
                    log.exception("a meeting task had failed")
        await self.remote.close()
        if self.plane is not None:
            await self.plane.close()
        await self.captions.close()
        await self.local.close()
        with contextlib.suppress(ConnectionLostError):
            await self.backend.close()
        self._emit(ev.Left(LeaveReason.LEFT if notify_server else LeaveReason.DISCONNECTED))
