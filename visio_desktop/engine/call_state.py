"""The call state: one plain-Python model (no Qt) of what a front end shows.

It holds the phase (home, pre-join, joining, in call, reconnecting, left, failed), the
connection, the roster with each person's media, hand and screen, the tiles as typed keys, our
own captions' state, the active speaker and each participant's connection quality. Engine
events (`apply`) and the join's result (`join_succeeded`, `join_failed`) both feed it, in any
order, and it ends in the same state: nothing is dropped because of what a window happens to
show. Only events of a meeting that is over (an older `Event.meeting` number) are ignored.

Listeners get typed `Change` notifications on the thread that feeds the state (the GUI thread
in the window). Views render from the state itself; the notifications say what to look at,
and carry the one-off things (a chat line, a caption, an announcement) that are not state.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from visio_desktop.core.kinds import PREVIEW_TILE, SELF_TILE, PeerState, TileKey, TileKind
from visio_desktop.core.protocol import LeaveReason, ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import (
    Announced,
    Announcement,
    CaptionShown,
    Change,
    ChatShown,
    Phase,
    PhaseChanged,
    Quality,
    ReactionShown,
    StateChanged,
    What,
)
from visio_desktop.engine.speaker import ActiveSpeaker

log = logging.getLogger(__name__)

ChangeListener = Callable[[Change], None]
_LIVE = (Phase.JOINING, Phase.IN_CALL, Phase.RECONNECTING)


class CallState:
    def __init__(self) -> None:
        self.phase = Phase.HOME
        self.meeting = 0  # the number of the meeting this state follows (0: none yet)
        self.room = ""
        self.connection = ev.ConnectionState.DISCONNECTED
        self.connection_detail = ""
        self.failure: BaseException | str | None = None  # why the last join failed
        self.self_id = ""
        self.me = ParticipantInfo(id="", display_name="")
        self.sharing = False
        self.roster: dict[str, ParticipantInfo] = {}  # the others, in the order they came
        self.quality: dict[str, Quality] = {}
        self.server_measures_quality = False  # the SFU reports it: frame rates do not count
        self.captions = ev.CaptionsState.OFF
        self.captions_detail = ""
        self.speaker = ActiveSpeaker()
        self.preview_level = 0.0
        self._listeners: list[ChangeListener] = []
        self._roster_known = False  # the server's roster of this admission has arrived
        self._early_arrivals: dict[str, ParticipantInfo] = {}  # before the roster
        self._early_departures: set[str] = set()

    # -- listeners -----------------------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _notify(self, change: Change) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # one view's bug must not stop the others from rendering
                log.exception("a call state listener failed on %s", change)

    def _changed(self, *what: What) -> None:
        self._notify(StateChanged(frozenset(what)))

    # -- derived -------------------------------------------------------------------------------

    @property
    def active_speaker(self) -> TileKey | None:
        return self.speaker.current

    @property
    def tiles(self) -> tuple[TileKey, ...]:
        """What the call shows: our own tile, then each participant's camera in the order they
        came, then the screens being shared."""
        cameras = [TileKey.camera(pid) for pid in self.roster]
        screens = [TileKey.screen(pid) for pid, info in self.roster.items() if info.screen]
        return (SELF_TILE, *cameras, *screens)

    def person(self, key: TileKey) -> ParticipantInfo | None:
        """Who a tile shows."""
        if key.kind in (TileKind.SELF, TileKind.PREVIEW):
            return self.me
        return self.roster.get(key.participant_id)

    def name_of(self, participant_id: str) -> str:
        if participant_id in (self.self_id, str(SELF_TILE)):
            return self.me.display_name
        info = self.roster.get(participant_id)
        return info.display_name if info is not None else ""

    # -- what the user does --------------------------------------------------------------------

    def go_home(self) -> None:
        """Home: any meeting is over for this state."""
        self._set_phase(Phase.HOME)

    def open_prejoin(self, room: str) -> None:
        self.room = room
        self.failure = None
        self._set_phase(Phase.PREJOIN)

    def join_started(
        self, meeting: int, room: str, display_name: str, *, audio: bool, video: bool
    ) -> None:
        """The user pressed Join: from now on, events of meeting `meeting` count."""
        self.meeting = meeting
        self.server_measures_quality = False
        self.room = room
        self.failure = None
        self.self_id = ""
        self.me = ParticipantInfo(id="", display_name=display_name, audio=audio, video=video)
        self.sharing = False
        self.roster.clear()
        self.quality.clear()
        self.speaker = ActiveSpeaker()
        self._forget_roster()
        self.connection, self.connection_detail = ev.ConnectionState.CONNECTING, ""
        self._set_phase(Phase.JOINING)
        self._changed(What.ROSTER, What.SELF, What.CONNECTION, What.SPEAKER)

    def join_succeeded(self, meeting: int) -> None:
        """The join's future resolved: we are in (whether or not the roster is here yet)."""
        if meeting != self.meeting or self.phase is not Phase.JOINING:
            return
        if self.connection is ev.ConnectionState.CONNECTING:
            self._set_connection(ev.ConnectionState.CONNECTED, "")
        self._set_phase(Phase.IN_CALL)

    def join_failed(self, meeting: int, error: BaseException) -> None:
        if meeting != self.meeting or self.phase not in (*_LIVE, Phase.FAILED):
            return
        self.failure = error
        self._set_connection(ev.ConnectionState.DISCONNECTED, getattr(error, "message", ""))
        self._set_phase(Phase.FAILED)
        self._changed(What.FAILURE)

    def set_own_media(
        self, *, audio: bool | None = None, video: bool | None = None, hand: bool | None = None
    ) -> None:
        """What our own microphone, camera and hand do, as the user set them."""
        self.me = dataclasses.replace(
            self.me,
            audio=self.me.audio if audio is None else audio,
            video=self.me.video if video is None else video,
            hand_raised=self.me.hand_raised if hand is None else hand,
        )
        self._changed(What.SELF)

    def apply_stats(self, figures: dict[str, tuple[float, bool]]) -> None:
        """Connection quality from what arrived: participant id -> (video fps, audio flows)."""
        if self.server_measures_quality:  # we receive only the video on screen there
            return
        for pid, (fps, audio_flowing) in figures.items():
            info = self.roster.get(pid)
            if info is not None:
                self.quality[pid] = quality(info.video, fps, audio_flowing)
        self._changed(What.QUALITY)

    # -- from the engine -----------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        """An engine event. Those of a meeting that is not this state's (an older number, or
        any while no meeting is live) are over and ignored; unnumbered events (0: the pre-join
        preview, tests) always count."""
        if event.meeting and (event.meeting != self.meeting or self.phase not in _LIVE):
            return
        match event:
            case ev.ConnectionStateChanged():
                self._connection_changed(event)
            case ev.ErrorOccurred():
                self._error(event)
            case ev.Left():
                self._left(event)
            case ev.Joined():
                self._joined(event)
            case ev.ParticipantJoined():
                self._participant_joined(event)
            case ev.ParticipantLeft():
                self._participant_left(event)
            case ev.ParticipantUpdated():
                self._participant_updated(event)
            case ev.PeerStateChanged():
                self._peer_state(event)
            case ev.AudioLevels():
                self._levels(event)
            case ev.QualityReported():
                self.server_measures_quality = True
                if event.participant_id in self.roster:
                    self.quality[event.participant_id] = _SERVER_QUALITY.get(
                        event.quality, Quality.UNKNOWN
                    )
                    self._changed(What.QUALITY)
            case ev.ChatReceived():
                self._notify(ChatShown(event, bool(self.self_id) and event.sender == self.self_id))
            case ev.CaptionReceived():
                # Keyed by the sender the server stamped: nobody touches another's words.
                self._notify(CaptionShown(f"{event.sender}/{event.segment_id}", event))
            case ev.ReactionReceived():
                self._notify(ReactionShown(self.name_of(event.sender), event.emoji))
            case ev.CaptionsStateChanged():
                self.captions, self.captions_detail = event.state, event.detail
                self._changed(What.CAPTIONS)
            case ev.ScreenShareChanged():
                self._screen_share(event)

    def _connection_changed(self, event: ev.ConnectionStateChanged) -> None:
        state = event.state
        self._set_connection(state, event.detail)
        if state is ev.ConnectionState.CONNECTED and self.phase in _LIVE:
            self._set_phase(Phase.IN_CALL)
        elif state is ev.ConnectionState.RECONNECTING and self.phase in _LIVE:
            self._set_phase(Phase.RECONNECTING)  # the rejoin's roster replaces this one
        elif state is ev.ConnectionState.DISCONNECTED:
            self._ended(event.detail)

    def _error(self, event: ev.ErrorOccurred) -> None:
        if event.fatal:
            self._set_connection(ev.ConnectionState.DISCONNECTED, event.message)
            self._ended(event.message)
        else:
            self._notify(Announced(Announcement.PROBLEM, event.message))

    def _left(self, event: ev.Left) -> None:
        if event.reason is LeaveReason.DISCONNECTED:
            self._ended(self.connection_detail)

    def _ended(self, detail: str) -> None:
        if self.phase is Phase.JOINING:
            self.failure = self.failure or detail
            self._set_phase(Phase.FAILED)
            self._changed(What.FAILURE)
        elif self.phase in (Phase.IN_CALL, Phase.RECONNECTING):
            self._set_phase(Phase.LEFT)

    def _joined(self, event: ev.Joined) -> None:
        self.self_id = event.self_id
        roster: dict[str, ParticipantInfo] = {}
        for info in event.participants:
            if info.id == event.self_id:
                self.me = dataclasses.replace(
                    info, audio=self.me.audio, video=self.me.video, screen=self.sharing
                )
            else:
                roster[info.id] = info
        roster.update(self._early_arrivals)
        for pid in self._early_departures:
            roster.pop(pid, None)
        self._forget_roster()
        self._roster_known = True
        self.roster = roster
        for pid in list(self.quality):
            if pid not in roster:
                del self.quality[pid]
        if self.phase in (Phase.JOINING, Phase.RECONNECTING):
            self._set_phase(Phase.IN_CALL)
        self._changed(What.ROSTER, What.SELF)

    def _participant_joined(self, event: ev.ParticipantJoined) -> None:
        info = event.participant
        if not self._roster_known:
            self._early_arrivals[info.id] = info
            self._early_departures.discard(info.id)
            return
        self.roster[info.id] = info
        self._changed(What.ROSTER)
        self._notify(Announced(Announcement.JOINED, info.display_name))

    def _participant_left(self, event: ev.ParticipantLeft) -> None:
        pid = event.participant_id
        if not self._roster_known:
            self._early_arrivals.pop(pid, None)
            self._early_departures.add(pid)
            return
        info = self.roster.pop(pid, None)
        self.quality.pop(pid, None)
        if self.speaker.forget(TileKey.camera(pid)):
            self._changed(What.SPEAKER)
        if info is None:
            return
        self._changed(What.ROSTER)
        name = event.display_name or info.display_name
        if event.reason is not LeaveReason.DISCONNECTED:
            self._notify(Announced(Announcement.LEFT, name))
        if info.screen:
            self._notify(Announced(Announcement.SHARING_STOPPED, name))

    def _participant_updated(self, event: ev.ParticipantUpdated) -> None:
        info = event.participant
        if info.id == self.self_id:
            self.me = dataclasses.replace(
                self.me,
                display_name=info.display_name,
                hand_raised=info.hand_raised,
                role=info.role,
            )
            self._changed(What.SELF)
            return
        if not self._roster_known:
            if info.id in self._early_arrivals or info.id not in self._early_departures:
                self._early_arrivals[info.id] = info
            return
        before = self.roster.get(info.id)
        if before is None:
            return
        self.roster[info.id] = info
        self._changed(What.ROSTER)
        if info.hand_raised and not before.hand_raised:
            self._notify(Announced(Announcement.HAND_RAISED, info.display_name))
        if info.screen and not before.screen:
            self._notify(Announced(Announcement.SHARING_STARTED, info.display_name))
        elif before.screen and not info.screen:
            self._notify(Announced(Announcement.SHARING_STOPPED, info.display_name))

    def _peer_state(self, event: ev.PeerStateChanged) -> None:
        if event.state in (PeerState.FAILED, PeerState.RESTARTING):
            self.quality[event.participant_id] = Quality.POOR
            self._changed(What.QUALITY)

    def _levels(self, event: ev.AudioLevels) -> None:
        levels = dict(event.levels)
        if PREVIEW_TILE in levels:
            self.preview_level = levels.pop(PREVIEW_TILE)
            self._changed(What.PREVIEW_LEVEL)
        if levels and self.speaker.hear(levels):
            self._changed(What.SPEAKER)

    def _screen_share(self, event: ev.ScreenShareChanged) -> None:
        self.sharing = event.sharing
        self.me = dataclasses.replace(self.me, screen=event.sharing)
        self._changed(What.SELF)
        self._notify(
            Announced(
                Announcement.OWN_SHARING_STARTED
                if event.sharing
                else Announcement.OWN_SHARING_STOPPED,
                event.detail,
            )
        )

    # -- internals -----------------------------------------------------------------------------

    def _forget_roster(self) -> None:
        self._roster_known = False
        self._early_arrivals.clear()
        self._early_departures.clear()

    def _set_connection(self, state: ev.ConnectionState, detail: str) -> None:
        if (state, detail) == (self.connection, self.connection_detail):
            return
        self.connection, self.connection_detail = state, detail
        self._changed(What.CONNECTION)

    def _set_phase(self, phase: Phase) -> None:
        if phase is self.phase:
            return
        before, self.phase = self.phase, phase
        self._notify(PhaseChanged(phase, before))


_SERVER_QUALITY = {"good": Quality.GOOD, "poor": Quality.FAIR, "lost": Quality.POOR}


def quality(video_on: bool, fps: float, audio_flowing: bool) -> Quality:
    if not video_on:
        return Quality.GOOD if audio_flowing else Quality.UNKNOWN
    if fps >= 12:
        return Quality.GOOD
    if fps >= 5:
        return Quality.FAIR
    return Quality.POOR
