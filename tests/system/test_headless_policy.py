"""`join --headless` under the system policy, like the window: the policy file is read through
VISIO_POLICY_FILE (honoured when this computer has no system policy), and the user's settings
come from an empty config folder. A refusal comes before anything connects: the links here name
a port nothing listens on, so trying would give "cannot reach" instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.server.conftest import write_self_signed
from tests.system.conftest import ROOM, Proc

pytestmark = pytest.mark.system

NOWHERE = "https://127.0.0.1:9"  # the discard port: nothing listens on it here


@pytest.fixture
def policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the test writes the policy; the user's config folder is empty."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "policy.toml"
    monkeypatch.setenv("VISIO_POLICY_FILE", str(path))
    return path


def join(processes: Callable[..., Proc], url: str, name: str) -> Proc:
    return processes("join", f"{url}/{ROOM}", "--headless", "--name", "Alice", name=name)


def test_a_server_the_policy_does_not_allow_is_refused(
    processes: Callable[..., Proc], policy_file: Path
) -> None:
    policy_file.write_text(
        'allowed_servers = ["visio.example.fr"]\nallow_unknown_servers = false\n'
    )
    client = join(processes, NOWHERE, "refused")
    assert client.exit_code() == 1
    stderr = client.stderr_path.read_text()
    assert "only allows meetings on visio.example.fr" in stderr, stderr


def test_an_unknown_server_is_refused_as_nobody_can_be_asked(
    processes: Callable[..., Proc], policy_file: Path
) -> None:
    policy_file.write_text('allowed_servers = ["visio.example.fr"]\n')  # unknown hosts: ask
    client = join(processes, "https://visio.other.example:9", "asked")
    assert client.exit_code() == 1
    stderr = client.stderr_path.read_text()
    assert "visio.other.example:9" in stderr and "no one to ask" in stderr, stderr


def test_the_built_in_server_host_is_known_unless_the_policy_forbids_unknown_servers(
    processes: Callable[..., Proc], policy_file: Path
) -> None:
    """As in the window: 127.0.0.1 counts as joined before, so the link goes on to connect
    (and finds nothing on the port)."""
    policy_file.write_text("")
    client = join(processes, NOWHERE, "loopback")
    assert client.exit_code() == 1
    stderr = client.stderr_path.read_text()
    assert "no one to ask" not in stderr and "policy" not in stderr, stderr


def test_captions_the_policy_turns_off_are_refused(
    processes: Callable[..., Proc], policy_file: Path
) -> None:
    policy_file.write_text('captions = "off"\n')
    client = processes(
        "join", f"{NOWHERE}/{ROOM}", "--headless", "--name", "Alice", "--captions", "en",
        name="captions",
    )  # fmt: skip
    assert client.exit_code() == 1
    stderr = client.stderr_path.read_text()
    assert "captions are turned off by this computer's policy" in stderr, stderr


def test_the_policy_ca_bundle_is_trusted_for_the_meeting_server(
    processes: Callable[..., Proc], policy_file: Path, tmp_path: Path
) -> None:
    cert, key = write_self_signed(tmp_path)
    server = processes(
        "serve", "--host", "127.0.0.1", "--port", "0", "--tls-cert", str(cert),
        "--tls-key", str(key), name="server",
    )  # fmt: skip
    url = str(server.wait_for("listening")["url"])
    assert url.startswith("https://")

    policy_file.write_text("")
    untrusted = join(processes, url, "untrusted")
    assert untrusted.exit_code() == 1
    assert "not trusted" in untrusted.stderr_path.read_text()

    policy_file.write_text(f'extra_ca_bundle = "{cert}"\n')
    trusted = join(processes, url, "trusted")
    trusted.wait_for("joined")
    assert trusted.terminate() == 0
