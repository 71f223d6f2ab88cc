"""HD video chosen in the settings in the middle of a call: the camera is reopened at
1280x720 and the others receive it, without renegotiating; the choice is saved."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QCheckBox
from pytestqt.qtbot import QtBot

from tests.gui.meeting import join_with_colleague
from visio_desktop.core.kinds import TileKey
from visio_desktop.core.settings_file import load_settings
from visio_desktop.desktop import Desktop
from visio_desktop.engine.thread import EngineThread
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.settings_dialog import SettingsDialog

WAIT_MS = 30_000


def tick_hd_and_save() -> None:
    """What the user does in the settings dialog, once it is open (it runs modally)."""
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, SettingsDialog)
    box = dialog.findChild(QCheckBox, "camera_hd")
    assert box is not None and not box.isChecked()
    box.setChecked(True)
    dialog.accept()


def test_hd_video_from_the_settings_mid_call(
    qtbot: QtBot, desktop: Desktop, server: EmbeddedServer, bot_engine: EngineThread
) -> None:
    window = desktop.window
    _, colleague = join_with_colleague(qtbot, desktop, server, bot_engine, video=True)
    tester = TileKey.camera(colleague.tester_id())
    qtbot.waitUntil(lambda: colleague.got_size(tester, (640, 360)), timeout=WAIT_MS)

    QTimer.singleShot(0, tick_hd_and_save)
    window.edit_settings()

    qtbot.waitUntil(lambda: colleague.got_size(tester, (1280, 720)), timeout=WAIT_MS)
    assert window.settings.camera_hd
    assert desktop.window.services.settings_file is not None
    saved, _ = load_settings(desktop.window.services.settings_file)
    assert saved.camera_hd
    colleague.session.leave().result(timeout=30)
