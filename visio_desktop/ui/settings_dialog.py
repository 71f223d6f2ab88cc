"""The settings dialog: name, language, captions, devices and meeting server.

It edits a copy of a `Settings` and hands back `result_settings()` once accepted; it emits
nothing but QDialog's own signals. Each control's objectName is the `Settings` field it edits,
which is how `set_locked` (system policy) and tests find it. Device lists come from outside
(`set_devices`): the dialog never opens a device. A saved device that is not plugged in stays
selected, marked "(not connected)", so opening and accepting the dialog never loses it.
"""

from __future__ import annotations

import itertools
from dataclasses import fields, replace

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.core.errors import LinkError
from visio_desktop.core.settings import (
    MAX_CAPTION_SIZE,
    MAX_DISPLAY_NAME,
    MIN_CAPTION_SIZE,
    Settings,
    clean_settings,
    normalise_server_url,
)
from visio_desktop.ui.widgets import named as _named

__all__ = ["DEVICE_FIELDS", "EDITED_FIELDS", "SettingsDialog"]

DEVICE_FIELDS = ("camera", "microphone", "speaker")
EDITED_FIELDS = frozenset(
    {
        "display_name",
        "language",
        "caption_size",
        "captions_on",
        "caption_language",
        "server_url",
        "camera_hd",
        *DEVICE_FIELDS,
    }
)
# Language names are written in their own language and never translated.
_LANGUAGES = (("", None), ("en", "English"), ("fr", "Français"))


