"""What hosts and co-hosts see to run a meeting, and the words for what hosts do.

`HostActions` sits under the participants list: Mute all, who can enter (open, lobby, locked)
and Lock microphones. `participant_menu` is the menu of one participant's row (mute, stop
video or screen, lower hand, co-host, remove). `HostWords` says in plain words why a meeting
ended for us (SentAway) and what a host did to us (Moderated). None of these ask the engine:
they emit or return what the host chose, and the controller (`ui.hosting`) asks."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from visio_desktop.core.protocol import ErrorCode, ParticipantInfo
from visio_desktop.core.roles import Access, Moderation, Role, RoomState

_ACCESS_ORDER = (Access.OPEN, Access.LOBBY, Access.LOCKED)


class HostActions(QWidget):
    mute_all = Signal()
    state_chosen = Signal(object)  # the RoomState the host wants

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = RoomState()
        self.mute_all_button = QPushButton()
        self.mute_all_button.clicked.connect(self.mute_all)
        self.access_label = QLabel()
        self.access = QComboBox()
        self.access.addItems(["", "", ""])
        self.access_label.setBuddy(self.access)
        self.lock_mics = QCheckBox()
        self.access.currentIndexChanged.connect(self._choose)
        self.lock_mics.toggled.connect(self._choose)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addWidget(self.mute_all_button)
        column.addWidget(self.access_label)
        column.addWidget(self.access)
        column.addWidget(self.lock_mics)
        self.retranslate()

    def set_state(self, state: RoomState) -> None:
        """Show the meeting's rules as the server holds them, without asking for a change."""
        self._state = state
        for widget in (self.access, self.lock_mics):
            widget.blockSignals(True)
        self.access.setCurrentIndex(_ACCESS_ORDER.index(state.access))
        self.lock_mics.setChecked(state.mics_locked)
        for widget in (self.access, self.lock_mics):
            widget.blockSignals(False)

    def _choose(self) -> None:
        access = _ACCESS_ORDER[max(0, self.access.currentIndex())]
        self.state_chosen.emit(RoomState(access=access, mics_locked=self.lock_mics.isChecked()))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        self.mute_all_button.setText(self.tr("Mute all"))
        self.mute_all_button.setAccessibleName(self.tr("Mute everyone but the hosts"))
        self.mute_all_button.setToolTip(self.tr("Turn off every participant’s microphone"))
        self.access_label.setText(self.tr("Who can enter"))
        texts = (
            self.tr("Anyone with the link"),
            self.tr("Lobby: a host lets people in"),
            self.tr("Locked: nobody new can enter"),
        )
        for index, text in enumerate(texts):
            self.access.setItemText(index, text)
        self.access.setAccessibleName(self.tr("Who can enter"))
        self.access.setToolTip(self.tr("Who can enter this meeting from now on"))
        self.lock_mics.setText(self.tr("Lock microphones"))
        self.lock_mics.setAccessibleName(self.tr("Lock microphones"))
        self.lock_mics.setToolTip(
            self.tr("Participants cannot turn their microphone on; hosts still can")
        )


def participant_menu(
    words: HostWords, target: ParticipantInfo, own_role: Role, parent: QWidget
) -> QMenu:
    """The host's menu for one participant; each action's data is its `Moderation`."""
    menu = QMenu(parent)
    menu.setAccessibleName(words.host_actions(target.display_name))
    texts = words.menu_texts()

    def add(action: Moderation, text: str, enabled: bool = True) -> None:
        item = QAction(text, menu)
        item.setData(action)
        item.setEnabled(enabled)
        menu.addAction(item)

    add(Moderation.MUTE, texts[Moderation.MUTE], target.audio)
    add(Moderation.STOP_VIDEO, texts[Moderation.STOP_VIDEO], target.video)
    add(Moderation.STOP_SCREEN, texts[Moderation.STOP_SCREEN], target.screen)
    add(Moderation.LOWER_HAND, texts[Moderation.LOWER_HAND], target.hand_raised)
    if own_role is Role.HOST and target.role is not Role.HOST:
        menu.addSeparator()
        if target.role is Role.COHOST:
            add(Moderation.REVOKE_COHOST, texts[Moderation.REVOKE_COHOST])
        else:
            add(Moderation.MAKE_COHOST, texts[Moderation.MAKE_COHOST])
    menu.addSeparator()
    add(Moderation.REMOVE, texts[Moderation.REMOVE], target.role is not Role.HOST)
    return menu


