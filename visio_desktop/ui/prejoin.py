"""The pre-join screen: who you are, how you will appear and sound, then Join.

The camera and microphone toggles start as the main window says (off for a host the user has
never joined); the preview shows the camera and a level meter shows the microphone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.core.kinds import PREVIEW_TILE, MediaKind, TileKey
from visio_desktop.core.links import MeetingLink
from visio_desktop.media.devices import DeviceLists
from visio_desktop.media.render import RenderedFrame
from visio_desktop.ui import icons
from visio_desktop.ui.tiles import VideoTile
from visio_desktop.ui.widgets import named as _named

_MAX_NAME = 64

_STYLE = """
QWidget#prejoin { background: #f6f6f6; }
QLabel#title { font-size: 24px; font-weight: bold; color: #161616; }
QLabel#error { color: #ce0500; font-size: 14px; }
QPushButton#join { background: #000091; color: white; border: none; border-radius: 4px;
                   padding: 10px 28px; font-size: 15px; font-weight: bold; }
QPushButton#join:disabled { background: #929292; }
QToolButton { background: #3c4043; border: none; border-radius: 22px; padding: 10px; }
QToolButton:!checked { background: #c9191e; }
QToolButton:disabled { background: #929292; }
QProgressBar { background: #dddddd; border: none; border-radius: 3px; }
QProgressBar::chunk { background: #18753c; border-radius: 3px; }
"""


class AspectBox(QWidget):
    """Holds the preview at the camera's 16:9 shape, as large as the space allows."""

    def __init__(self, child: QWidget) -> None:
        super().__init__()
        self._child = child
        child.setParent(self)
        self.setMinimumSize(QSize(320, 180))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = min(self.width(), self.height() * 16 // 9)
        height = width * 9 // 16
        self._child.setGeometry(
            (self.width() - width) // 2, (self.height() - height) // 2, width, height
        )


class PreJoinWidget(QWidget):
    join_clicked = Signal()
    back_clicked = Signal()
    preview_changed = Signal(object, bool)  # MediaKind, on
    devices_changed = Signal()

    def __init__(
        self,
        on_resized: Callable[[TileKey, int, int], None],
        on_painted: Callable[[TileKey], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("prejoin")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_STYLE)
        self.link: MeetingLink | None = None
        self._remembered: tuple[str, str, str] = ("", "", "")  # the saved device choices
        self._busy = False
        self.title = _named(QLabel(), "title")
        self.where = QLabel()
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.preview = VideoTile(PREVIEW_TILE, "", on_resized, on_painted)
        self.preview.is_self = True
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setMaximumHeight(8)
        self.camera_toggle = self._toggle("camera")
        self.mic_toggle = self._toggle("mic")
        self.name = QLineEdit()
        self.name.setMaxLength(_MAX_NAME)
        self.camera = QComboBox()
        self.microphone = QComboBox()
        self.speaker = QComboBox()
        self.error = _named(QLabel(), "error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()
        self.join = _named(QPushButton(), "join")
        self.back = QPushButton()
        self._name_label = QLabel()
        self._camera_label = QLabel()
        self._mic_label = QLabel()
        self._speaker_label = QLabel()
        self._build()
        self.name.textChanged.connect(self._update_join)
        self.name.returnPressed.connect(self._join_if_ready)
        self.join.clicked.connect(self._join_if_ready)
        self.back.clicked.connect(self.back_clicked)
        self.camera_toggle.toggled.connect(self._camera_toggled)
        self.mic_toggle.toggled.connect(self._mic_toggled)
        for combo in (self.camera, self.microphone, self.speaker):
            combo.currentIndexChanged.connect(lambda _: self.devices_changed.emit())
        self.retranslate()

    def _toggle(self, name: str) -> QToolButton:
        button = QToolButton()
        button.setCheckable(True)
        button.setIconSize(QSize(22, 22))
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.setIcon(icons.icon(f"{name}-off"))
        return button

    def _build(self) -> None:
        toggles = QHBoxLayout()
        toggles.addStretch(1)
        toggles.addWidget(self.mic_toggle)
        toggles.addWidget(self.camera_toggle)
        toggles.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(AspectBox(self.preview), 1)
        left.addWidget(self.level)
        left.addLayout(toggles)
        form = QFormLayout()
        form.addRow(self._name_label, self.name)
        form.addRow(self._camera_label, self.camera)
        form.addRow(self._mic_label, self.microphone)
        form.addRow(self._speaker_label, self.speaker)
        for label, field in (
            (self._name_label, self.name),
            (self._camera_label, self.camera),
            (self._mic_label, self.microphone),
            (self._speaker_label, self.speaker),
        ):
            label.setBuddy(field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.join)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.where)
        right.addSpacing(16)
        right.addLayout(form)
        right.addWidget(self.error)
        right.addStretch(1)
        right.addLayout(buttons)
        row = QHBoxLayout(self)
        row.setContentsMargins(40, 40, 40, 40)
        row.setSpacing(32)
        row.addLayout(left, 3)
        row.addLayout(right, 2)
        for first, second in (
            (self.name, self.mic_toggle),
            (self.mic_toggle, self.camera_toggle),
            (self.camera_toggle, self.camera),
            (self.camera, self.microphone),
            (self.microphone, self.speaker),
            (self.speaker, self.join),
            (self.join, self.back),
        ):
            QWidget.setTabOrder(first, second)

    # -- what the main window sets -------------------------------------------------------------

    def open(
        self,
        link: MeetingLink,
        name: str,
        devices: DeviceLists,
        *,
        audio: bool,
        video: bool,
        chosen: tuple[str, str, str] = ("", "", ""),
    ) -> None:
        """Show the screen for `link`; `chosen` are the remembered camera, microphone and
        speaker, selected when they are plugged in."""
        self.link = link
        self._remembered = chosen
        self.where.setText(
            self.tr("Meeting %1 on %2").replace("%1", link.room).replace("%2", link.host)
        )
        self.name.setText(name)
        self.set_devices(devices, chosen)
        self.show_error("")
        self.set_busy(False)
        self.preview.set_state(name=name or "?", video=False, audio=False)
        self.camera_toggle.setChecked(video and self.camera.isEnabled())
        self.mic_toggle.setChecked(audio and self.microphone.isEnabled())
        self._camera_toggled(self.camera_toggle.isChecked())
        self._mic_toggled(self.mic_toggle.isChecked())
        self.name.setFocus()

    def set_devices(self, devices: DeviceLists, chosen: tuple[str, str, str] | None = None) -> bool:
        """Offer these devices. Each choice stays on `chosen` (by default, what is selected
        now) while that device is there; True when a choice had to change."""
        combos = (self.camera, self.microphone, self.speaker)
        # Nothing chosen (there was no such device): the remembered one, if it came back.
        wanted = chosen or tuple(
            self.chosen(combo) or remembered
            for combo, remembered in zip(combos, self._remembered, strict=True)
        )
        before = tuple(self.chosen(combo) for combo in combos)
        for combo, names, empty, want in zip(
            combos,
            (devices.cameras, devices.microphones, devices.speakers),
            (
                self.tr("No camera found"),
                self.tr("No microphone found"),
                self.tr("No speaker found"),
            ),
            wanted,
            strict=True,
        ):
            blocked = combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(names) or [empty])
            combo.setEnabled(bool(names))
            if want in names:
                combo.setCurrentIndex(combo.findText(want))
            combo.blockSignals(blocked)
        for toggle, combo in (
            (self.camera_toggle, self.camera),
            (self.mic_toggle, self.microphone),
        ):
            toggle.setEnabled(combo.isEnabled())
            if not combo.isEnabled():
                toggle.setChecked(False)
        return tuple(self.chosen(combo) for combo in combos) != before

    def chosen(self, combo: QComboBox) -> str:
        return combo.currentText() if combo.isEnabled() else ""

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.error.setAccessibleName(text)

    def set_busy(self, busy: bool) -> None:
        self.join.setEnabled(not busy and bool(self.name.text().strip()))
        self.join.setText(self.tr("Joining…") if busy else self.tr("Join"))
        self._busy = busy

    def set_level(self, level: float) -> None:
        self.level.setValue(round(level * 100) if self.mic_toggle.isChecked() else 0)

    def show_frame(self, frame: RenderedFrame) -> None:
        self.preview.show_frame(frame)

    @property
    def display_name(self) -> str:
        return self.name.text().strip()

    # -- internals -----------------------------------------------------------------------------

    def _update_join(self) -> None:
        self.join.setEnabled(not self._busy and bool(self.display_name))
        self.preview.set_state(name=self.display_name or "?")

    def _join_if_ready(self) -> None:
        if self.join.isEnabled():
            self.join_clicked.emit()

    def _camera_toggled(self, on: bool) -> None:
        self.camera_toggle.setIcon(icons.icon("camera" if on else "camera-off"))
        self.preview.set_state(video=on)
        self._describe_toggles()
        self.preview_changed.emit(MediaKind.VIDEO, on)

    def _mic_toggled(self, on: bool) -> None:
        self.mic_toggle.setIcon(icons.icon("mic" if on else "mic-off"))
        self.preview.set_state(audio=on)
        if not on:
            self.level.setValue(0)
        self._describe_toggles()
        self.preview_changed.emit(MediaKind.AUDIO, on)

    def _describe_toggles(self) -> None:
        camera = self.camera_toggle.isChecked()
        mic = self.mic_toggle.isChecked()
        camera_text = self.tr("Turn off camera") if camera else self.tr("Turn on camera")
        mic_text = self.tr("Turn off microphone") if mic else self.tr("Turn on microphone")
        self.camera_toggle.setAccessibleName(camera_text)
        self.camera_toggle.setToolTip(camera_text)
        self.mic_toggle.setAccessibleName(mic_text)
        self.mic_toggle.setToolTip(mic_text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Ready to join?"))
        self._name_label.setText(self.tr("Your &name"))
        self._camera_label.setText(self.tr("&Camera"))
        self._mic_label.setText(self.tr("&Microphone"))
        self._speaker_label.setText(self.tr("&Speaker"))
        self.name.setPlaceholderText(self.tr("The name others will see"))
        self.name.setAccessibleName(self.tr("Your name"))
        self.name.setToolTip(self.tr("The name others will see in the meeting"))
        self.camera.setAccessibleName(self.tr("Camera"))
        self.camera.setToolTip(self.tr("Which camera to use"))
        self.microphone.setAccessibleName(self.tr("Microphone"))
        self.microphone.setToolTip(self.tr("Which microphone to use"))
        self.speaker.setAccessibleName(self.tr("Speaker"))
        self.speaker.setToolTip(self.tr("Where to hear the meeting"))
        self.level.setAccessibleName(self.tr("Microphone level"))
        self.level.setToolTip(self.tr("How loud your microphone is"))
        self.join.setAccessibleName(self.tr("Join the meeting"))
        self.join.setToolTip(self.tr("Join the meeting (Enter)"))
        self.back.setText(self.tr("Back"))
        self.back.setAccessibleName(self.tr("Back to home"))
        self.back.setToolTip(self.tr("Return to the home screen without joining"))
        self.set_busy(self._busy)
        self._describe_toggles()
