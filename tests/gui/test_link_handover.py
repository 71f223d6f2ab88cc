"""A second launch with a link hands it to the running window and exits, and a link is never
read as command-line options, whatever it starts with."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from visio_desktop.ui.single_instance import SingleInstance

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    return env


@pytest.fixture
def primary(environment: dict[str, str]) -> Iterator[SingleInstance]:
    """The running window's side, listening under the key a launch with this environment uses."""
    key = subprocess.run(
        [sys.executable, "-c", "from visio_desktop.ui.single_instance import default_key as k;"
         "print(k())"],
        env=environment, capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.strip()  # fmt: skip
    saved = {name: os.environ.get(name) for name in ("XDG_RUNTIME_DIR",)}
    os.environ["XDG_RUNTIME_DIR"] = environment["XDG_RUNTIME_DIR"]
    instance = SingleInstance(key=key)
    assert instance.try_become_primary()
    yield instance
    instance.close()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def launch(environment: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "visio_desktop", *args],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("visio://visio.example.fr/abc-defg-hij",), "visio://visio.example.fr/abc-defg-hij"),
        (("open", "--", "--version"), "--version"),
        (("open", "--", "https://host/abc-defg-hij --settings 'x'"),
         "https://host/abc-defg-hij --settings 'x'"),
        ((), ""),  # a plain second launch only brings the window forward
    ],
)  # fmt: skip
def test_a_second_launch_hands_over_and_exits(
    qtbot: QtBot,
    primary: SingleInstance,
    environment: dict[str, str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    received: list[str] = []
    primary.link_received.connect(received.append)
    primary.activation_requested.connect(lambda: received.append(""))
    process = launch(environment, *args)
    qtbot.waitUntil(lambda: process.poll() is not None, timeout=30_000)
    _, errors = process.communicate()
    assert process.returncode == 0, errors
    qtbot.waitUntil(lambda: received == [expected], timeout=10_000)
