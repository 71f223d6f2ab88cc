"""What the call view does with each engine event: tiles, the participants list, chat,
captions, notifications, the active speaker and connection quality."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from visio_desktop.core.protocol import LeaveReason, ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.stats import RemoteStats
from visio_desktop.ui.tiles import Quality

if TYPE_CHECKING:
    from visio_desktop.ui.call import CallView

SPEAKING_LEVEL = 0.35  # about -39 dBFS
_SWITCH_MARGIN = 0.08
_QUIET_REPORTS = 6  # the highlight stays this many quiet reports (about 1.5 s)


class CallEvents(QObject):
    def __init__(self, view: CallView) -> None:
        super().__init__(view)
        self._view = view
        self.self_id = ""
        self.display_name = ""
        self.roster: dict[str, ParticipantInfo] = {}
        self._segment_started: dict[str, float] = {}
        self._quiet = 0
        self._previous_frames: dict[str, int] = {}
        self._self_media = {"audio": False, "video": False}

    def reset(self, display_name: str) -> None:
        view = self._view
        for tile in view.grid.tiles():
            view.grid.remove_tile(tile.key)
        view.participants.clear()
        self.self_id = ""
        self.display_name = display_name
        self.roster.clear()
        self._segment_started.clear()
        self._previous_frames.clear()
        tile = view.grid.add_tile(ev.SELF_ID, display_name, first=True)
        tile.is_self = True
        tile.set_state(audio=self._self_media["audio"], video=self._self_media["video"])

    def set_self_media(self, kind: str, on: bool) -> None:
        self._self_media[kind] = on
        tile = self._view.grid.tile(ev.SELF_ID)
        if tile is not None:
            tile.set_state(audio=on) if kind == "audio" else tile.set_state(video=on)

    def handle(self, event: ev.Event) -> None:
        view = self._view
        if isinstance(event, ev.Joined):
            self._joined(event)
        elif isinstance(event, ev.ParticipantJoined):
            self._add(event.participant)
            view.notifications.notify(
                self.tr("%1 joined the meeting").replace("%1", event.participant.display_name)
            )
        elif isinstance(event, ev.ParticipantLeft):
            self._remove(event.participant_id)
            if event.display_name and event.reason is not LeaveReason.DISCONNECTED:
                view.notifications.notify(
                    self.tr("%1 left the meeting").replace("%1", event.display_name)
                )
        elif isinstance(event, ev.ParticipantUpdated):
            self._updated(event.participant)
        elif isinstance(event, ev.ChatReceived):
            view.chat.add_message(
                event.message_id,
                event.sender_name,
                event.text,
                event.sent_at,
                own=event.sender == self.self_id,
            )
        elif isinstance(event, ev.CaptionReceived):
            self.caption(
                event.segment_id,
                event.sender_name,
                event.text,
                event.final,
                event.language,
                duration=max(0.0, event.end - event.start),
            )
        elif isinstance(event, ev.ReactionReceived):
            self.show_reaction(event.sender, event.emoji)
        elif isinstance(event, ev.ConnectionStateChanged):
            view.set_connection(event.state, event.detail)
        elif isinstance(event, ev.PeerStateChanged):
            tile = view.grid.tile(event.participant_id)
            if tile is not None and event.state in ("failed", "restarting"):
                tile.set_state(quality=Quality.POOR)
        elif isinstance(event, ev.ErrorOccurred) and not event.fatal:
            view.notifications.notify(event.message)
        elif isinstance(event, ev.AudioLevels):
            self._levels(event.levels)
        elif isinstance(event, ev.CaptionsStateChanged):
            view.show_captions_state(event.state, event.detail)
        elif isinstance(event, ev.ScreenShareChanged):
            view.set_sharing(event.sharing, event.detail)

    def caption(  # noqa: PLR0917 - the fields of a caption segment
        self,
        segment_id: str,
        speaker: str,
        text: str,
        final: bool,
        language: str,
        duration: float = 0.0,
    ) -> None:
        """A caption segment, from someone else or from this machine's own recognizer."""
        started = self._segment_started.setdefault(segment_id, time.time())
        self._view.captions.show_caption(segment_id, speaker, text, final)
        self._view.transcript.add_segment(
            segment_id, speaker, text, final, started, language, duration
        )

    def show_reaction(self, sender: str, emoji: str) -> None:
        name = (
            self.display_name
            if sender in (ev.SELF_ID, self.self_id)
            else (self.roster[sender].display_name if sender in self.roster else "")
        )
        self._view.notifications.notify(f"{emoji} {name}".strip())

    def _joined(self, event: ev.Joined) -> None:
        view = self._view
        self.self_id = event.self_id
        present = {info.id for info in event.participants}
        for pid in list(self.roster):  # a rejoin after reconnecting: drop who is gone
            if pid not in present:
                self._remove(pid)
        for info in event.participants:
            if info.id == event.self_id:
                self.display_name = info.display_name
                view.upsert_participant(info, is_self=True)
            else:
                self._add(info)

    def _add(self, info: ParticipantInfo) -> None:
        self.roster[info.id] = info
        tile = self._view.grid.add_tile(info.id, info.display_name)
        tile.set_state(audio=info.audio, video=info.video, hand_raised=info.hand_raised)
        self._view.upsert_participant(info, is_self=False)
        self._show_screen(info, announce=False)

    def _remove(self, pid: str) -> None:
        self.roster.pop(pid, None)
        self._view.grid.remove_tile(ev.screen_key(pid))
        self._view.grid.remove_tile(pid)
        self._view.participants.remove(pid)

    def _updated(self, info: ParticipantInfo) -> None:
        view = self._view
        if info.id == self.self_id:
            view.upsert_participant(info, is_self=True)
            return
        before = self.roster.get(info.id)
        self.roster[info.id] = info
        tile = view.grid.tile(info.id)
        if tile is not None:
            tile.set_state(
                name=info.display_name,
                audio=info.audio,
                video=info.video,
                hand_raised=info.hand_raised,
            )
        view.upsert_participant(info, is_self=False)
        self._show_screen(info, announce=True)
        if info.hand_raised and (before is None or not before.hand_raised):
            view.notifications.notify(self.tr("%1 raised a hand").replace("%1", info.display_name))

    def _show_screen(self, info: ParticipantInfo, *, announce: bool) -> None:
        """A participant's shared screen: a tile featured large while it lasts."""
        grid, key = self._view.grid, ev.screen_key(info.id)
        name = self.tr("%1's screen").replace("%1", info.display_name)
        if info.screen and grid.tile(key) is None:
            grid.add_screen(key, name)
            if announce:
                self._view.notifications.notify(
                    self.tr("%1 is sharing their screen").replace("%1", info.display_name)
                )
        elif info.screen:
            grid.add_screen(key, name)  # a new name
        elif grid.tile(key) is not None:
            grid.remove_tile(key)
            self._view.notifications.notify(
                self.tr("%1 stopped sharing their screen").replace("%1", info.display_name)
            )

    def _levels(self, levels: tuple[tuple[str, float], ...]) -> None:
        grid = self._view.grid
        loud = {key: level for key, level in levels if level >= SPEAKING_LEVEL}
        current = grid.active_speaker
        if not loud:
            self._quiet += 1
            if current and self._quiet >= _QUIET_REPORTS:
                grid.set_active_speaker("")
            return
        self._quiet = 0
        loudest = max(loud, key=lambda key: loud[key])
        if current in loud and loud[loudest] < loud[current] + _SWITCH_MARGIN:
            return  # no flicker between voices of about the same level
        grid.set_active_speaker(loudest)

    def apply_stats(self, stats: list[RemoteStats], seconds: float) -> None:
        """Connection quality per participant from what arrived since the last poll."""
        for entry in stats:
            tile = self._view.grid.tile(entry.participant_id)
            info = self.roster.get(entry.participant_id)
            if tile is None or info is None:
                continue
            before = self._previous_frames.get(entry.participant_id)
            self._previous_frames[entry.participant_id] = entry.video_frames
            if before is None or seconds <= 0:
                continue
            fps = (entry.video_frames - before) / seconds
            tile.set_state(quality=quality(info.video, fps, entry.audio_frames > 0))


def quality(video_on: bool, fps: float, audio_flowing: bool) -> Quality:
    if not video_on:
        return Quality.GOOD if audio_flowing else Quality.UNKNOWN
    if fps >= 12:
        return Quality.GOOD
    if fps >= 5:
        return Quality.FAIR
    return Quality.POOR
