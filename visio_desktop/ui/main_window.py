"""The main window: home, pre-join and call screens in one window, and the flow between them.

It owns no network or media code: it asks the engine's Session, through the bridge, and shows
what comes back. Every engine call returns at once; results arrive as queued signals. What
comes back (the engine's events and each join's result) feeds one `CallState`, whatever screen
is showing; the screen shown follows the state's phase, and the call view renders the rest.

The system policy (`Services.policy`) is in force throughout: links go through `LinkGate`
(allowed, asked about or refused), the settings it sets are locked in the settings dialog and
re-applied after it, captions follow it, and new meetings go to its default server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeyEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from visio_desktop.core.errors import LinkError
from visio_desktop.core.kinds import MediaKind, TileKey, TileKind
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.policy import apply_policy, locked_fields
from visio_desktop.core.settings import knows_host, remember_meeting
from visio_desktop.core.settings_file import save_settings
from visio_desktop.engine.call_changes import Change, Phase, PhaseChanged, StateChanged, What
from visio_desktop.engine.call_state import CallState
from visio_desktop.engine.captions import CaptionsOptions
from visio_desktop.engine.options import MediaOptions
from visio_desktop.media.render import RenderedFrame
from visio_desktop.ui import icons
from visio_desktop.ui.call import CallView
from visio_desktop.ui.device_control import DeviceControl
from visio_desktop.ui.home import HomeWidget
from visio_desktop.ui.hosting import HostingController
from visio_desktop.ui.i18n import install_translator
from visio_desktop.ui.link_prompt import LinkGate
from visio_desktop.ui.messages import device_failed, friendly_error
from visio_desktop.ui.models_dialog import open_models_dialog
from visio_desktop.ui.prejoin import PreJoinWidget
from visio_desktop.ui.quality_poll import QualityPoll
from visio_desktop.ui.services import Services
from visio_desktop.ui.settings_dialog import SettingsDialog
from visio_desktop.ui.waiting import WaitingWidget

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, services: Services, start_embedded: Callable[[], str] | None = None) -> None:
        super().__init__()
        self.services = services
        self.settings = services.settings
        self._start_embedded = start_embedded  # starts the embedded server, gives its URL
        self.link: MeetingLink | None = None
        self.links = LinkGate(services.policy, services.trusted_hosts, self)
        self.state = CallState()
        renderer = services.router.renderer
        self.home = HomeWidget()
        self.prejoin = PreJoinWidget(renderer.set_size, renderer.painted)
        self.call = CallView(self.state, renderer.set_size, renderer.painted, renderer.remove)
        self.waiting = WaitingWidget(renderer.set_size, renderer.painted)
        self.devices = DeviceControl(services, self.prejoin, self.call, self)
        self.stack = QStackedWidget()
        for screen in (self.home, self.prejoin, self.call, self.waiting):
            self.stack.addWidget(screen)
        self.setCentralWidget(self.stack)
        self.setWindowIcon(icons.icon("app"))
        self.resize(1280, 800)
        self.quality = QualityPoll(services, self.state, self)
        self._connect()
        self.hosting = HostingController(self, self.waiting)  # after the state's own listener
        self.call.set_caption_size(self.settings.caption_size)
        self.call.controls.action("captions").setChecked(self.settings.captions_on)
        self.call.captions.setVisible(self.settings.captions_on)
        if services.policy.captions_on is False:  # the settings dialog's lock says why
            self.call.controls.action("captions").setEnabled(False)
            self.call.controls.buttons["captions"].setAccessibleDescription(
                self.tr("Captions are turned off by your administrator")
            )
        self.show_home()

    def _connect(self) -> None:
        bridge = self.services.bridge
        bridge.engine_event.connect(self.state.apply)
        self.state.subscribe(self._on_change)
        bridge.frame_rendered.connect(self._on_frame)
        self.home.join_requested.connect(self.open_link)
        self.links.allowed.connect(self._open_prejoin)
        self.links.refused.connect(self._link_refused)
        self.home.new_meeting_requested.connect(self._new_meeting)
        self.home.settings_requested.connect(self.edit_settings)
        self.prejoin.join_clicked.connect(self._join)
        self.prejoin.back_clicked.connect(self._back_from_prejoin)
        self.prejoin.preview_changed.connect(self.devices.preview)
        self.prejoin.devices_changed.connect(self.devices.prejoin_devices_changed)
        call = self.call
        call.leave_requested.connect(self.leave)
        call.home_requested.connect(self.show_home)
        call.media_toggled.connect(self._set_media)
        call.hand_toggled.connect(self._raise_hand)
        call.chat_sent.connect(self.services.session.send_chat)
        call.reaction_sent.connect(self.services.session.send_reaction)
        call.link_clicked.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        call.settings_requested.connect(self.edit_settings)
        call.fullscreen_toggled.connect(self._fullscreen)
        call.captions_toggled.connect(self._captions_toggled)
        call.models_requested.connect(self.choose_model)
        call.volume_changed.connect(self.devices.set_volume)
        call.screen_share_requested.connect(self.devices.share_screen)
        call.tiles_shown.connect(self._show_tiles)

    # -- screens -------------------------------------------------------------------------------

    def show_home(self) -> None:
        self.home.set_recent(self.settings.recent)
        server = self._new_meeting_server()
        if self.services.policy.default_server:
            label = self.tr("New meetings are created on %1, as set by your administrator")
        elif server:
            label = self.tr("New meetings are created on %1")
        else:
            label = self.tr("New meetings are created on this computer's built-in server")
        self.home.set_server_label(label.replace("%1", server or ""))
        self.quality.stop()
        self.state.go_home()
        self.stack.setCurrentWidget(self.home)
        self.setWindowTitle("Visio")

    def open_link(self, link: MeetingLink) -> None:
        """A link, judged under the policy: the pre-join screen, a question first, or a
        refusal on the home screen (see `LinkGate`)."""
        if self.in_meeting:
            self.call.notifications.notify(
                self.tr("Leave this meeting before joining another one.")
            )
            return
        self.links.judge(link, self.settings.known_hosts)

    def _open_prejoin(self, link: MeetingLink, media_on: bool) -> None:
        """The pre-join screen; camera and microphone start off for a host never joined."""
        if self.in_meeting:
            return  # a meeting started while the question was open
        self.link = link
        known = media_on and knows_host(self.settings, link.host)
        lists = self.services.devices.lists()
        self.state.open_prejoin(link.room)
        self.stack.setCurrentWidget(self.prejoin)
        self.setWindowTitle(self.tr("Join %1 – Visio").replace("%1", link.room))
        remembered = (self.settings.camera, self.settings.microphone, self.settings.speaker)
        self.prejoin.open(
            link, self.settings.display_name, lists, audio=known, video=known, chosen=remembered
        )

    def open_link_text(self, text: str) -> None:
        """A link handed over by the OS or a second launch; "" only raises the window."""
        self.raise_and_activate()
        if not text:
            return
        try:
            link = parse_link(text)
        except LinkError as exc:
            self.home.show_error(friendly_error(exc, ""))
            if not self.in_meeting:
                self.show_home()
            return
        self.open_link(link)

    def _link_refused(self, text: str) -> None:
        self.home.show_error(text)
        if self.state.phase in (Phase.PREJOIN, Phase.FAILED):
            self.devices.stop_preview()
        if not self.in_meeting:
            self.show_home()

    @property
    def in_meeting(self) -> bool:
        """Joining, in a call, or on its screen after it ended by itself."""
        return self.state.phase in (Phase.JOINING, Phase.IN_CALL, Phase.RECONNECTING, Phase.LEFT)

    def raise_and_activate(self) -> None:
        self.showNormal() if self.isMinimized() else self.show()
        self.raise_()
        self.activateWindow()

    # -- home ----------------------------------------------------------------------------------

    def _new_meeting_server(self) -> str | None:
        return self.services.policy.default_server or self.services.new_meeting_server

    def _new_meeting(self) -> None:
        server = self._new_meeting_server()
        refusal = "" if server else self.links.built_in_server_refusal()
        if refusal:
            self.home.show_error(refusal)
            return
        if server is None and self._start_embedded is not None:
            server = self._start_embedded()
        if not server:
            self.home.show_error(self.tr("No meeting server is available."))
            return
        # The server makes the room and hands us its host secret (kept in the keyring).
        created = self.services.session.create_meeting(
            server, self.services.policy.default_access, policy=self.services.policy
        )
        base = server.rstrip("/")
        self.services.bridge.when_done(
            created,
            lambda link: self.home.show_created_link(f"{base}/{link.room}"),
            lambda error: self.home.show_error(
                self.tr("No meeting could be created: %1").replace(
                    "%1", getattr(error, "message", "") or str(error)
                )
            ),
        )

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        lists = self.services.devices.lists()
        dialog.set_devices(list(lists.cameras), list(lists.microphones), list(lists.speakers))
        policy = self.services.policy
        dialog.set_locked(locked_fields(policy), self.tr("Set by your administrator"))
        self.devices.settings_dialog = dialog  # its lists follow devices coming and going
        accepted = dialog.exec()
        self.devices.settings_dialog = None
        if accepted:
            before = self.settings
            self.settings = apply_policy(dialog.result_settings(), policy)
            self._save()
            if self.settings.language != before.language:
                app = QApplication.instance()
                if isinstance(app, QApplication):
                    install_translator(app, self.settings.language)
            self.call.set_caption_size(self.settings.caption_size)
            self.call.controls.action("captions").setChecked(self.settings.captions_on)
            self.devices.settings_changed(before, self.settings, in_call=self.in_meeting)

    def show_device_problem(self, message: str) -> None:
        """A camera, microphone or speaker that is missing, busy or unplugged: say so where
        the user is; the call goes on."""
        if not message:
            return
        if self.state.phase in (Phase.PREJOIN, Phase.FAILED):
            self.prejoin.show_error(message)
        else:
            self.call.notifications.notify(message)

    # -- pre-join ------------------------------------------------------------------------------

    def _back_from_prejoin(self) -> None:
        self.devices.stop_preview()
        self.show_home()

    def _join(self) -> None:
        link = self.link
        if link is None:
            return
        name = self.prejoin.display_name
        audio = self.prejoin.mic_toggle.isChecked()
        video = self.prejoin.camera_toggle.isChecked()
        self.settings = replace(
            self.settings,
            display_name=name,
            camera=self.prejoin.chosen(self.prejoin.camera),
            microphone=self.prejoin.chosen(self.prejoin.microphone),
            speaker=self.prejoin.chosen(self.prejoin.speaker),
        )
        self.prejoin.set_busy(True)
        self.prejoin.show_error("")
        self.join_now(link, name, audio, video)

    def join_now(self, link: MeetingLink, name: str, audio: bool, video: bool) -> None:
        """Join with the chosen media (the demo comes here directly): the call screen shows at
        once, connecting, and the state takes whatever the engine says from then on."""
        self.link = link
        media = MediaOptions(audio=audio, video=video, sources=self.devices.prejoin_sources())
        number, future = self.services.session.join_numbered(link, name, media)
        self.state.join_started(number, link.room, name, audio=audio, video=video)
        self.services.bridge.when_done(
            future,
            lambda _: self.state.join_succeeded(number),
            lambda error: self.state.join_failed(number, error),
        )

    def _entered(self, link: MeetingLink) -> None:
        """In the meeting for the first time (the roster or the join's result came first)."""
        self.prejoin.set_busy(False)
        self.settings = remember_meeting(
            self.settings, link.web_url, link.room, link.host, time.time()
        )
        self._save()
        self.quality.start()
        if self.settings.captions_on:
            self._own_captions(True)

    # -- the screen follows the state ----------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if isinstance(change, PhaseChanged):
            self._phase_changed(change)
        elif isinstance(change, StateChanged):
            if What.PREVIEW_LEVEL in change.what:
                self.prejoin.set_level(self.state.preview_level)
            if What.FAILURE in change.what and self.state.phase is Phase.FAILED:
                self._show_failure()

    def _phase_changed(self, change: PhaseChanged) -> None:
        link, phase = self.link, change.phase
        if phase is Phase.JOINING:
            self.call.start(self.state.room)
            self.stack.setCurrentWidget(self.call)
            self.setWindowTitle(self.tr("%1 – Visio").replace("%1", self.state.room))
        elif phase is Phase.IN_CALL and change.before is Phase.JOINING and link is not None:
            self._entered(link)
        elif phase is Phase.FAILED:
            self.quality.stop()
            self._show_failure()
            self.stack.setCurrentWidget(self.prejoin)
            if link is not None:
                self.setWindowTitle(self.tr("Join %1 – Visio").replace("%1", link.room))
        elif phase is Phase.LEFT:
            self.quality.stop()

    def _show_failure(self) -> None:
        self.prejoin.set_busy(False)
        failure = self.state.failure
        host = self.link.host if self.link is not None else ""
        if isinstance(failure, BaseException):
            self.prejoin.show_error(friendly_error(failure, host))
        elif failure:
            self.prejoin.show_error(failure)

    # -- call ----------------------------------------------------------------------------------

    def _set_media(self, kind: MediaKind, on: bool) -> None:
        future = self.services.session.set_media(kind, on)
        self._own_media(kind, on)

        def result(ok: bool) -> None:
            if not ok:
                self._own_media(kind, False)
                self.call.notifications.notify(device_failed(kind))

        self.services.bridge.when_done(future, result)

    def _own_media(self, kind: MediaKind, on: bool) -> None:
        if kind is MediaKind.AUDIO:
            self.state.set_own_media(audio=on)
        else:
            self.state.set_own_media(video=on)

    def _show_tiles(self, tiles: dict[TileKey, tuple[int, int]]) -> None:
        if self.services.session.in_meeting:  # an SFU receives these videos, no others
            self.services.bridge.when_done(self.services.session.show_tiles(tiles), lambda _: None)

    def _raise_hand(self, raised: bool) -> None:
        self.services.session.raise_hand(raised)
        self.state.set_own_media(hand=raised)

    def leave(self) -> None:
        self.services.bridge.when_done(self.services.session.leave(), lambda _: None)
        self.call.controls.action("fullscreen").setChecked(False)
        self.show_home()

    def _captions_toggled(self, on: bool) -> None:
        if on != self.settings.captions_on:
            policy = self.services.policy
            self.settings = apply_policy(replace(self.settings, captions_on=on), policy)
            self._save()
        if self.state.phase in (Phase.IN_CALL, Phase.RECONNECTING):
            self._own_captions(on)

    def _own_captions(self, on: bool) -> None:
        policy = self.services.policy
        on = on and policy.captions_on is not False  # never on against the policy
        language = policy.captions_language or self.settings.caption_language
        options = CaptionsOptions(language=language)
        self.services.bridge.when_done(
            self.services.session.set_captions(on, options), lambda _: None, lambda _: None
        )

    def choose_model(self) -> None:
        """The speech models dialog; captions start once a model is there."""
        open_models_dialog(self.services.policy, self, self.services.model_download)
        if self.call.controls.action("captions").isChecked():
            self._own_captions(True)

    def _fullscreen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.call.controls.action("fullscreen").setChecked(False)  # leaves full screen
            return
        super().keyPressEvent(event)

    # -- from the engine -----------------------------------------------------------------------

    def _on_frame(self, frame: RenderedFrame) -> None:
        if frame.key.kind is TileKind.PREVIEW:
            self.prejoin.show_frame(frame)
        elif frame.key.kind is TileKind.SELF and self.stack.currentWidget() is self.waiting:
            self.waiting.show_frame(frame)
        else:
            self.call.show_frame(frame)

    def _save(self) -> None:
        if self.services.settings_file is None:
            return
        try:
            save_settings(self.services.settings_file, self.settings)
        except OSError as exc:
            log.warning("could not save the settings: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.quality.stop()
        self._save()
        super().closeEvent(event)
