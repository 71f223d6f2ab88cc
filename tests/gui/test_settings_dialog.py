"""The settings dialog: editing, accepting, locked fields, device lists and the server check."""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from visio_desktop.core.settings import RecentMeeting, Settings
from visio_desktop.ui.settings_dialog import SettingsDialog

SAVED = Settings(
    display_name="Camille",
    language="en",
    caption_size=18,
    captions_on=True,
    camera="Old camera",
    microphone="Headset microphone",
    speaker="",
    server_url="https://visio.example.org",
    known_hosts=("visio.example.org",),
    recent=(RecentMeeting("https://visio.example.org/abc-defg-hij", "abc-defg-hij", "v", 1.0),),
)

W = TypeVar("W", bound=QWidget)


def open_dialog(qtbot: QtBot, settings: Settings = SAVED) -> SettingsDialog:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def control(dialog: SettingsDialog, kind: type[W], name: str) -> W:
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def button(dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> QPushButton:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    return box.button(which)


OK = QDialogButtonBox.StandardButton.Ok
CANCEL = QDialogButtonBox.StandardButton.Cancel


def test_shows_the_given_settings(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    assert dialog.windowTitle() == "Settings"
    assert control(dialog, QLineEdit, "display_name").text() == "Camille"
    assert control(dialog, QComboBox, "language").currentText() == "English"
    assert control(dialog, QSpinBox, "caption_size").value() == 18
    assert control(dialog, QCheckBox, "captions_on").isChecked()
    assert control(dialog, QLineEdit, "server_url").text() == "https://visio.example.org"
    assert control(dialog, QComboBox, "camera").currentText() == "Old camera"
    assert control(dialog, QComboBox, "speaker").currentText() == "System default"
    assert dialog.result_settings() == SAVED


def test_edits_are_returned_after_ok(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.set_devices(["Front camera", "Old camera"], ["Headset microphone"], ["Speakers"])
    name = control(dialog, QLineEdit, "display_name")
    name.clear()
    QTest.keyClicks(name, "  Dominique Martin  ")
    language = control(dialog, QComboBox, "language")
    language.setCurrentIndex(language.findText("Français"))
    control(dialog, QSpinBox, "caption_size").setValue(30)
    captions = control(dialog, QCheckBox, "captions_on")
    QTest.mouseClick(captions, Qt.MouseButton.LeftButton, pos=QPoint(4, captions.height() // 2))
    camera = control(dialog, QComboBox, "camera")
    camera.setCurrentIndex(camera.findText("Front camera"))
    speaker = control(dialog, QComboBox, "speaker")
    speaker.setCurrentIndex(speaker.findText("Speakers"))
    server = control(dialog, QLineEdit, "server_url")
    server.clear()
    QTest.keyClicks(server, "HTTPS://Other.Example.org:8443/")

    with qtbot.waitSignal(dialog.accepted):
        QTest.mouseClick(button(dialog, OK), Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_settings() == Settings(
        display_name="Dominique Martin",
        language="fr",
        caption_size=30,
        captions_on=False,
        camera="Front camera",
        microphone="Headset microphone",
        speaker="Speakers",
        server_url="https://other.example.org:8443",
        known_hosts=SAVED.known_hosts,
        recent=SAVED.recent,
    )


def test_cancel_rejects(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    with qtbot.waitSignal(dialog.rejected):
        QTest.mouseClick(button(dialog, CANCEL), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_caption_size_stays_in_range(qtbot: QtBot) -> None:
    size = control(open_dialog(qtbot), QSpinBox, "caption_size")
    assert (size.minimum(), size.maximum()) == (10, 48)
    assert size.suffix() == " pt"


def test_empty_device_lists_show_a_disabled_no_device_entry(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.set_devices([], [], [])
    expected = {
        "camera": "No camera found",
        "microphone": "No microphone found",
        "speaker": "No speaker found",
    }
    for kind, text in expected.items():
        box = control(dialog, QComboBox, kind)
        assert not box.isEnabled()
        assert (box.count(), box.currentText()) == (1, text)
    result = dialog.result_settings()  # the saved devices are not forgotten
    assert (result.camera, result.microphone, result.speaker) == (
        "Old camera",
        "Headset microphone",
        "",
    )


def test_a_saved_device_that_is_unplugged_stays_selected(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.set_devices(["Front camera"], ["Headset microphone"], [])
    camera = control(dialog, QComboBox, "camera")
    assert camera.isEnabled()
    assert camera.currentText() == "Old camera (not connected)"
    assert [camera.itemText(i) for i in range(camera.count())] == [
        "System default",
        "Front camera",
        "Old camera (not connected)",
    ]
    assert dialog.result_settings().camera == "Old camera"
    camera.setCurrentIndex(0)
    assert dialog.result_settings().camera == ""
    dialog.set_devices(["Old camera"], ["Headset microphone"], [])  # plugged back in
    assert camera.currentText() == "System default"


def test_locked_fields_are_disabled_and_say_why(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    hint = control(dialog, QLabel, "lock_hint")
    assert not hint.isVisible()
    dialog.set_locked({"server_url", "captions_on", "known_hosts"}, "Set by the IT department")
    server = control(dialog, QLineEdit, "server_url")
    captions = control(dialog, QCheckBox, "captions_on")
    assert not server.isEnabled()
    assert not captions.isEnabled()
    assert server.toolTip() == "Set by the IT department"
    assert server.accessibleDescription() == "Set by the IT department"
    assert hint.isVisible()
    assert control(dialog, QLineEdit, "display_name").isEnabled()

    server.setText("https://elsewhere.example")  # even if changed, a locked value is kept
    captions.setChecked(False)
    result = dialog.result_settings()
    assert (result.server_url, result.captions_on) == (SAVED.server_url, SAVED.captions_on)

    dialog.set_locked({"language"}, "")
    assert control(dialog, QComboBox, "language").toolTip() == "Set by your administrator"
    assert server.isEnabled()
    assert server.toolTip() != "Set by the IT department"
    dialog.set_locked(set(), "")
    assert not hint.isVisible()


def test_locking_an_unknown_field_is_an_error(qtbot: QtBot) -> None:
    with pytest.raises(ValueError, match="colour"):
        open_dialog(qtbot).set_locked({"colour"}, "")


def test_a_locked_device_with_no_device_stays_disabled_when_unlocked(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.set_devices(["Front camera"], [], [])
    dialog.set_locked({"camera", "microphone"}, "")
    assert not control(dialog, QComboBox, "camera").isEnabled()
    dialog.set_locked(set(), "")
    assert control(dialog, QComboBox, "camera").isEnabled()
    assert not control(dialog, QComboBox, "microphone").isEnabled()


@pytest.mark.parametrize(
    "url", ["visio.example.org", "ftp://files.example.org", "http://lan.example", "https://a/b"]
)
def test_an_invalid_server_url_shows_an_error_and_blocks_ok(qtbot: QtBot, url: str) -> None:
    dialog = open_dialog(qtbot)
    error = control(dialog, QLabel, "server_url_error")
    server = control(dialog, QLineEdit, "server_url")
    assert not error.isVisible()
    server.clear()
    QTest.keyClicks(server, url)
    assert error.isVisible()
    assert "https://" in error.text()
    assert not button(dialog, OK).isEnabled()
    dialog.accept()  # e.g. reached through a shortcut: still refused
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.result_settings().server_url == SAVED.server_url

    server.clear()  # empty means the built-in server
    assert not error.isVisible()
    assert button(dialog, OK).isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    assert dialog.result_settings().server_url == ""


def test_a_loopback_server_may_use_http(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, Settings(server_url=""))
    QTest.keyClicks(control(dialog, QLineEdit, "server_url"), "http://127.0.0.1:8080")
    assert button(dialog, OK).isEnabled()
    assert dialog.result_settings().server_url == "http://127.0.0.1:8080"


def test_every_control_has_an_accessible_name_and_a_tooltip(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.set_devices([], ["Mic"], ["Speakers"])
    controls: list[QWidget] = []
    for kind in (QLineEdit, QComboBox, QSpinBox, QCheckBox, QPushButton):
        controls += [
            w for w in dialog.findChildren(kind) if not isinstance(w.parent(), QAbstractSpinBox)
        ]
    assert len(controls) == 12  # name, server, 5 combos, size, captions, HD, OK, Cancel
    for widget in controls:
        assert widget.accessibleName(), widget.objectName()
        assert widget.toolTip(), widget.objectName()


def test_tab_order_follows_the_layout(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    expected = [
        "display_name",
        "language",
        "captions_on",
        "caption_size",
        "camera",
        "microphone",
        "speaker",
        "server_url",
    ]
    wanted = {control(dialog, QWidget, name) for name in expected}
    widget = control(dialog, QWidget, "display_name")
    seen = [widget.objectName()]
    for _ in range(200):
        following = widget.nextInFocusChain()
        assert following is not None
        widget = following
        if widget in wanted and widget.objectName() not in seen:
            seen.append(widget.objectName())
    assert seen == expected