class SettingsDialog(QDialog):
    """Edits `settings`; read the outcome with `result_settings()` after `accept()`."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._locked: frozenset[str] = frozenset()
        self._lock_reason = ""
        self._devices: dict[str, list[str] | None] = dict.fromkeys(DEVICE_FIELDS)
        self._chosen = {kind: str(getattr(settings, kind)) for kind in DEVICE_FIELDS}

        self._lock_hint = _named(QLabel(self, wordWrap=True), "lock_hint")
        self._name = _named(QLineEdit(settings.display_name, self), "display_name")
        self._name.setMaxLength(MAX_DISPLAY_NAME)
        self._language = _named(QComboBox(self), "language")
        for code, label in _LANGUAGES:
            self._language.addItem(label or "", code)
        self._language.setCurrentIndex(max(0, self._language.findData(settings.language)))
        self._captions = _named(QCheckBox(self), "captions_on")
        self._captions.setChecked(settings.captions_on)
        self._speech = _named(QComboBox(self), "caption_language")
        for code, label in _LANGUAGES:
            self._speech.addItem(label or "", code)
        self._speech.setCurrentIndex(max(0, self._speech.findData(settings.caption_language)))
        self._size = _named(QSpinBox(self), "caption_size")
        self._size.setRange(MIN_CAPTION_SIZE, MAX_CAPTION_SIZE)
        self._size.setValue(settings.caption_size)
        self._device_boxes = {kind: _named(QComboBox(self), kind) for kind in DEVICE_FIELDS}
        for kind, box in self._device_boxes.items():
            box.currentIndexChanged.connect(lambda _index, kind=kind: self._remember_device(kind))
        self._hd = _named(QCheckBox(self), "camera_hd")
        self._hd.setChecked(settings.camera_hd)
        self._server = _named(QLineEdit(settings.server_url, self), "server_url")
        self._server.setClearButtonEnabled(True)
        self._server_error = _named(QLabel(self, wordWrap=True), "server_url_error")
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        self._labels: dict[str, QLabel] = {}
        self._groups: dict[str, QGroupBox] = {}

        self._build_layout()
        self.setMinimumWidth(420)
        self._server.textChanged.connect(self._check_server)
        self.retranslate()
        self._check_server()

    # -- public API ------------------------------------------------------------------------

    def set_devices(self, cameras: list[str], microphones: list[str], speakers: list[str]) -> None:
        """Offer these devices; an empty list shows a disabled "No … found" entry."""
        for kind, names in zip(DEVICE_FIELDS, (cameras, microphones, speakers), strict=True):
            self._devices[kind] = list(dict.fromkeys(names))
            self._fill_devices(kind)
        self._apply_enabled()

    def set_locked(self, field_names: set[str], reason: str = "") -> None:
        """Disable the controls of these `Settings` fields, explaining why (`reason`, or
        "Set by your administrator" when empty). Fields this dialog does not show are ignored;
        a name that is not a `Settings` field raises ValueError. Replaces earlier locks."""
        unknown = set(field_names) - {f.name for f in fields(Settings)}
        if unknown:
            raise ValueError(f"not settings fields: {', '.join(sorted(unknown))}")
        self._locked = frozenset(field_names) & EDITED_FIELDS
        self._lock_reason = reason
        self.retranslate()
        self._check_server()

    def result_settings(self) -> Settings:
        """The edited settings; locked fields keep their given values."""
        server_url = self._server_url()
        edited = replace(
            self._settings,
            display_name=self._name.text(),
            language=str(self._language.currentData() or ""),
            caption_size=self._size.value(),
            captions_on=self._captions.isChecked(),
            caption_language=str(self._speech.currentData() or ""),
            camera=self._chosen["camera"],
            microphone=self._chosen["microphone"],
            speaker=self._chosen["speaker"],
            camera_hd=self._hd.isChecked(),
            server_url=self._settings.server_url if server_url is None else server_url,
        )
        kept = {name: getattr(self._settings, name) for name in self._locked}
        return clean_settings(replace(edited, **kept))

    def accept(self) -> None:
        if self._server_url() is None:
            self._check_server()
            self._server.setFocus()
            return
        super().accept()

    # -- translation -----------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every text in the current language (called again on LanguageChange)."""
        self.setWindowTitle(self.tr("Settings"))
        self._groups["profile"].setTitle(self.tr("Profile"))
        self._groups["captions"].setTitle(self.tr("Captions"))
        self._groups["devices"].setTitle(self.tr("Devices"))
        self._groups["server"].setTitle(self.tr("Meeting server"))
        self._lock_hint.setText(
            self.tr("Some settings are set by your administrator and cannot be changed here.")
        )
        self._labels["display_name"].setText(self.tr("&Display name:"))
        self._labels["language"].setText(self.tr("&Language:"))
        self._labels["caption_size"].setText(self.tr("Caption text &size:"))
        self._labels["camera"].setText(self.tr("C&amera:"))
        self._labels["microphone"].setText(self.tr("&Microphone:"))
        self._labels["speaker"].setText(self.tr("S&peaker:"))
        self._labels["server_url"].setText(self.tr("Ser&ver address:"))
        self._captions.setText(self.tr("Show live &captions"))
        self._hd.setText(self.tr("Send &HD video (1280 × 720)"))
        self._language.setItemText(0, self.tr("System language"))
        self._speech.setItemText(0, self.tr("French or English (detected)"))
        self._labels["caption_language"].setText(self.tr("&I speak:"))
        self._size.setSuffix(self.tr(" pt"))
        self._server.setPlaceholderText(self.tr("Built-in server"))
        self._server_error.setText(
            self.tr(
                "Enter an address such as https://visio.example.org "
                "(http:// only for this computer)."
            )
        )
        texts = {
            "display_name": (self.tr("Display name"), self.tr("The name other participants see")),
            "language": (
                self.tr("Language"),
                self.tr("Language of the application; “System language” follows your computer"),
            ),
            "captions_on": (
                self.tr("Show live captions"),
                self.tr("Show live captions, computed on this computer"),
            ),
            "caption_language": (
                self.tr("Language I speak"),
                self.tr("The language of your voice, for your own captions"),
            ),
            "caption_size": (
                self.tr("Caption text size"),
                self.tr("Size of the caption text, in points"),
            ),
            "camera": (self.tr("Camera"), self.tr("Camera used in meetings")),
            "microphone": (self.tr("Microphone"), self.tr("Microphone used in meetings")),
            "speaker": (self.tr("Speaker"), self.tr("Speaker or headset used to hear meetings")),
            "camera_hd": (
                self.tr("Send HD video"),
                self.tr("Sharper video for the others, for more processor and network use"),
            ),
            "server_url": (
                self.tr("Server address"),
                self.tr("Address of the meeting server; leave empty to use the built-in server"),
            ),
        }
        reason = self._lock_reason or self.tr("Set by your administrator")
        for name, (accessible, tip) in texts.items():
            widget = self._control(name)
            widget.setAccessibleName(accessible)
            widget.setToolTip(reason if name in self._locked else tip)
            widget.setAccessibleDescription(reason if name in self._locked else "")
        self._server_error.setAccessibleName(self.tr("Server address error"))
        self._lock_hint.setAccessibleName(self.tr("Settings set by your administrator"))
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self._buttons.button(QDialogButtonBox.StandardButton.Cancel)
        ok.setAccessibleName(self.tr("OK"))
        ok.setToolTip(self.tr("Save the settings and close"))
        cancel.setAccessibleName(self.tr("Cancel"))
        cancel.setToolTip(self.tr("Close without saving"))
        for kind in DEVICE_FIELDS:
            self._fill_devices(kind)
        self._apply_enabled()

    # -- building and state ----------------------------------------------------------------

    def _build_layout(self) -> None:
        rows = {
            "profile": ("display_name", "language"),
            "captions": ("captions_on", "caption_language", "caption_size"),
            "devices": (*DEVICE_FIELDS, "camera_hd"),
            "server": ("server_url",),
        }
        layout = QVBoxLayout(self)
        layout.addWidget(self._lock_hint)
        for group_name, names in rows.items():
            group = self._groups[group_name] = QGroupBox(self)
            form = QFormLayout(group)
            for name in names:
                control = self._control(name)
                if isinstance(control, QCheckBox):
                    form.addRow(control)
                    continue
                label = self._labels[name] = QLabel(group)
                label.setBuddy(control)
                form.addRow(label, control)
            layout.addWidget(group)
        server_form = self._groups["server"].layout()
        assert server_form is not None
        server_form.addWidget(self._server_error)
        layout.addWidget(self._buttons)
        order = [self._control(name) for names in rows.values() for name in names]
        order += [self._buttons]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _control(self, name: str) -> QWidget:
        widget = self.findChild(QWidget, name)
        assert widget is not None, name
        return widget

    def _fill_devices(self, kind: str) -> None:
        box = self._device_boxes[kind]
        names = self._devices[kind]
        wanted = self._chosen[kind]
        box.blockSignals(True)
        box.clear()
        if names == []:
            box.addItem(self._no_device_text(kind), None)
        else:
            box.addItem(self.tr("System default"), "")
            for name in names or []:
                box.addItem(name, name)
            if wanted and wanted not in (names or []):
                label = self.tr("{device} (not connected)") if names is not None else "{device}"
                box.addItem(label.format(device=wanted), wanted)
            box.setCurrentIndex(max(0, box.findData(wanted)))
        box.blockSignals(False)

    def _no_device_text(self, kind: str) -> str:
        if kind == "camera":
            return self.tr("No camera found")
        if kind == "microphone":
            return self.tr("No microphone found")
        return self.tr("No speaker found")

    def _remember_device(self, kind: str) -> None:
        data = self._device_boxes[kind].currentData()
        if isinstance(data, str):  # None is the "No … found" entry: keep the saved device
            self._chosen[kind] = data

    def _apply_enabled(self) -> None:
        for name in EDITED_FIELDS:
            self._control(name).setEnabled(name not in self._locked)
        for kind in DEVICE_FIELDS:
            if self._devices[kind] == []:
                self._device_boxes[kind].setEnabled(False)
        self._lock_hint.setVisible(bool(self._locked))

    def _server_url(self) -> str | None:
        """The normalised server URL, "" for the built-in server, None if invalid."""
        if "server_url" in self._locked:
            return self._settings.server_url
        try:
            return normalise_server_url(self._server.text())
        except LinkError:
            return None

    def _check_server(self) -> None:
        valid = self._server_url() is not None
        self._server_error.setVisible(not valid)
        self._buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(valid)
