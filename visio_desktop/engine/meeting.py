"""One meeting as the engine runs it, on the engine loop: signaling, mesh peers, remote tracks.

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
    ServerUnreachableError,
    VisioError,
)
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.protocol import (
    Caption,
    Chat,
    Error,
    LeaveReason,
    Message,
    ParticipantInfo,
    Reaction,
    ServerShutdown,
    Signal,
    UpdateState,
)
from visio_desktop.core.protocol import ParticipantJoined as ParticipantJoinedMsg
from visio_desktop.core.protocol import ParticipantLeft as ParticipantLeftMsg
from visio_desktop.core.protocol import ParticipantUpdated as ParticipantUpdatedMsg
from visio_desktop.engine import events as ev
from visio_desktop.engine.captions import CaptionsOptions, OwnCaptions
from visio_desktop.engine.local import LocalMedia
from visio_desktop.engine.options import MediaOptions, ReconnectPolicy, StallRules
from visio_desktop.engine.receive import RemoteTrackPump
from visio_desktop.engine.screen_share import ScreenShare, ScreenSource
from visio_desktop.engine.stats import RemoteStats, collect_stats, participant_stats
from visio_desktop.engine.watchdog import stalled_peers
from visio_desktop.media.sources import MediaSources
from visio_desktop.rtc.ice import gather_loopback_only, rtc_configuration
from visio_desktop.rtc.mesh import KINDS, SLOTS, MeshCall
from visio_desktop.signaling.base import Admission, JoinRequest, MeetingBackend

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
    ) -> None:
        self.backend = backend
        self._reconnect_policy = reconnect or ReconnectPolicy()
        self._display_name = ""
        self.link = link
        self._emit = listener
        self._wanted = {"audio": options.audio, "video": options.video}
        self.local = LocalMedia(options.sources, video_sink)
        self._video_sink = video_sink
        self._audio_out = audio_out
        self.participants: dict[str, ParticipantInfo] = {}
        self.me: ParticipantInfo | None = None
        self.mesh: MeshCall | None = None
        self.pumps: dict[tuple[str, str], RemoteTrackPump] = {}
        self.joined_at = 0.0
        self.first_frames: dict[tuple[str, str], float] = {}
        self.departed: dict[str, RemoteStats] = {}
        self._reader: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._levels: asyncio.Task[None] | None = None
        self.captions = OwnCaptions(self.local, self.backend.send, listener, lambda: self.me)
        self.screen = ScreenShare(self.local, listener, self._send_state)
        self._stall_rules = stall_rules or StallRules()
        self._connected_at: dict[str, float] = {}  # time.time() of each peer's newest connection
        self._failed: set[str] = set()
        self._stall_checks: dict[str, int] = {}  # consecutive checks that found a peer stalled
        self._closed = False

    async def start(self, display_name: str) -> None:
        self._display_name = display_name
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.CONNECTING))
        for kind in KINDS:
            await self.local.turn(kind, self._wanted[kind])
        gather_loopback_only(self.link.is_loopback)
        await self._admit(await self.backend.join(self._join_request()))
        loop = asyncio.get_running_loop()
        self._reader = loop.create_task(self._read_loop(), name="signaling")
        self._watchdog = loop.create_task(self._watch_media(), name="media-watchdog")
        self._levels = loop.create_task(self._report_levels(), name="audio-levels")

    def _join_request(self) -> JoinRequest:
        return JoinRequest(
            display_name=self.me.display_name if self.me else self._display_name,
            audio=self.local.is_on("audio"),
            video=self.local.is_on("video"),
        )

    async def _admit(self, admission: Admission) -> None:
        """Set up the media plane for a fresh admission (first join or rejoin)."""
        self.joined_at = time.monotonic()
        joined = admission.joined
        self.mesh = MeshCall(
            joined.participant_id,
            rtc_configuration(admission.welcome.ice_servers, self.link.is_loopback),
            self.backend.send,
            self._on_track,
            self._on_peer_state,
            relay=self.local.relay,
        )
        for slot in SLOTS:
            await self.mesh.set_local_track(slot, self.local.outgoing[slot])
        for info in joined.participants:
            if info.id == joined.participant_id:
                self.me = info
            else:
                self.participants[info.id] = info
        self._emit(ev.Joined(joined.room, joined.participant_id, joined.participants))
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.CONNECTED))
        for participant_id in list(self.participants):
            await self._connect_peer(participant_id)

    async def _read_loop(self) -> None:
        reason = ""
        while True:
            try:
                message = await self.backend.receive()
            except ConnectionLostError as exc:
                if await self._reconnect(reason or exc.message):
                    reason = ""
                    continue
                return
            if isinstance(message, ServerShutdown):
                reason = message.reason  # the socket closes next; say why when it does
                continue
            try:
                await self._handle(message)
            except PeerConnectionError as exc:
                log.warning("%s", exc)
                self._emit(ev.ErrorOccurred(f"a media connection failed: {exc.message}"))

    async def _reconnect(self, reason: str) -> bool:
        """Rejoin after the server connection was lost, with backoff; False if it gave up."""
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING, reason))
        await self._drop_everyone()
        with contextlib.suppress(ConnectionLostError):
            await self.backend.close()
        for delay in self._reconnect_policy.delays:
            await asyncio.sleep(delay)  # backoff between attempts
            try:
                admission = await self.backend.join(self._join_request())
            except (ServerUnreachableError, ConnectionLostError) as exc:
                log.info("rejoin failed: %s", exc.message)
                continue
            except VisioError as exc:  # refused: the room is full, the version changed...
                reason = exc.message
                break
            hand = self.me is not None and self.me.hand_raised
            await self._admit(admission)
            if hand or self.screen.sharing:  # the new server knows only what a join says
                await self.set_hand(hand)
            return True
        self._emit(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, reason))
        self._emit(ev.ErrorOccurred(reason, fatal=True))
        await self.close(notify_server=False)
        return False

    async def _drop_everyone(self) -> None:
        for participant_id in list(self.participants):
            await self._drop_participant(
                ParticipantLeftMsg(participant_id=participant_id, reason=LeaveReason.DISCONNECTED)
            )
        if self.mesh is not None:
            await self.mesh.close()

    async def _handle(self, message: Message) -> None:
        mesh = self.mesh
        assert mesh is not None
        if isinstance(message, Signal):
            await mesh.handle_signal(message)
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
        elif isinstance(message, Error):
            self._emit(ev.ErrorOccurred(f"the server refused a request: {message.message}"))

    async def _connect_peer(self, participant_id: str) -> None:
        assert self.mesh is not None
        try:
            await self.mesh.add_peer(participant_id)
        except PeerConnectionError as exc:
            self._emit(ev.ErrorOccurred(f"could not connect to a participant: {exc.message}"))

    async def _drop_participant(self, message: ParticipantLeftMsg) -> None:
        info = self.participants.pop(message.participant_id, None)
        self._connected_at.pop(message.participant_id, None)
        self._failed.discard(message.participant_id)
        if info is not None:
            self.departed[info.id] = await participant_stats(self, info.id, info.display_name)
        if self._audio_out is not None:
            self._audio_out.remove_participant(message.participant_id)
        for slot in SLOTS:
            pump = self.pumps.pop((message.participant_id, slot), None)
            if pump is not None:
                await pump.stop()
                self._emit(ev.TrackRemoved(message.participant_id, slot))
        if self.mesh is not None:
            await self.mesh.remove_peer(message.participant_id)
        name = info.display_name if info else ""
        self._emit(ev.ParticipantLeft(message.participant_id, name, message.reason))

    def _on_peer_state(self, participant_id: str, state: str) -> None:
        if state == "new":  # a fresh connection: the watchdog gives it time to start
            self._connected_at[participant_id] = time.time()
            self._failed.discard(participant_id)
        elif state == "failed":
            self._failed.add(participant_id)
        self._emit(ev.PeerStateChanged(participant_id, state))

    async def _watch_media(self) -> None:
        """Replace the connection of any peer whose media stalled (see engine.watchdog)."""
        rules = self._stall_rules
        while True:
            await asyncio.sleep(rules.check_seconds)  # a periodic check, not a wait for an event
            if self.mesh is None:
                continue
            now = time.time()
            stalled = stalled_peers(
                now,
                self.participants,
                {key: pump.counter for key, pump in self.pumps.items()},
                connected_at=self._connected_at,
                failed=self._failed,
                rules=rules,
            )
            self._stall_checks = {pid: self._stall_checks.get(pid, 0) + 1 for pid in stalled}
            for participant_id in stalled:
                # The offering side acts at once; the other asks only if that did not happen.
                if self._stall_checks[participant_id] < (
                    1 if self.mesh.offers_to(participant_id) else 3
                ):
                    continue
                self._stall_checks.pop(participant_id)
                log.info("media from %s stalled; restarting its connection", participant_id)
                self._connected_at[participant_id] = now
                self._emit(ev.PeerStateChanged(participant_id, "restarting"))
                try:
                    await self.mesh.restart_peer(participant_id)
                except (PeerConnectionError, ConnectionLostError) as exc:
                    log.warning("restarting %s failed: %s", participant_id, exc.message)

    async def _report_levels(self) -> None:
        """Tell the front end who is loud, a few times a second (for the active speaker)."""
        while True:
            await asyncio.sleep(_LEVEL_SECONDS)  # a periodic report, not a wait for an event
            levels = [
                (participant_id, round(pump.counter.take_level(), 3))
                for (participant_id, kind), pump in list(self.pumps.items())
                if kind == "audio"
            ]
            if self.local.is_on("audio"):
                levels.append((ev.SELF_ID, round(self.local.level(), 3)))
            if levels:
                self._emit(ev.AudioLevels(tuple(levels)))

    def _on_track(self, participant_id: str, slot: str, track: MediaStreamTrack) -> None:
        pump = RemoteTrackPump(participant_id, track, self._on_first_frame, slot=slot)
        sink, audio_out = self._video_sink, self._audio_out
        if slot != "audio" and sink is not None:
            key = ev.screen_key(participant_id) if slot == "screen" else participant_id
            pump.sinks.append(lambda frame: sink(key, frame))
        elif slot == "audio" and audio_out is not None:
            pump.sinks.append(lambda frame: audio_out.push(participant_id, frame))
        old = self.pumps.get((participant_id, slot))
        if old is not None:
            asyncio.get_running_loop().create_task(old.stop())
        self.pumps[(participant_id, slot)] = pump
        self._emit(ev.TrackAdded(participant_id, slot, track))

    def _on_first_frame(self, participant_id: str, kind: str) -> None:
        after = round(time.monotonic() - self.joined_at, 3)
        self.first_frames[(participant_id, kind)] = after
        self._emit(ev.FirstRemoteFrame(participant_id, kind, after))

    # -- what the user does -------------------------------------------------------------------

    async def set_media(self, kind: str, on: bool) -> bool:
        """Turn local audio or video on or off; False when there is no device for it."""
        if on and self.local.is_on(kind):
            return True
        new = await self.local.turn(kind, on)  # the peers' track stays; its source changes
        await self._send_state()
        if kind == "audio":
            await self.captions.follow_microphone()
        return new is not None or not on

    async def use_sources(self, sources: MediaSources, kinds: tuple[str, ...] = KINDS) -> None:
        """Change devices mid-call without renegotiating: the peers' tracks stay."""
        await self.local.use_sources(sources, kinds)
        await self._send_state()

    async def share_screen(self, source: ScreenSource | None) -> None:
        """Share what `source` captures (None: stop); see engine.screen_share."""
        await (self.screen.start(source) if source is not None else self.screen.stop())

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
                audio=self.local.is_on("audio"),
                video=self.local.is_on("video"),
                screen=self.screen.sharing,
                hand_raised=self.me.hand_raised,
            )
        )

    async def send_chat(self, text: str) -> None:
        await self.backend.send(Chat(text=text))

    async def send_caption(self, caption: Caption) -> str:
        """Send caption text made elsewhere (a synthetic participant's script)."""
        await self.backend.send(caption)
        return caption.segment_id

    async def set_captions(self, on: bool, options: CaptionsOptions) -> None:
        """Caption the local voice (or stop); the state arrives as CaptionsStateChanged."""
        await self.captions.set(on, options)

    async def send_reaction(self, emoji: str) -> None:
        await self.backend.send(Reaction(emoji=emoji))

    async def stats(self) -> list[RemoteStats]:
        return await collect_stats(self)

    async def close(self, notify_server: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        for task in (self._reader, self._watchdog, self._levels):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for (participant_id, _), pump in list(self.pumps.items()):
            await pump.stop()
            if self._audio_out is not None:
                self._audio_out.remove_participant(participant_id)
        if self.mesh is not None:
            await self.mesh.close()
        await self.captions.close()
        await self.local.close()
        with contextlib.suppress(ConnectionLostError):
            await self.backend.close()
        self._emit(ev.Left("left" if notify_server else "disconnected"))
