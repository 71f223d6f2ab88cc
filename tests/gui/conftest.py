"""Qt runs offscreen in these tests: no display is needed, and without this a missing display
aborts the process before pytest can report anything."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from visio_desktop.core.settings import Settings
from visio_desktop.core.settings_file import save_settings
from visio_desktop.desktop import Desktop, build_desktop
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.devices import DemoDevices
from visio_desktop.ui.single_instance import SingleInstance

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A system policy that allows only servers under gouv.fr and refuses every other one.
STRICT = 'allowed_servers = ["*.gouv.fr"]\nallow_unknown_servers = false\n'
MakeDesktop = Callable[..., Desktop]


@pytest.fixture
def desktop(qtbot: QtBot, tmp_path: Path) -> Iterator[Desktop]:
    instance = SingleInstance(key=f"test-{uuid.uuid4().hex}")
    assert instance.try_become_primary()
    settings = tmp_path / "settings.toml"
    # Captions of our own voice would load a speech model when the microphone goes on; the
    # captions tests cover that, these tests do not need it.
    settings.write_text("version = 1\ncaptions_on = false\n")
    built = build_desktop(instance, settings_file=settings, devices=DemoDevices("Tester"))
    built.window.resize(1280, 800)
    yield built
    built.window.close()
    built.close()


@pytest.fixture
def bot_engine() -> Iterator[EngineThread]:
    engine = EngineThread("bots")
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture
def make_desktop(qtbot: QtBot, tmp_path: Path) -> Iterator[MakeDesktop]:
    """Builds the window with a policy file (text, raw bytes, or none) and saved settings."""
    built: list[Desktop] = []

    def make(policy: str | bytes | None = None, settings: Settings | None = None) -> Desktop:
        instance = SingleInstance(key=f"test-{uuid.uuid4().hex}")
        assert instance.try_become_primary()
        settings_file = tmp_path / "settings.toml"
        save_settings(settings_file, settings or Settings(captions_on=False))
        policy_file = tmp_path / "policy.toml"
        if isinstance(policy, str):
            policy_file.write_text(policy)
        elif isinstance(policy, bytes):
            policy_file.write_bytes(policy)
        desktop = build_desktop(
            instance,
            settings_file=settings_file,
            devices=DemoDevices("Tester"),
            policy_file=policy_file,
        )
        built.append(desktop)
        return desktop

    yield make
    for desktop in built:
        desktop.window.close()
        desktop.close()
