"""A meeting on a LiveKit SFU, as `engine.meeting.Meeting` sees every meeting: a
`MeetingBackend` that speaks our protocol's messages, and the media plane that goes with it.

Each join asks the server for a LiveKit grant (La Suite Meet's REST API: a URL, a room and a
token; `grant_source`), opens one `LiveKitConnection` and translates in both directions:
- LiveKit's participant updates become our ParticipantJoined / Updated / Left, with each
  person's media, screen and raised hand read from their tracks and attributes;
- the live features ride on LiveKit as La Suite Meet's web app has them (`rtc.livekit.
  features`), and their sender is always the identity LiveKit stamped;
- our UpdateState, Chat, Caption and Reaction become LiveKit requests and data packets.
A participant's id is their LiveKit identity. A resume (same session, new signalling socket)
is reported as reconnecting and back; when LiveKit no longer has the session, or this
machine's addresses changed (`addresses_changed`: aiortc cannot restart ICE), `receive` raises
ConnectionLostError and the meeting joins afresh, with a new grant.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiortc import RTCIceServer
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.core.errors import (
    ConnectionLostError,
    ServerRejectedError,
    ServerUnreachableError,
)
from visio_desktop.core.kinds import Slot
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.protocol import (
    FEATURES,
    PROTOCOL_VERSION,
    Admit,
    Caption,
    Chat,
    Discovery,
    ErrorCode,
    Joined,
    MediaPlane,
    Message,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    Reaction,
    RoomStateChanged,
    UpdateState,
    Welcome,
    clean_display_name,
)
from visio_desktop.core.roles import RoomState
from visio_desktop.engine import sfu_hosting
from visio_desktop.engine.sfu_lobby import LobbyWatch
from visio_desktop.engine.sfu_people import indicators, leave_reason, participant_info
from visio_desktop.rtc.livekit import features
from visio_desktop.rtc.livekit.connection import LiveKitConnection, SignallingState
from visio_desktop.rtc.livekit.incoming import LiveData
from visio_desktop.rtc.livekit.plane import SfuPlane
from visio_desktop.rtc.plane import PlaneEvents, PlaneSetup, SendSignal
from visio_desktop.signaling.base import Admission, JoinRequest
from visio_desktop.signaling.notices import (
    MediaServerResumed,
    MediaServerResuming,
)

log = logging.getLogger(__name__)

GrantSource = Callable[[str], Awaitable[LiveKitGrant]]
HandSetter = Callable[[LiveKitGrant, bool], Awaitable[None]]
"""Raises or lowers our hand through the server (La Suite Meet's toggle-hand), for servers
whose tokens do not let a participant write their own attributes."""


@dataclasses.dataclass(frozen=True)
class _Lost:
    """Put on the queue when the session is lost: `receive` raises with this reason."""

    reason: str


_LOST = _Lost("the media server no longer has this session")
_NETWORK_CHANGED = _Lost("this computer's network changed")


class LiveKitBackend:
    """A `signaling.base.MeetingBackend` and `rtc.plane.PlaneOwner` for LiveKit rooms."""

    def __init__(
        self,
        grant_source: GrantSource,
        *,
        server: str = "",
        hand: HandSetter | None = None,
        ice_allowed: Callable[[str], bool] | None = None,
        host: sfu_hosting.HostCall | None = None,
    ) -> None:
        """`ice_allowed` says which STUN and TURN URLs that LiveKit offers may be used (None:
        none, as on this machine)."""
        self._grant_source = grant_source
        self._ice_allowed = ice_allowed
        self._hand = hand
        self._host = host  # a host's requests to the server (`engine.sfu_hosting`)
        self._grant: LiveKitGrant | None = None
        self._server = server
        self._connection: LiveKitConnection | None = None
        self._plane: SfuPlane | None = None
        self._queue: asyncio.Queue[Message | object] = asyncio.Queue()
        self._known: dict[str, lm.ParticipantInfo] = {}  # identity -> newest info
        self._sids: dict[str, str] = {}  # participant sid -> identity
        self._sending = {Slot.AUDIO: False, Slot.CAMERA: False, Slot.SCREEN: False}
        self._live_data = LiveData(time.monotonic, time.time)
        self._joining = False  # participants reported now go into the roster, not the queue
        self._role = sfu_hosting.role_of(lm.ParticipantInfo())  # ours, as LiveKit last told us
        self._lobby = LobbyWatch(self._ask_lobby, self._put)

    # -- MeetingBackend ------------------------------------------------------------------------

    async def join(self, request: JoinRequest) -> Admission:
        grant = self._grant = await self._grant_source(request.display_name)
        self._lobby.stop()
        self._queue = asyncio.Queue()
        self._known.clear()
        self._sids.clear()
        self._sending = {Slot.AUDIO: request.audio, Slot.CAMERA: request.video, Slot.SCREEN: False}
        connection = LiveKitConnection(self, self._ice_servers)
        self._connection = connection
        self._joining = True
        try:
            joined = await connection.connect(grant.url, grant.token)
        except TimeoutError:
            await connection.close()
            raise ServerUnreachableError("the media server did not answer in time") from None
        except BaseException:
            await connection.close()
            raise
        finally:
            self._joining = False
        me = joined.participant
        # Whoever came or went while we joined is in the roster: no message for them.
        people = [participant_info(me)] + [participant_info(p) for p in self._known.values()]
        discovery = Discovery(
            protocol=PROTOCOL_VERSION,
            websocket=grant.url,
            ice_servers=(),
            media_planes=(MediaPlane.SFU,),
            features=FEATURES,
            server=self._server,
        )
        welcome = Welcome(
            protocol=PROTOCOL_VERSION,
            participant_id=me.identity[:64],
            ice_servers=(),
            media_plane=MediaPlane.SFU,
            server=self._server,
        )
        self._role = sfu_hosting.role_of(me)
        if self._role.moderates:
            self._lobby.nudge()  # people may be waiting already
        rules = sfu_hosting.room_state_of(joined.room.metadata) or RoomState()
        entered = Joined(grant.room, me.identity[:64], tuple(people), room_state=rules)
        return Admission(discovery, welcome, entered)

    async def send(self, message: Message) -> None:
        connection = self._live()
        me, name = self._identity[:64], self._name_of(self._identity)
        if isinstance(message, UpdateState):
            await self._update_state(connection, message)
        elif isinstance(message, Chat):
            sent_at = time.time()
            chat_id = uuid.uuid4().hex[:16]
            for packet in features.encode_chat(message.text, message_id=chat_id, sent_at=sent_at):
                connection.send_data(packet)
            # LiveKit does not echo data to its sender; our server does, and the window
            # shows our own line when it comes back.
            echo = Chat(message.text, chat_id, sent_at, sender=me, sender_name=name)
            self._queue.put_nowait(echo)
        elif isinstance(message, Reaction):
            connection.send_data(features.encode_reaction(message.emoji))
            self._queue.put_nowait(Reaction(message.emoji, sender=me))
        elif isinstance(message, Caption):
            track = self._plane.published_sid(Slot.AUDIO) if self._plane else None
            stamp = int(time.time() * 1000)
            for packet in features.encode_caption(message, track or "", timestamp_ms=stamp):
                connection.send_data(packet)
            self._queue.put_nowait(dataclasses.replace(message, sender=me, sender_name=name))
        else:
            await sfu_hosting.ask_server(
                self._host, self._grant, message, self._known, self._queue.put_nowait
            )
            if isinstance(message, Admit):
                self._lobby.nudge()  # the list as it is now, at once
        # The mesh's signals, pings and the rest have no meaning on LiveKit.

    async def receive(self) -> Message:
        item = await self._queue.get()
        if isinstance(item, _Lost):
            raise ConnectionLostError(item.reason)
        assert isinstance(item, Message)
        return item

    async def close(self) -> None:
        self._lobby.stop()
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    def addresses_changed(self, addresses: frozenset[str]) -> bool:
        """`signaling.base.FollowsAddresses`: aiortc cannot restart the ICE of the publisher
        and subscriber connections, so the session is given up and joined afresh."""
        self._queue.put_nowait(_NETWORK_CHANGED)
        return True

    def make_plane(
        self, setup: PlaneSetup, events: PlaneEvents, send_signal: SendSignal
    ) -> SfuPlane:
        plane = SfuPlane(self._live(), events, setup.relay or MediaRelay())
        plane.start_sending(dict(self._sending))
        for participant in self._known.values():
            plane.participant_changed(participant)
        self._plane = plane
        return plane

    def _ice_servers(self, offered: list[lr.ICEServer]) -> list[RTCIceServer]:
        """The STUN and TURN servers LiveKit offered (its own TURN, for networks that block
        its UDP ports), each kept only with the URLs the link's rules allow."""
        allowed = self._ice_allowed
        if allowed is None:
            return []
        chosen = []
        for server in offered:
            urls = [url for url in server.urls if allowed(url)]
            if urls:
                username, credential = server.username or None, server.credential or None
                chosen.append(RTCIceServer(urls=urls, username=username, credential=credential))
        return chosen

    def _put(self, message: Message) -> None:
        self._queue.put_nowait(message)  # the queue of the session now (each join has one)

    async def _ask_lobby(self) -> object:
        if self._host is None or self._grant is None:
            raise ServerRejectedError(ErrorCode.FORBIDDEN, "this server shows hosts no lobby")
        asked = sfu_hosting.HostRequest("GET", "waiting-participants/")
        return await self._host(self._grant, asked)

    def _me(self) -> lm.ParticipantInfo:
        join = self._live().join
        if join is None:
            raise ConnectionLostError("not connected to the media server")
        return join.participant

    def _live(self) -> LiveKitConnection:
        if self._connection is None:
            raise ConnectionLostError("not connected to the media server")
        return self._connection

    async def _update_state(self, connection: LiveKitConnection, state: UpdateState) -> None:
        self._sending = {
            Slot.AUDIO: state.audio,
            Slot.CAMERA: state.video,
            Slot.SCREEN: state.screen,
        }
        if self._plane is not None:
            await self._plane.sync_sending(dict(self._sending))
        if features.hand_raised(self._me()) != state.hand_raised:
            attributes = features.hand_attributes(state.hand_raised, datetime.now(UTC))
            self._me().attributes.update(attributes)
            if self._hand is not None and self._grant is not None:
                await self._hand(self._grant, state.hand_raised)
                return
            await connection.send(
                lr.SignalRequest(
                    update_metadata=lr.UpdateParticipantMetadata(attributes=attributes)
                )
            )

    # -- rtc.livekit.events.SignalEvents ------------------------------------------------------

    @property
    def _identity(self) -> str:
        join = self._connection.join if self._connection is not None else None
        return join.participant.identity if join is not None else ""

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None:
        for participant in participants:
            if participant.identity == self._identity:
                self._own_update(participant)
                continue
            if not sfu_hosting.shown(participant):
                continue
            self._sids[participant.sid] = participant.identity
            before = self._known.get(participant.identity)
            if participant.state == lm.ParticipantInfo.State.DISCONNECTED:
                if before is not None and before.sid == participant.sid:
                    del self._known[participant.identity]
                    if self._joining:
                        continue
                    reason = leave_reason(participant)
                    self._queue.put_nowait(ParticipantLeft(participant.identity[:64], reason))
                    self._tell_plane(participant)
                continue
            self._known[participant.identity] = participant
            info = participant_info(participant)
            if self._joining:
                continue
            if before is None:
                self._queue.put_nowait(ParticipantJoined(info))
            elif participant_info(before) != info:
                self._queue.put_nowait(ParticipantUpdated(info))
            self._tell_plane(participant)

    def _own_update(self, participant: lm.ParticipantInfo) -> None:
        """Our own attributes as LiveKit holds them: a host may have changed our role."""
        join = self._connection.join if self._connection is not None else None
        if join is None or participant.sid != join.participant.sid:
            return
        join.participant.attributes.clear()
        join.participant.attributes.update(participant.attributes)
        if sfu_hosting.role_of(participant) != self._role:
            self._role = sfu_hosting.role_of(participant)
            self._queue.put_nowait(ParticipantUpdated(participant_info(participant)))
            if self._role.moderates:
                self._lobby.nudge()
            else:
                self._lobby.stop()

    def _tell_plane(self, participant: lm.ParticipantInfo) -> None:
        if self._plane is not None:
            self._plane.participant_changed(participant)

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None:
        if self._plane is not None:
            self._plane.track_arrived(track_sid, track)

    def data_received(self, packet: lm.DataPacket) -> None:
        sender = packet.participant_identity
        if sender == self._identity:
            return
        for item in self._live_data.read(packet, self._known):
            if isinstance(item, features.Notice):
                log.info("La Suite Meet notice %s from %s", item.kind, item.sender or "the server")
                if item.kind is features.NoticeKind.PARTICIPANT_WAITING and self._role.moderates:
                    self._lobby.nudge()
            else:
                self._queue.put_nowait(item)

    def _name_of(self, identity: str) -> str:
        known = self._known.get(identity)
        join = self._connection.join if self._connection is not None else None
        if known is None and join is not None and join.participant.identity == identity:
            known = join.participant
        return clean_display_name(known.name or identity if known else identity)

    def signal_message(self, response: lr.SignalResponse) -> None:
        kind = response.WhichOneof("message")
        plane = self._plane
        decided = sfu_hosting.server_decision(
            response, plane.published_sid if plane else lambda s: None
        )
        if decided is not None:
            self._queue.put_nowait(decided)  # a removal or the end: no rejoin (engine.hosting)
        elif kind in ("speakers_changed", "connection_quality"):
            shown = indicators(response, self._sids)
            if shown is not None:
                self._queue.put_nowait(shown)
        elif kind == "subscribed_quality_update" and self._plane is not None:
            self._plane.qualities_wanted(response.subscribed_quality_update)
        elif kind == "room_update":
            rules = sfu_hosting.room_state_of(response.room_update.room.metadata)
            if rules is not None:
                self._queue.put_nowait(RoomStateChanged(rules))
        elif kind == "leave":
            action = response.leave.action
            if action != lr.LeaveRequest.Action.RESUME:  # RECONNECT or DISCONNECT: join afresh
                log.info("LiveKit asked us to leave (%s)", response.leave.reason)
                self._queue.put_nowait(_LOST)

    def signalling_changed(self, state: SignallingState) -> None:
        if state is SignallingState.RESUMING:
            self._queue.put_nowait(MediaServerResuming())
        elif state is SignallingState.RESUMED:
            self._queue.put_nowait(MediaServerResumed())
        else:
            self._queue.put_nowait(_LOST)
