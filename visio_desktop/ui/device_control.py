"""Which camera, microphone and speaker the window uses: the pre-join preview, the media
sources a meeting opens, and device changes in the middle of a call."""

from __future__ import annotations

from visio_desktop.core.settings import Settings
from visio_desktop.engine import events as ev
from visio_desktop.media.screen import ScreenTarget, screen_source
from visio_desktop.media.sources import MediaSources
from visio_desktop.ui.messages import device_failed
from visio_desktop.ui.prejoin import PreJoinWidget
from visio_desktop.ui.services import Services


class DeviceControl:
    """Runs on the GUI thread; every engine call returns at once."""

    def __init__(self, services: Services, prejoin: PreJoinWidget) -> None:
        self._services = services
        self._prejoin = prejoin
        self._sources: MediaSources | None = None
        self._sources_for: tuple[str, str] | None = None

    def sources(self, camera: str, microphone: str) -> MediaSources:
        """The sources for a choice, the same object while the choice stays (the engine
        reopens devices only when it changes)."""
        if self._sources is None or self._sources_for != (camera, microphone):
            self._sources = self._services.devices.sources(camera, microphone)
            self._sources_for = (camera, microphone)
        return self._sources

    def prejoin_sources(self) -> MediaSources:
        prejoin = self._prejoin
        return self.sources(prejoin.chosen(prejoin.camera), prejoin.chosen(prejoin.microphone))

    def preview(self, kind: str, on: bool) -> None:
        self._services.router.previewing = True
        future = self._services.session.preview(self.prejoin_sources(), kind, on)

        def result(ok: bool) -> None:
            if on and not ok:
                self._prejoin.show_error(device_failed(kind))

        self._services.bridge.when_done(future, result)

    def prejoin_devices_changed(self) -> None:
        """Another device picked before joining: what is on moves to it."""
        for kind, toggle in (
            ("video", self._prejoin.camera_toggle),
            ("audio", self._prejoin.mic_toggle),
        ):
            if toggle.isChecked():
                self.preview(kind, True)

    def stop_preview(self) -> None:
        self._services.router.previewing = False
        self._services.session.stop_preview()

    def settings_changed(self, before: Settings, now: Settings, in_call: bool) -> None:
        """Devices changed in the settings: a call moves to them at once."""
        if in_call and (now.camera, now.microphone) != (before.camera, before.microphone):
            self._services.session.use_sources(self.sources(now.camera, now.microphone))
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
            lambda error: self._services.bridge.engine_event.emit(
                ev.ScreenShareChanged(False, str(error))
            ),
        )
