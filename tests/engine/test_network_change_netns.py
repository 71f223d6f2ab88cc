"""A network change during a real mesh call: two engine sessions in a network namespace of
the test's own (tests/livekit/netns.py: `lo` and a veth pair whose end carries ADDRESS), media
over ADDRESS; the script (netchange_call.py) adds a second address and removes the first, and
video must come back over the second, on new connections, by itself. Once with the meeting
server on 127.0.0.1 (the signalling survives: the peers are restarted), once with the server in
a second namespace at the veth's other end (the signalling socket dies with the old address:
the sessions rejoin). Needs root (CI runs as root), like the other namespace tests."""

from __future__ import annotations

import ipaddress
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from tests.livekit.netns import (
    ADDRESS,
    PREFIX,
    Event,
    Namespace,
    Participant,
    _ip,
    _python_path,
    create_namespace,
    why_not_available,
)
from tests.server.conftest import write_self_signed

SECOND = "10.204.0.1"  # another subnet, as a cable beside the Wi-Fi would be
DEVICE = "lkv0"


@pytest.fixture
def namespace() -> Iterator[Namespace]:
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    made = create_namespace()
    try:
        yield made
    finally:
        made.delete()


SERVER = "10.203.0.254"  # the remote server, at the veth's other end
SERVER_PORT = 8443
# The remote server in a namespace of its own; it prints a line once it listens.
_SERVE = """
import json, sys
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig
host, port, cert, key = sys.argv[1:5]
config = ServerConfig(host=host, port=int(port), tls_cert=cert, tls_key=key)
EmbeddedServer(config).start()
print(json.dumps({"event": "ready"}), flush=True)
sys.stdin.read()
"""


def start(namespace: Namespace, label: str, argv: list[str]) -> Participant:
    process = subprocess.Popen(
        namespace.command([sys.executable, *argv]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PYTHONPATH": _python_path(), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    participant = Participant(label, process)
    participant.start_reading()
    return participant


def check_video_comes_back(call: Participant) -> Event:
    flowing = call.wait_for(lambda e: e["event"] in ("flowing", "failed"), 60, "video")
    assert flowing["event"] == "flowing", "\n".join(call.output[-80:])
    assert flowing["addresses"] == [[ADDRESS], [ADDRESS]]
    call.wait_for(lambda e: e["event"] == "changed", 10, "the change")
    back = call.wait_for(lambda e: e["event"] in ("back", "failed"), 40, "video back")
    assert back["event"] == "back", "\n".join(call.output[-80:])
    print(f"video back after {back['seconds']} s; frames since {back['frames']}")
    assert all(frames >= 15 for frames in back["frames"])
    assert back["addresses"] == [[SECOND], [SECOND]]  # the new connections use it
    return back


def test_video_comes_back_over_the_new_address_after_a_network_change(
    namespace: Namespace,
) -> None:
    argv = ["-m", "tests.engine.netchange_call", DEVICE, f"{ADDRESS}/24", f"{SECOND}/24"]
    call = start(namespace, "call", argv)
    try:
        back = check_video_comes_back(call)
        assert not any("reconnect" in line for line in call.output)  # peers restarted only
        assert all("connection_state_changed" not in events[4:] for events in back["events"])
    finally:
        call.stop()


def test_sessions_whose_server_socket_died_with_the_old_address_rejoin(
    namespace: Namespace, tmp_path: Path
) -> None:
    server_side = Namespace(
        f"{PREFIX}{namespace.name.removeprefix(PREFIX)}-s{secrets.token_hex(2)}"
    )
    _ip("netns", "add", server_side.name)
    try:
        _ip("-n", namespace.name, "link", "set", "lkv1", "netns", server_side.name)
        _ip("-n", server_side.name, "link", "set", "lo", "up")
        _ip("-n", server_side.name, "addr", "add", f"{SERVER}/24", "dev", "lkv1")
        _ip("-n", server_side.name, "link", "set", "lkv1", "up")
        _ip("-n", server_side.name, "route", "add", f"{SECOND}/32", "dev", "lkv1")
        cert, key = write_self_signed(tmp_path, [x509.IPAddress(ipaddress.ip_address(SERVER))])
        server = start(
            server_side, "server", ["-c", _SERVE, SERVER, str(SERVER_PORT), str(cert), str(key)]
        )
        call: Participant | None = None
        try:
            server.wait_for(lambda e: e["event"] == "ready", 20, "the server")
            argv = ["-m", "tests.engine.netchange_call", DEVICE, f"{ADDRESS}/24", f"{SECOND}/24"]
            remote = ["--server", f"https://{SERVER}:{SERVER_PORT}", "--ca", str(cert)]
            call = start(namespace, "call", [*argv, *remote, "--route", f"{SERVER}/32"])
            back = check_video_comes_back(call)
            print("\n".join(line for line in call.output if "visio_desktop" in line))
            assert any("address is gone" in line for line in call.output)
            assert all("connection_state_changed" in events[4:] for events in back["events"])
        finally:
            if call is not None:
                call.stop()
            server.stop()
    finally:
        server_side.delete()
