"""The call window's content: the tile grid with the captions overlay under it, the side
panels (chat, participants, transcript), the control bar and the connection banner.

It renders the call state (`engine.call_state`, through `CallRenderer`), and turns the user's
actions into intents (signals) that the main window hands to the engine. It never calls the
engine itself, and never decides what the meeting is: the state does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.core.kinds import MediaKind, TileKey
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.call_state import CallState
from visio_desktop.media.render import RenderedFrame
from visio_desktop.media.screen import Obstacle, obstacle
from visio_desktop.ui.call_render import CallRenderer
from visio_desktop.ui.captions import CaptionOverlay, TranscriptPanel
from visio_desktop.ui.chat import ChatPanel
from visio_desktop.ui.controls import ControlBar, ShortcutsDialog
from visio_desktop.ui.grid import TileGrid, ViewMode
from visio_desktop.ui.notifications import Notifications
from visio_desktop.ui.participants import ParticipantsPanel
from visio_desktop.ui.screen_share import ScreenPicker, SharingBar
from visio_desktop.ui.visible_tiles import VisibleTiles

_PANELS = ("chat", "participants", "transcript")


class CallView(QWidget):
    leave_requested = Signal()
    media_toggled = Signal(object, bool)  # MediaKind, on
    hand_toggled = Signal(bool)
    chat_sent = Signal(str)
    reaction_sent = Signal(str)
    link_clicked = Signal(str)
    settings_requested = Signal()
    fullscreen_toggled = Signal(bool)
    captions_toggled = Signal(bool)
    home_requested = Signal()  # after a disconnection, the user goes back
    models_requested = Signal()  # the user wants a speech model for captions
    volume_changed = Signal(str, float)  # participant id, 0 (muted for me) to 2
    screen_share_requested = Signal(object)  # a media.screen target, or None to stop
    tiles_shown = Signal(object)  # the remote tiles on screen: {TileKey: (width, height)} px

    def __init__(
        self,
        state: CallState,
        renderer_size: Callable[[TileKey, int, int], None],
        renderer_painted: Callable[[TileKey], None],
        renderer_removed: Callable[[TileKey], None] | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.setObjectName("callView")
        self.setStyleSheet("QWidget#callView { background: #161616; }")
        self.grid = TileGrid(renderer_size, renderer_painted, renderer_removed)
        self.captions = CaptionOverlay()
        self.captions.setStyleSheet("background: rgba(0, 0, 0, 170); color: white;")
        self.notifications = Notifications(self.grid)
        self.controls = ControlBar()
        self.chat = ChatPanel()
        self.participants = ParticipantsPanel()
        self.transcript = TranscriptPanel()
        self.side = QStackedWidget()
        for panel in (self.chat, self.participants, self.transcript):
            self.side.addWidget(panel)
        self.side.setFixedWidth(340)
        self.side.setStyleSheet("background: #ffffff; color: #161616;")
        self.side.hide()
        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self.home_button = QPushButton()
        self.home_button.hide()
        self.home_button.clicked.connect(self.home_requested)
        self.pager = _Pager(self.grid)
        self.captions_notice = QLabel()
        self.captions_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.captions_notice.setWordWrap(True)
        self.captions_notice.setStyleSheet("color: #ffca00;")
        self.models_button = QPushButton()
        self.models_button.clicked.connect(self.models_requested)
        self._notice_row = QWidget()
        notice = QHBoxLayout(self._notice_row)
        notice.setContentsMargins(0, 0, 0, 0)
        notice.addWidget(self.captions_notice, 1)
        notice.addWidget(self.models_button)
        self._notice_row.hide()
        self.sharing = False
        self.picker: ScreenPicker | None = None
        self.sharing_bar = SharingBar(self.controls.action("share").shortcut())
        self.sharing_bar.stop_requested.connect(lambda: self.screen_share_requested.emit(None))
        self.sharing_bar.hide()
        self.connection_shown = Phase.HOME  # the phase the banner shows
        self.renderer = CallRenderer(self, state)
        self.visible = VisibleTiles(self.grid, self.tiles_shown.emit)
        self._build()
        self._connect()
        self.retranslate()

    def _build(self) -> None:
        stage = QVBoxLayout()
        stage.setContentsMargins(8, 8, 8, 0)
        stage.setSpacing(6)
        stage.addWidget(self.grid, 1)
        stage.addWidget(self._notice_row)
        stage.addWidget(self.captions)
        stage.addWidget(self.pager)
        middle = QHBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setSpacing(0)
        middle.addLayout(stage, 1)
        middle.addWidget(self.side)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.home_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(banner_row)
        column.addWidget(self.sharing_bar)
        column.addLayout(middle, 1)
        column.addWidget(self.controls)

    def _connect(self) -> None:
        action = self.controls.action
        action("mic").toggled.connect(lambda on: self.media_toggled.emit(MediaKind.AUDIO, on))
        action("camera").toggled.connect(lambda on: self.media_toggled.emit(MediaKind.VIDEO, on))
        action("share").triggered.connect(self._share_clicked)
        action("hand").toggled.connect(self.hand_toggled)
        action("leave").triggered.connect(self.leave_requested)
        action("settings").triggered.connect(self.settings_requested)
        action("help").triggered.connect(self.show_shortcuts)
        action("fullscreen").toggled.connect(self.fullscreen_toggled)
        action("captions").toggled.connect(self._set_captions)
        action("view").toggled.connect(
            lambda on: self.grid.set_mode(ViewMode.SPEAKER if on else ViewMode.GRID)
        )
        for name in _PANELS:
            action(name).toggled.connect(lambda on, n=name: self._show_panel(n, on))
        self.controls.reaction_chosen.connect(self._send_reaction)
        self.chat.send_requested.connect(self.chat_sent)
        self.chat.unread_changed.connect(self.controls.set_unread)
        self.chat.link_activated.connect(self.link_clicked)
        self.grid.volume_requested.connect(
            lambda key, volume: self.volume_changed.emit(key.participant_id, volume)
        )
        self.grid.pin_changed.connect(
            lambda key: self._show_checked("view", self.grid.mode is ViewMode.SPEAKER)
        )

    # -- what the main window tells it ---------------------------------------------------------

    def start(self, room: str) -> None:
        """A fresh call: the grid and the list as the state has them (our own tile first)."""
        self.controls.room_label.setText(room)
        self.renderer.reset()
        self.show_own_media(self.state.me, sharing=self.state.sharing)
        self.show_connection(self.state)

    def show_own_media(self, me: ParticipantInfo, *, sharing: bool) -> None:
        """Our own microphone, camera, hand and screen, without emitting a toggle."""
        self._show_checked("mic", me.audio)
        self._show_checked("camera", me.video)
        self._show_checked("hand", me.hand_raised)
        self.sharing = sharing
        self._show_checked("share", sharing)
        self.sharing_bar.setVisible(sharing)

    def show_frame(self, frame: RenderedFrame) -> None:
        self.grid.show_frame(frame)

    def show_connection(self, state: CallState) -> None:
        """The banner: connecting, reconnecting, or disconnected with a way home."""
        phase = state.phase
        texts = {
            Phase.JOINING: self.tr("Connecting…"),
            Phase.RECONNECTING: self.tr(
                "Connection lost. Reconnecting… Your microphone and camera stay as they were."
            ),
            Phase.LEFT: self.tr("Disconnected from the meeting."),
        }
        text = texts.get(phase, "")
        if phase is Phase.LEFT and state.connection_detail:
            text = f"{text} {state.connection_detail}"
        colours = {Phase.RECONNECTING: "#b34000", Phase.LEFT: "#c9191e"}
        self.banner.setText(text)
        self.banner.setStyleSheet(
            f"background: {colours.get(phase, '#3a3a3a')}; color: white; padding: 8px;"
            " font-size: 14px;"
        )
        self.banner.setVisible(bool(text))
        self.banner.setAccessibleName(text)
        self.home_button.setVisible(phase is Phase.LEFT)
        changed, self.connection_shown = phase is not self.connection_shown, phase
        if changed and text and phase is not Phase.JOINING:
            self.notifications.notify(text)

    def show_captions_state(self, state: ev.CaptionsState, detail: str) -> None:
        """Our own captions: say when they cannot run, and offer a speech model if missing."""
        if state is ev.CaptionsState.UNAVAILABLE:
            text = self.tr(
                "Captions of your voice are unavailable: no speech model is installed on this "
                "computer."
            )
        elif state is ev.CaptionsState.FAILED:
            text = self.tr("Captions of your voice stopped: %1").replace("%1", detail)
        else:
            text = ""
        self.captions_notice.setText(text)
        self.models_button.setVisible(state is ev.CaptionsState.UNAVAILABLE)
        self._notice_row.setVisible(bool(text))
        if text:
            self.notifications.notify(text)
        elif state is ev.CaptionsState.ON:
            self.notifications.notify(
                self.tr("Your captions are on: your voice is transcribed on this computer.")
            )

    def set_caption_size(self, points: int) -> None:
        self.captions.set_text_size(points)

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.controls, self).exec()

    # -- internals -----------------------------------------------------------------------------

    def _show_checked(self, name: str, on: bool) -> None:
        action = self.controls.action(name)
        blocked = action.blockSignals(True)
        action.setChecked(on)
        action.blockSignals(blocked)
        self.controls._refresh(name)  # the icon and the words follow the state

    def _share_clicked(self) -> None:
        """Stop sharing, or choose what to share; the button shows what the engine says."""
        self._show_checked("share", self.sharing)
        if self.sharing:
            self.screen_share_requested.emit(None)
            return
        found = obstacle()
        if found is not None:
            self.notifications.notify(
                self.tr(
                    "Screen sharing is not available in a Wayland session yet. Log in with an "
                    "X11 (Xorg) session to share your screen."
                )
                if found is Obstacle.WAYLAND
                else self.tr("Screen sharing needs a graphical session: no display was found.")
            )
            return
        if self.picker is not None:
            self.picker.raise_()
            return
        self.picker = ScreenPicker(self, own_windows={int(self.window().winId())})
        self.picker.chosen.connect(self.screen_share_requested)
        self.picker.finished.connect(self._picker_closed)
        self.picker.open()

    def _picker_closed(self) -> None:
        if self.picker is not None:
            self.picker.deleteLater()
            self.picker = None
        self.window().activateWindow()  # the call's shortcuts work again at once

    def _send_reaction(self, emoji: str) -> None:
        self.reaction_sent.emit(emoji)
        self.notifications.notify(f"{emoji} {self.state.me.display_name}".strip())

    def _set_captions(self, on: bool) -> None:
        self.captions.setVisible(on)
        self.captions_toggled.emit(on)

    def _show_panel(self, name: str, on: bool) -> None:
        if on:
            for other in _PANELS:
                if other != name:
                    self.controls.action(other).setChecked(False)
            panel = {"chat": self.chat, "participants": self.participants}.get(
                name, self.transcript
            )
            self.side.setCurrentWidget(panel)
            self.side.show()
            panel.setFocus()
        elif not any(self.controls.action(n).isChecked() for n in _PANELS):
            self.side.hide()
        self.chat.set_active(self.controls.action("chat").isChecked())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        self.home_button.setText(self.tr("Back to home"))
        self.home_button.setToolTip(self.tr("Leave this meeting screen and return to home"))
        self.home_button.setAccessibleName(self.tr("Back to home"))
        self.side.setAccessibleName(self.tr("Side panel"))
        self.banner.setToolTip(self.tr("Connection to the meeting"))
        self.models_button.setText(self.tr("Get a speech model"))
        self.models_button.setAccessibleName(self.tr("Get a speech model"))
        self.models_button.setToolTip(
            self.tr("Choose and download a speech model so that your voice can be captioned")
        )
        self.captions_notice.setAccessibleName(self.tr("Captions status"))
        self.captions_notice.setToolTip(self.tr("Whether your own voice is captioned"))
        self.show_connection(self.state)  # the banner in the new language


class _Pager(QWidget):
    """Previous / next page of the grid, shown only when there are pages."""

    def __init__(self, grid: TileGrid) -> None:
        super().__init__()
        self._grid = grid
        self.previous = QPushButton("‹")
        self.next = QPushButton("›")
        self.label = QLabel()
        self.label.setStyleSheet("color: white;")
        for button in (self.previous, self.next):
            button.setFixedWidth(40)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.previous.clicked.connect(lambda: grid.set_page(grid.page - 1))
        self.next.clicked.connect(lambda: grid.set_page(grid.page + 1))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.previous)
        row.addWidget(self.label)
        row.addWidget(self.next)
        row.addStretch(1)
        grid.layout_changed.connect(self._update)
        self._update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._update()

    def _update(self) -> None:
        pages = self._grid.page_count()
        self.setVisible(pages > 1)
        self.label.setText(
            self.tr("Page %1 of %2")
            .replace("%1", str(self._grid.page + 1))
            .replace("%2", str(pages))
        )
        self.previous.setEnabled(self._grid.page > 0)
        self.next.setEnabled(self._grid.page < pages - 1)
        self.previous.setAccessibleName(self.tr("Previous page"))
        self.previous.setToolTip(self.tr("Previous page of participants"))
        self.next.setAccessibleName(self.tr("Next page"))
        self.next.setToolTip(self.tr("Next page of participants"))
