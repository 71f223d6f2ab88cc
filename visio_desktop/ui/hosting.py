"""Hosts and the lobby in the window: the controller between the engine's hosting events and
the screens (`ui.waiting`, `ui.lobby`, `ui.moderation`, the participants panel, the call's
microphone and leave buttons).

It follows the events of the meeting the window's `CallState` follows (older meetings' events
are ignored): Waiting shows the waiting screen, LobbyChanged the host's lobby list (with a
notice for each newcomer), RoomStateChanged the meeting's rules (and locks the microphone
button of participants), Moderated a notice of what a host did to us, and SentAway takes us
home with the reason in plain words, instead of the "disconnected" banner. What a host
chooses goes to the engine's Session (admit, set_room_state, moderate, end_meeting)."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint
from PySide6.QtWidgets import QMenu, QMessageBox, QToolButton, QWidget

from visio_desktop.core.roles import LobbyEntry, Moderation, Role, RoomState
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Change, Phase, PhaseChanged, StateChanged, What
from visio_desktop.ui.lobby import LobbyPanel
from visio_desktop.ui.moderation import HostActions, HostWords, participant_menu
from visio_desktop.ui.waiting import WaitingWidget

if TYPE_CHECKING:
    from visio_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

Confirm = Callable[[QWidget, str], bool]
_LIVE = (Phase.JOINING, Phase.IN_CALL, Phase.RECONNECTING)
_CALL_PAGES = (Phase.IN_CALL, Phase.RECONNECTING, Phase.LEFT)


def ask(parent: QWidget, question: str) -> bool:
    """A yes/no question, No by default."""
    answer = QMessageBox.question(
        parent,
        "Visio",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class HostingController(QObject):
    def __init__(self, window: MainWindow, waiting: WaitingWidget) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.services.session
        self.waiting = waiting
        self.words = HostWords(self)
        self.confirm: Confirm = ask  # tests answer for the user
        self.room_state = RoomState()
        self.lobby_entries: tuple[LobbyEntry, ...] = ()
        self.menu: QMenu | None = None  # the participant menu last opened
        call = window.call
        self.lobby = LobbyPanel()
        self.actions = HostActions()
        self.actions.hide()
        call.participants.add_above(self.lobby)
        call.participants.add_below(self.actions)
        leave = call.controls.buttons["leave"]
        self.leave_menu = QMenu(leave)
        self.end_action = self.leave_menu.addAction("")
        self.leave_action = self.leave_menu.addAction("")
        self._connect()

    def _connect(self) -> None:
        window = self.window
        window.services.bridge.engine_event.connect(self._on_event)
        window.state.subscribe(self._on_change)
        self.waiting.leave_clicked.connect(window.leave)
        self.lobby.decided.connect(self._admit)
        self.actions.mute_all.connect(lambda: self._moderate(Moderation.MUTE, ""))
        self.actions.state_chosen.connect(self._set_room_state)
        window.call.participants.actions_requested.connect(self._open_menu)
        self.end_action.triggered.connect(self._end_meeting)
        self.leave_action.triggered.connect(window.leave)

    @property
    def role(self) -> Role:
        return self.window.state.me.role

    # -- from the engine -----------------------------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        state = self.window.state
        if event.meeting and (event.meeting != state.meeting or state.phase not in _LIVE):
            return  # a meeting that is over, as CallState.apply judges it
        match event:
            case ev.Waiting():
                self._show_waiting(event)
            case ev.Joined():
                self._set_room_state_shown(event.room_state)
                self._show_role()
            case ev.ParticipantUpdated() if event.participant.id == state.self_id:
                self._show_role()
            case ev.LobbyChanged():
                self._lobby_changed(event.waiting)
            case ev.RoomStateChanged():
                self._set_room_state_shown(event.state)
            case ev.Moderated():
                self._moderated(event)
            case ev.SentAway():
                self._sent_away(event)

    def _show_waiting(self, event: ev.Waiting) -> None:
        window = self.window
        link = window.link
        name = event.display_name or window.state.me.display_name
        room = event.room or window.state.room
        self.waiting.open(name, room, link.host if link else "", video=window.state.me.video)
        window.stack.setCurrentWidget(self.waiting)
        window.setWindowTitle(self.tr("Waiting to join %1 – Visio").replace("%1", room))

    def _lobby_changed(self, waiting: tuple[LobbyEntry, ...]) -> None:
        known = {entry.id for entry in self.lobby_entries}
        self.lobby_entries = waiting
        self._show_lobby()
        if self.role.moderates:
            for entry in waiting:
                if entry.id not in known:
                    self.window.call.notifications.notify(self.words.waiting(entry.display_name))

    def _moderated(self, event: ev.Moderated) -> None:
        state = self.window.state
        if event.action is Moderation.MUTE:
            state.set_own_media(audio=False)
        elif event.action is Moderation.STOP_VIDEO:
            state.set_own_media(video=False)
        elif event.action is Moderation.LOWER_HAND:
            state.set_own_media(hand=False)
        text = self.words.moderated(event.action, event.by_name)
        if text:
            self.window.call.notifications.notify(text)

    def _sent_away(self, event: ev.SentAway) -> None:
        """Home, saying why in plain words; the meeting's end does not show as a lost
        connection (the state follows the window home and ignores what comes after)."""
        text = self.words.sent_away(event.code, event.by_name, event.message)
        self.window.prejoin.set_busy(False)
        self.window.leave()
        self.window.home.show_error(text)

    # -- the screens follow --------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        window = self.window
        if isinstance(change, PhaseChanged):
            if change.phase in _CALL_PAGES and window.stack.currentWidget() is self.waiting:
                window.stack.setCurrentWidget(window.call)
                window.setWindowTitle(self.tr("%1 – Visio").replace("%1", window.state.room))
            if change.phase is Phase.JOINING:
                self.lobby_entries = ()
                self._set_room_state_shown(RoomState())
                self._show_role()
        elif isinstance(change, StateChanged) and What.SELF in change.what:
            self._show_role()

    def _show_role(self) -> None:
        role = self.role
        self.window.call.participants.set_moderating(role.moderates)
        self.actions.setVisible(role.moderates)
        self._show_lobby()
        self._show_mic_lock()
        self._show_leave_menu()

    def _show_lobby(self) -> None:
        entries = self.lobby_entries if self.role.moderates else ()
        if entries != self.lobby.entries:
            self.lobby.set_entries(entries)

    def _set_room_state_shown(self, state: RoomState) -> None:
        before, self.room_state = self.room_state, state
        self.actions.set_state(state)
        self._show_mic_lock()
        if state.mics_locked != before.mics_locked and not self.role.moderates:
            words = self.words
            text = words.mics_locked() if state.mics_locked else words.mics_unlocked()
            self.window.call.notifications.notify(text)

    def _show_mic_lock(self) -> None:
        controls = self.window.call.controls
        locked = self.room_state.mics_locked and not self.role.moderates
        mic = controls.action("mic")
        mic.setEnabled(not locked)
        controls._refresh("mic")  # the tooltip of the button's state, then the lock's
        reason = self.words.mics_locked() if locked else ""
        if locked:
            mic.setToolTip(reason)
        controls.buttons["mic"].setAccessibleDescription(reason)

    def _show_leave_menu(self) -> None:
        leave = self.window.call.controls.buttons["leave"]
        host = self.role is Role.HOST
        self.end_action.setText(self.words.end_meeting())
        self.leave_action.setText(self.words.leave_meeting())
        leave.setMenu(self.leave_menu if host else None)  # type: ignore[arg-type]
        leave.setPopupMode(
            QToolButton.ToolButtonPopupMode.MenuButtonPopup
            if host
            else QToolButton.ToolButtonPopupMode.DelayedPopup
        )

    # -- what a host asks ----------------------------------------------------------------------

    def _open_menu(self, pid: str, where: QPoint) -> None:
        target = self.window.state.roster.get(pid)
        if target is None or not self.role.moderates:
            return
        self.menu = participant_menu(self.words, target, self.role, self.window)
        for item in self.menu.actions():
            chosen = item.data()
            item.triggered.connect(lambda _=False, c=chosen: self._menu_chosen(pid, c))
        self.menu.popup(where)

    def _menu_chosen(self, pid: str, chosen: object) -> None:
        action = Moderation(str(chosen))  # a QAction's data comes back a plain str
        target = self.window.state.roster.get(pid)
        if target is None:
            return
        if action is Moderation.REMOVE and not self.confirm(
            self.window, self.words.confirm_remove(target.display_name)
        ):
            return
        self._moderate(action, pid)

    def _moderate(self, action: Moderation, target: str) -> None:
        self._done(self.session.moderate(action, target))

    def _admit(self, ids: tuple[str, ...], allow: bool) -> None:
        if ids:
            self._done(self.session.admit(ids, allow))

    def _set_room_state(self, state: RoomState) -> None:
        self._done(self.session.set_room_state(state))

    def _end_meeting(self) -> None:
        if self.role is Role.HOST and self.confirm(self.window, self.words.confirm_end()):
            self._done(self.session.end_meeting())

    def _done(self, future: concurrent.futures.Future[None]) -> None:
        """Nothing to show when it works: the server's answer arrives as events."""
        self.window.services.bridge.when_done(future, lambda _: None)
