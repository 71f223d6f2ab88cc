"""Single instance: a second launch hands its link to the primary, which never trusts or waits
on what a client sends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from visio_desktop.ui.single_instance import (
    ACK,
    MAX_MESSAGE_BYTES,
    NAK,
    SingleInstance,
    default_key,
)

LINK = "https://visio.example.gouv.fr/abc-defg-hij"
REPO = Path(__file__).resolve().parents[2]

# What `visio-desktop <link>` does at start-up, reduced to the hand-over.
SECOND_LAUNCH = """
import sys
from PySide6.QtCore import QCoreApplication
from visio_desktop.ui.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance(sys.argv[1])
if instance.try_become_primary():
    sys.exit(3)
sys.exit(0 if instance.send_to_primary(sys.argv[2]) else 1)
"""


@pytest.fixture
def key() -> str:
    return f"visio-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def primary(qtbot: QtBot, key: str) -> Iterator[SingleInstance]:
    instance = SingleInstance(key)
    assert instance.try_become_primary()
    assert instance.is_primary
    yield instance
    instance.close()


def _second_launch(key: str, link: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SECOND_LAUNCH, key, link],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdin=subprocess.DEVNULL,
    )


def _exchange(qtbot: QtBot, server_name: str, data: bytes) -> bytes:
    """Send raw bytes without blocking the primary's event loop; return its answer."""
    client = QLocalSocket()
    client.connectToServer(server_name)
    assert client.waitForConnected(2000)  # a local connect completes without the server loop
    answer = bytearray()
    client.readyRead.connect(lambda: answer.extend(bytes(client.readAll().data())))
    with qtbot.waitSignal(client.disconnected, timeout=5000):
        client.write(data)
    answer.extend(bytes(client.readAll().data()))
    return bytes(answer)


def _message(text: str) -> bytes:
    payload = text.encode()
    return len(payload).to_bytes(4, "big") + payload


def _recorder(instance: SingleInstance) -> list[str]:
    received: list[str] = []
    instance.link_received.connect(received.append)
    return received


def test_a_second_launch_hands_its_link_over_and_exits(
    qtbot: QtBot, primary: SingleInstance, key: str
) -> None:
    with qtbot.waitSignal(primary.link_received, timeout=20000) as blocker:
        process = _second_launch(key, LINK)
    assert blocker.args == [LINK]
    qtbot.waitUntil(lambda: process.poll() is not None, timeout=20000)
    assert process.returncode == 0


def test_a_second_primary_attempt_returns_false(qtbot: QtBot, primary: SingleInstance) -> None:
    other = SingleInstance(primary.key)
    assert not other.try_become_primary()
    assert not other.is_primary
    assert primary.is_primary


def test_a_message_is_acknowledged_and_emitted(qtbot: QtBot, primary: SingleInstance) -> None:
    received = _recorder(primary)
    assert _exchange(qtbot, primary.server_name, _message("visio://example.fr/abc-defg-hij")) == ACK
    assert received == ["visio://example.fr/abc-defg-hij"]


def test_an_option_like_message_is_only_ever_text(qtbot: QtBot, primary: SingleInstance) -> None:
    received = _recorder(primary)
    assert _exchange(qtbot, primary.server_name, _message("--version")) == ACK
    assert received == ["--version"]  # the controller parses it as a link, and refuses it


def test_an_empty_message_asks_for_activation(qtbot: QtBot, primary: SingleInstance) -> None:
    received = _recorder(primary)
    with qtbot.waitSignal(primary.activation_requested, timeout=5000):
        assert _exchange(qtbot, primary.server_name, _message("")) == ACK
    assert received == []


def test_an_oversize_message_is_dropped(qtbot: QtBot, primary: SingleInstance) -> None:
    received = _recorder(primary)
    size = MAX_MESSAGE_BYTES + 1
    answer = _exchange(qtbot, primary.server_name, size.to_bytes(4, "big") + b"a" * size)
    assert answer == NAK
    assert received == []
    # Still serving afterwards.
    assert _exchange(qtbot, primary.server_name, _message(LINK)) == ACK
    assert received == [LINK]


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x00\x00\x03\xff\xfe\xfd",  # not UTF-8
        b"\x00\x00\x00\x02ok and more",  # bytes beyond the announced length
        b"\xff\xff\xff\xff",  # an absurd length
    ],
)
def test_garbage_is_dropped(qtbot: QtBot, primary: SingleInstance, garbage: bytes) -> None:
    received = _recorder(primary)
    assert _exchange(qtbot, primary.server_name, garbage) == NAK
    assert received == []


def test_a_silent_client_blocks_nothing(qtbot: QtBot, primary: SingleInstance, key: str) -> None:
    silent = QLocalSocket()
    silent.connectToServer(primary.server_name)
    assert silent.waitForConnected(2000)
    with qtbot.waitSignal(primary.link_received, timeout=20000) as blocker:
        process = _second_launch(key, LINK)
    assert blocker.args == [LINK]
    qtbot.waitUntil(lambda: process.poll() is not None, timeout=20000)
    assert process.returncode == 0
    silent.abort()


@pytest.mark.skipif(sys.platform == "win32", reason="a stale name is a Unix socket file")
def test_a_stale_name_left_by_a_crash_is_recovered(qtbot: QtBot, key: str) -> None:
    instance = SingleInstance(key)
    name = instance.server_name
    path = name if os.path.isabs(name) else os.path.join(QDir.tempPath(), name)
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(path)
    crashed.close()  # the file stays and nothing listens: what a crash leaves behind
    assert os.path.exists(path)
    try:
        assert instance.try_become_primary()
        received = _recorder(instance)
        assert _exchange(qtbot, instance.server_name, _message(LINK)) == ACK
        assert received == [LINK]
    finally:
        instance.close()
        if os.path.exists(path):
            os.unlink(path)


def test_sending_with_no_primary_fails(qtbot: QtBot, key: str) -> None:
    assert not SingleInstance(key).send_to_primary(LINK, timeout_ms=1000)


def test_a_link_too_long_to_hand_over_is_not_sent(qtbot: QtBot, primary: SingleInstance) -> None:
    received = _recorder(primary)
    assert not SingleInstance(primary.key).send_to_primary("x" * (MAX_MESSAGE_BYTES + 1))
    assert not SingleInstance(primary.key).send_to_primary("bad \udcff bytes")
    assert received == []


def test_the_default_key_is_stable_and_per_user() -> None:
    first = default_key()
    assert first == default_key()
    assert first.startswith("visio-desktop-")
    assert len(first) == len("visio-desktop-") + 16
    assert SingleInstance().key == first


@pytest.mark.skipif(sys.platform == "win32", reason="Unix socket permissions")
def test_only_this_user_may_connect(qtbot: QtBot, primary: SingleInstance) -> None:
    name = primary.server_name
    path = name if os.path.isabs(name) else os.path.join(QDir.tempPath(), name)
    assert os.stat(path).st_mode & 0o777 == 0o600