class HostWords(QObject):
    """Plain words for what hosts do, in the current language (`tr` at each call)."""

    def sent_away(self, code: ErrorCode, by_name: str, message: str) -> str:
        by = by_name
        if code is ErrorCode.DENIED:
            return self._by(
                by, self.tr("%1 did not let you in."), self.tr("The host did not let you in.")
            )
        if code is ErrorCode.REMOVED:
            return self._by(
                by,
                self.tr("%1 removed you from the meeting."),
                self.tr("A host removed you from the meeting."),
            )
        if code is ErrorCode.ENDED:
            return self._by(
                by,
                self.tr("%1 ended the meeting for everyone."),
                self.tr("A host ended the meeting for everyone."),
            )
        if code is ErrorCode.LOCKED:
            return self.tr("This meeting is locked: nobody new can enter.")
        return message

    def moderated(self, action: Moderation, by_name: str) -> str:
        by = by_name
        texts = {
            Moderation.MUTE: (
                self.tr("%1 muted your microphone."),
                self.tr("A host muted your microphone."),
            ),
            Moderation.STOP_VIDEO: (
                self.tr("%1 turned off your camera."),
                self.tr("A host turned off your camera."),
            ),
            Moderation.STOP_SCREEN: (
                self.tr("%1 stopped your screen sharing."),
                self.tr("A host stopped your screen sharing."),
            ),
            Moderation.LOWER_HAND: (
                self.tr("%1 lowered your hand."),
                self.tr("A host lowered your hand."),
            ),
            Moderation.MAKE_COHOST: (
                self.tr("%1 made you a co-host."),
                self.tr("You are now a co-host."),
            ),
            Moderation.REVOKE_COHOST: (
                self.tr("%1 removed you as co-host."),
                self.tr("You are no longer a co-host."),
            ),
        }
        named, anonymous = texts.get(action, ("", ""))
        return self._by(by, named, anonymous)

    def menu_texts(self) -> dict[Moderation, str]:
        return {
            Moderation.MUTE: self.tr("Mute"),
            Moderation.STOP_VIDEO: self.tr("Stop video"),
            Moderation.STOP_SCREEN: self.tr("Stop screen sharing"),
            Moderation.LOWER_HAND: self.tr("Lower hand"),
            Moderation.MAKE_COHOST: self.tr("Make co-host"),
            Moderation.REVOKE_COHOST: self.tr("Remove co-host"),
            Moderation.REMOVE: self.tr("Remove from meeting…"),
        }

    def waiting(self, name: str) -> str:
        return self.tr("%1 is waiting in the lobby").replace("%1", name)

    def mics_locked(self) -> str:
        return self.tr("A host has locked the microphones")

    def mics_unlocked(self) -> str:
        return self.tr("A host has unlocked the microphones")

    def confirm_remove(self, name: str) -> str:
        return self.tr("Remove %1 from the meeting? They cannot come back in.").replace("%1", name)

    def confirm_end(self) -> str:
        return self.tr("End the meeting for everyone? Everyone will be sent out of it.")

    def end_meeting(self) -> str:
        return self.tr("End meeting for everyone")

    def leave_meeting(self) -> str:
        return self.tr("Leave meeting")

    def host_actions(self, name: str) -> str:
        return self.tr("Actions for %1").replace("%1", name)

    @staticmethod
    def _by(by: str, named: str, anonymous: str) -> str:
        return named.replace("%1", by) if by else anonymous
