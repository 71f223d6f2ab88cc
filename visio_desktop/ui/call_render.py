"""The call view rendered from the call state (`engine.call_state`): the tiles, the
participants list, the controls' own media, the connection banner, the captions notice, the
active speaker and connection quality follow the state; chat lines, captions, reactions and
announcements come as its one-off notifications.

It reads the state and writes widgets; it never decides anything about the meeting, so the
same state always looks the same, whatever order the engine's events came in."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from visio_desktop.core.kinds import SELF_TILE, TileKind
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine.call_changes import (
    Announced,
    Announcement,
    CaptionShown,
    Change,
    ChatShown,
    PhaseChanged,
    Quality,
    ReactionShown,
    StateChanged,
    What,
)
from visio_desktop.engine.call_state import CallState
from visio_desktop.ui.participants import ParticipantsPanel

if TYPE_CHECKING:
    from visio_desktop.ui.call import CallView

_SELF_ROW = str(SELF_TILE)  # our own row in the participants list, before and after the roster


class CallRenderer(QObject):
    def __init__(self, view: CallView, state: CallState) -> None:
        super().__init__(view)
        self._view = view
        self._state = state
        self._segment_started: dict[str, float] = {}
        state.subscribe(self.render)

    def render(self, change: Change) -> None:
        view = self._view
        match change:
            case PhaseChanged():
                view.show_connection(self._state)
            case StateChanged(what=what):
                self._render_state(what)
            case Announced():
                text = self._announcement(change)
                if text:
                    view.notifications.notify(text)
            case ChatShown(message=message, own=own):
                view.chat.add_message(
                    message.message_id,
                    message.sender_name,
                    message.text,
                    message.sent_at,
                    own=own,
                )
            case CaptionShown(key=key, caption=caption):
                self.caption(
                    key,
                    caption.sender_name,
                    caption.text,
                    caption.final,
                    caption.language,
                    duration=max(0.0, caption.end - caption.start),
                )
            case ReactionShown(name=name, emoji=emoji):
                view.notifications.notify(f"{emoji} {name}".strip())

    def _render_state(self, what: frozenset[What]) -> None:
        view, state = self._view, self._state
        if What.ROSTER in what or What.SELF in what:
            self._sync_tiles()
            self._sync_participants()
        if What.SELF in what:
            view.show_own_media(state.me, sharing=state.sharing)
        if What.CONNECTION in what:
            view.show_connection(state)
        if What.CAPTIONS in what:
            view.show_captions_state(state.captions, state.captions_detail)
        if What.SPEAKER in what or What.ROSTER in what:
            view.grid.set_active_speaker(state.active_speaker)
        if What.QUALITY in what or What.ROSTER in what:
            for key in state.tiles:
                tile = view.grid.tile(key)
                if tile is not None and key.kind is TileKind.CAMERA:
                    tile.set_state(quality=state.quality.get(key.participant_id, Quality.UNKNOWN))

    def reset(self) -> None:
        """A new call: nothing of the last one stays on screen."""
        self._segment_started.clear()
        self._view.participants.clear()
        self._sync_tiles()
        self._sync_participants()

    def caption(  # noqa: PLR0917 - the fields of a caption segment
        self,
        key: str,
        speaker: str,
        text: str,
        final: bool,
        language: str,
        duration: float = 0.0,
    ) -> None:
        """A caption segment, keyed by its sender and their own segment id."""
        started = self._segment_started.setdefault(key, time.time())
        self._view.captions.show_caption(key, speaker, text, final)
        self._view.transcript.add_segment(key, speaker, text, final, started, language, duration)

    # -- the tiles and the list follow the roster -------------------------------------------

    def _sync_tiles(self) -> None:
        grid, state = self._view.grid, self._state
        wanted = state.tiles
        for tile in grid.tiles():
            if tile.key not in wanted:
                grid.remove_tile(tile.key)
        for key in wanted:
            person = state.person(key)
            if person is None:
                continue
            if key.kind is TileKind.SCREEN:
                grid.add_screen(key, self.tr("%1's screen").replace("%1", person.display_name))
                continue
            tile = grid.add_tile(key, person.display_name, first=key == SELF_TILE)
            tile.is_self = key == SELF_TILE
            tile.set_state(
                name=person.display_name,
                audio=person.audio,
                video=person.video,
                hand_raised=person.hand_raised,
            )
        grid.arrange(wanted)

    def _sync_participants(self) -> None:
        panel, state = self._view.participants, self._state
        present = {_SELF_ROW, *state.roster}
        for pid in panel.ids():
            if pid not in present:
                panel.remove(pid)
        _upsert(panel, _SELF_ROW, state.me)
        panel.set_self_id(_SELF_ROW)
        for pid, info in state.roster.items():
            _upsert(panel, pid, info)

    # -- words -------------------------------------------------------------------------------

    def _announcement(self, change: Announced) -> str:
        name = change.detail
        match change.kind:
            case Announcement.JOINED:
                return self.tr("%1 joined the meeting").replace("%1", name)
            case Announcement.LEFT:
                return self.tr("%1 left the meeting").replace("%1", name)
            case Announcement.HAND_RAISED:
                return self.tr("%1 raised a hand").replace("%1", name)
            case Announcement.SHARING_STARTED:
                return self.tr("%1 is sharing their screen").replace("%1", name)
            case Announcement.SHARING_STOPPED:
                return self.tr("%1 stopped sharing their screen").replace("%1", name)
            case Announcement.OWN_SHARING_STARTED:
                return self.tr("You are sharing your screen.")
            case Announcement.OWN_SHARING_STOPPED:
                if not change.detail:  # stopped by the user: the button says so
                    return ""
                return self.tr(  # the detail, in English, is in the log
                    "Screen sharing stopped: what you shared can no longer be captured."
                )
            case Announcement.PROBLEM:
                return change.detail


def _upsert(panel: ParticipantsPanel, pid: str, info: ParticipantInfo) -> None:
    panel.upsert(
        pid, info.display_name, info.audio, info.video, info.screen, info.hand_raised, info.role
    )
