"""One network change during a real mesh call, in network namespaces made for it: two engine
sessions (netchange_call.py) in a namespace of their own (tests/livekit/netns.py: `lo` and a
veth pair whose end carries ADDRESS), media over ADDRESS, which the script swaps for SECOND
mid-call. The meeting server is either on 127.0.0.1 in the same namespace (the signalling
survives: the peers are restarted), or `remote`: in a second namespace at the veth's other
end (the signalling socket dies with the old address: the sessions rejoin).

Used by test_network_change_netns.py and by benchmarks/netchange.py. Needs root."""

from __future__ import annotations

import ipaddress
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
)
from tests.server.conftest import write_self_signed

SECOND = "10.204.0.1"  # another subnet, as a cable beside the Wi-Fi would be
DEVICE = "lkv0"
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
_CALL = ["-m", "tests.engine.netchange_call", DEVICE, f"{ADDRESS}/24", f"{SECOND}/24"]


@dataclass
class Outcome:
    """What the call said: `flowing` before the change, and `back` (or `failed`) after it."""

    flowing: Event
    back: Event
    output: list[str]


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


def _follow(call: Participant) -> Outcome:
    flowing = call.wait_for(lambda e: e["event"] in ("flowing", "failed"), 60, "video")
    if flowing["event"] == "failed":
        return Outcome(flowing, flowing, list(call.output))
    call.wait_for(lambda e: e["event"] == "changed", 10, "the change")
    back = call.wait_for(lambda e: e["event"] in ("back", "failed"), 40, "video back")
    return Outcome(flowing, back, list(call.output))


def change_network(namespace: Namespace, *, remote: bool, workdir: Path) -> Outcome:
    """One call through one network change, in `namespace` (and, when `remote`, a second
    namespace for the server, made and removed here)."""
    if not remote:
        local = start(namespace, "call", _CALL)
        try:
            return _follow(local)
        finally:
            local.stop()
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
        cert, key = write_self_signed(workdir, [x509.IPAddress(ipaddress.ip_address(SERVER))])
        server = start(
            server_side, "server", ["-c", _SERVE, SERVER, str(SERVER_PORT), str(cert), str(key)]
        )
        call: Participant | None = None
        try:
            server.wait_for(lambda e: e["event"] == "ready", 20, "the server")
            remote_args = ["--server", f"https://{SERVER}:{SERVER_PORT}", "--ca", str(cert)]
            call = start(namespace, "call", [*_CALL, *remote_args, "--route", f"{SERVER}/32"])
            return _follow(call)
        finally:
            if call is not None:
                call.stop()
            server.stop()
    finally:
        server_side.delete()


def change_network_once(*, remote: bool, workdir: Path) -> Outcome:
    """`change_network` in a namespace of its own, removed afterwards."""
    namespace = create_namespace()
    try:
        return change_network(namespace, remote=remote, workdir=workdir)
    finally:
        namespace.delete()
