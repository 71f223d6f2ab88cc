"""The device lists follow devices as they are plugged in and out, while the window is open:
the pre-join pickers, the remembered choice coming back, and a word in the call. The devices
come from an injected inventory (these machines have no camera and no sound card); the
watcher, the listing thread and the window are the real ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from visio_desktop.core.links import parse_link
from visio_desktop.desktop import Desktop, build_desktop
from visio_desktop.engine.call_changes import Phase
from visio_desktop.media.devices import SystemDevices
from visio_desktop.media.discovery import CameraInfo, DeviceId, DeviceWatcher, Inventory
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.single_instance import SingleInstance

WAIT_MS = 30_000


def camera(name: str, number: int) -> CameraInfo:
    return CameraInfo(DeviceId("camera", "v4l2", name), f"/dev/video{number}", "v4l2")


class Plugged:
    """What is plugged in: the watcher lists this."""

    def __init__(self) -> None:
        self.inventory = Inventory()

    def __call__(self) -> Inventory:
        return self.inventory

    def cameras(self, *names: str) -> None:
        self.inventory = Inventory(cameras=tuple(camera(n, i) for i, n in enumerate(names)))


@pytest.fixture
def plugged() -> Plugged:
    return Plugged()


@pytest.fixture
def desktop(qtbot: QtBot, tmp_path: Path, plugged: Plugged) -> Iterator[Desktop]:
    settings = tmp_path / "settings.toml"
    settings.write_text('version = 1\ncaptions_on = false\ncamera = "Document camera (v4l2)"\n')
    devices = SystemDevices(watcher=DeviceWatcher(plugged))
    instance = SingleInstance(key=f"test-{uuid.uuid4().hex}")
    built = build_desktop(instance, settings_file=settings, devices=devices)
    built.window.devices.refresh_timer.setInterval(50)
    yield built
    built.window.close()
    built.close()


def test_the_pickers_follow_cameras_plugged_in_and_out(
    qtbot: QtBot, desktop: Desktop, plugged: Plugged
) -> None:
    window = desktop.window
    window.open_link(parse_link("http://127.0.0.1:9/abc-defg-hij"))
    prejoin = window.prejoin
    assert not prejoin.camera.isEnabled() and not prejoin.camera_toggle.isEnabled()

    plugged.cameras("Integrated camera", "Document camera")
    qtbot.waitUntil(lambda: prejoin.camera.count() == 2, timeout=WAIT_MS)
    assert prejoin.camera.isEnabled()
    assert prejoin.camera.currentText() == "Document camera (v4l2)"  # the remembered one
    assert prejoin.camera_toggle.isEnabled() and not prejoin.camera_toggle.isChecked()

    plugged.cameras("Integrated camera")
    qtbot.waitUntil(lambda: prejoin.camera.count() == 1, timeout=WAIT_MS)
    assert prejoin.camera.currentText() == "Integrated camera (v4l2)"

    plugged.cameras()
    qtbot.waitUntil(lambda: not prejoin.camera.isEnabled(), timeout=WAIT_MS)
    assert prejoin.camera.currentText() == "No camera found"
    assert not prejoin.camera_toggle.isEnabled()


def test_the_call_says_when_a_device_comes_or_goes(
    qtbot: QtBot, desktop: Desktop, plugged: Plugged, server: EmbeddedServer
) -> None:
    window, call = desktop.window, desktop.window.call
    window.join_now(parse_link(f"{server.base_url}/abc-defg-hij"), "Tester", False, False)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
    window.show()
    plugged.cameras("Document camera")
    connected = "Document camera (v4l2) was connected"
    qtbot.waitUntil(lambda: connected in call.notifications.history, timeout=WAIT_MS)
    plugged.cameras()
    gone = "Document camera (v4l2) was disconnected"
    qtbot.waitUntil(lambda: gone in call.notifications.history, timeout=WAIT_MS)
