"""Which camera, microphone and speaker the window uses: the pre-join preview, the media
sources a meeting opens, device changes in the middle of a call, screen sharing, and the
device lists following devices as they are plugged in and out."""

from __future__ import annotations

import contextlib
import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal

from visio_desktop.core.kinds import MediaKind
from visio_desktop.core.settings import Settings
from visio_desktop.engine import events as ev
from visio_desktop.media.discovery import DeviceChanges
from visio_desktop.media.screen import ScreenTarget, screen_source
from visio_desktop.media.sources import MediaSources
from visio_desktop.ui.call import CallView
from visio_desktop.ui.messages import device_failed
from visio_desktop.ui.prejoin import PreJoinWidget
from visio_desktop.ui.services import Services
from visio_desktop.ui.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

REFRESH_MS = 3000  # how often the device lists are read again


class DeviceControl(QObject):
    """Runs on the GUI thread; every engine call returns at once, and the device lists are
    read again in a thread of their own (PortAudio and v4l2 can take a moment)."""

    _listed = Signal(object)  # DeviceChanges, from the listing thread

    def __init__(
        self,
        services: Services,
        prejoin: PreJoinWidget,
        call: CallView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prejoin = prejoin
        self._call = call
        self._sources: MediaSources | None = None
        self._sources_for: tuple[str, str, bool] | None = None
        self.hd = services.settings.camera_hd  # the settings' choice, kept up to date
        self.settings_dialog: SettingsDialog | None = None  # open now, if it is
        self._listing: threading.Thread | None = None
        self._listed.connect(self._devices_changed)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.refresh_timer.start()

    def refresh(self) -> None:
        """Read the device lists again, unless a reading is still going on."""
        if self._listing is not None and self._listing.is_alive():
            return
        self._listing = threading.Thread(target=self._list, name="device-list", daemon=True)
        self._listing.start()

    def _list(self) -> None:  # the listing thread
        try:
            changes = self._services.devices.refresh()
        except Exception:  # a driver error while listing: keep the lists we have
            return
        if changes:
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                self._listed.emit(changes)

    def _devices_changed(self, changes: DeviceChanges) -> None:
        lists = self._services.devices.lists()
        if self._prejoin.set_devices(lists):
            self.prejoin_devices_changed()  # what was on moves to the device now chosen
        dialog = self.settings_dialog
        if dialog is not None:
            dialog.set_devices(list(lists.cameras), list(lists.microphones), list(lists.speakers))
        if self._call.isVisible():
            for device in changes.added:
                self._call.notifications.notify(
                    self.tr("%1 was connected").replace("%1", device.label)
                )
            for device in changes.removed:
                self._call.notifications.notify(
                    self.tr("%1 was disconnected").replace("%1", device.label)
                )

    def sources(self, camera: str, microphone: str) -> MediaSources:
        """The sources for a choice, the same object while the choice stays (the engine
        reopens devices only when it changes)."""
        if self._sources is None or self._sources_for != (camera, microphone, self.hd):
            self._sources = self._services.devices.sources(camera, microphone, hd=self.hd)
            self._sources_for = (camera, microphone, self.hd)
        return self._sources

    def prejoin_sources(self) -> MediaSources:
        prejoin = self._prejoin
        return self.sources(prejoin.chosen(prejoin.camera), prejoin.chosen(prejoin.microphone))

    def preview(self, kind: MediaKind, on: bool) -> None:
        future = self._services.session.preview(self.prejoin_sources(), kind, on)

        def result(ok: bool) -> None:
            if on and not ok:
                self._prejoin.show_error(device_failed(kind))

        self._services.bridge.when_done(future, result)

    def prejoin_devices_changed(self) -> None:
        """Another device picked before joining: what is on moves to it."""
        for kind, toggle in (
            (MediaKind.VIDEO, self._prejoin.camera_toggle),
            (MediaKind.AUDIO, self._prejoin.mic_toggle),
        ):
            if toggle.isChecked():
                self.preview(kind, True)

    def stop_preview(self) -> None:
        self._services.session.stop_preview()

    def settings_changed(self, before: Settings, now: Settings, in_call: bool) -> None:
        """Devices (or the video quality) changed in the settings: a call moves to them at
        once, without renegotiating."""
        self.hd = now.camera_hd
        kinds = tuple(
            kind
            for kind, changed in (
                (MediaKind.VIDEO, (now.camera, now.camera_hd) != (before.camera, before.camera_hd)),
                (MediaKind.AUDIO, now.microphone != before.microphone),
            )
            if changed
        )
        if in_call and kinds:  # only what changed is reopened: no gap in the rest
            sources = self.sources(now.camera, now.microphone)
            self._services.session.use_sources(sources, kinds)
        if now.speaker != before.speaker and self._services.use_speaker is not None:
            self._services.use_speaker(now.speaker)

    def set_volume(self, participant_id: str, volume: float) -> None:
        """One participant's volume, for this computer only (0 mutes, up to 2)."""
        if self._services.set_volume is not None:
            self._services.set_volume(participant_id, volume)

    def share_screen(self, target: ScreenTarget | None) -> None:
        """Share a screen or window in the call (None: stop); ScreenShareChanged follows."""
        source = screen_source(target) if target is not None else None
        self._services.bridge.when_done(
            self._services.session.share_screen(source),
            lambda _: None,
            lambda error: self._share_failed(str(error)),
        )

    def _share_failed(self, reason: str) -> None:
        log.warning("screen sharing could not start or stop: %s", reason)
        self._services.bridge.engine_event.emit(ev.ScreenShareChanged(False, reason))
