"""A network namespace of the tests' own, with livekit-server and participants inside.

LiveKit's client SDK bundles Google's libwebrtc, which never gathers candidates on a loopback
interface, so it cannot meet anyone over 127.0.0.1. The interop tests therefore make a network
namespace (root only; CI runs as root) holding:

- `lo`, up;
- a veth pair, both ends inside the namespace: `lkv0` carries ADDRESS/24 and `lkv1` is up so
  that the link has a carrier (this kernel has no `dummy` link type). libwebrtc gathers
  ADDRESS on `lkv0`; aiortc is told to gather exactly ADDRESS (see aiortc_participant.py);
  traffic between two local addresses never leaves the namespace;
- livekit-server on ADDRESS (its `node_ip`) and on 127.0.0.1 (signalling only: its media
  candidates are on ADDRESS), on fixed ports: nothing else lives there.

Processes run in it with `ip netns exec NAME setpriv --pdeathsig KILL -- …`, so that none
outlives a test run that dies. Nothing outside the namespace is touched: the
veth pair is made inside it and goes away with it. The namespace's name carries the pid of the
test process, so a run that was killed before its teardown is cleaned up by the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.livekit.rig import API_KEY, API_SECRET, ROOT, server_binary

PREFIX = "visio-lk-"
ADDRESS = "10.203.0.1"
_PEER_END = "lkv1"
HTTP_PORT, TCP_PORT, UDP_PORT = 7880, 7881, 7882
_START_DEADLINE = 20.0
_STOP_DEADLINE = 10.0

# Waits inside the namespace until livekit-server answers HTTP, or the deadline passes.
_PROBE = """
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            sys.exit(0 if answer.status == 200 else 1)
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.1)
"""

Event = dict[str, Any]


def _python_path() -> str:
    """This checkout first, so that the scripts import the code under test."""
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


def why_not_available() -> str | None:
    """Why this machine cannot run the namespace rig, or None when it can."""
    if os.geteuid() != 0:
        return "creating a network namespace needs root (CI runs as root)"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Namespace:
    name: str
    address: str = ADDRESS

    def command(self, argv: list[str]) -> list[str]:
        """`argv` run in the namespace, killed if the test process dies before stopping it
        (`ip netns exec` and `setpriv` exec, so the test process stays its parent)."""
        return ["ip", "netns", "exec", self.name, "setpriv", "--pdeathsig", "KILL", "--", *argv]

    def pids(self) -> list[int]:
        listed = subprocess.run(
            ["ip", "netns", "pids", self.name],
            check=False,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return [int(pid) for pid in listed.stdout.split()]

    def delete(self) -> None:
        """Kill what still runs inside (all of it started by these tests), then remove it; the
        veth pair goes with it."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "delete", self.name)


def _remove_leftovers() -> None:
    """Namespaces of earlier test runs whose process is gone (killed before its teardown)."""
    listed = subprocess.run(
        ["ip", "netns", "list"], check=False, capture_output=True, text=True, timeout=10
    )
    for line in listed.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX):
            continue
        owner = name.removeprefix(PREFIX).split("-")[0]
        if owner.isdigit() and not _pid_alive(int(owner)):
            Namespace(name).delete()


def create_namespace() -> Namespace:
    _remove_leftovers()
    namespace = Namespace(f"{PREFIX}{os.getpid()}-{secrets.token_hex(3)}")
    _ip("netns", "add", namespace.name)
    try:
        name = namespace.name
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "link", "add", "lkv0", "type", "veth", "peer", "name", _PEER_END)
        _ip("-n", name, "addr", "add", f"{namespace.address}/24", "dev", "lkv0")
        _ip("-n", name, "link", "set", "lkv0", "up")
        _ip("-n", name, "link", "set", _PEER_END, "up")
    except BaseException:
        namespace.delete()
        raise
    return namespace


@dataclass
class Participant:
    """A process in the namespace that prints JSON lines and may read commands on stdin.
    It is stopped by a `leave` command, or by SIGTERM when `by_signal` (our own programs,
    which leave cleanly on it)."""

    label: str
    process: subprocess.Popen[str]
    by_signal: bool = False
    events: queue.Queue[Event | None] = field(default_factory=queue.Queue)
    seen: list[Event] = field(default_factory=list)
    output: list[str] = field(default_factory=list)  # every line, for failure messages

    def start_reading(self) -> None:
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.output.append(line.rstrip("\n"))
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    self.events.put(json.loads(line))
        self.events.put(None)

    def mark(self) -> int:
        """A point in the output: `wait_for(..., since=mark)` looks only at what comes after."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return len(self.seen)
            if event is None:
                self.events.put(None)
                return len(self.seen)
            self.seen.append(event)

    def wait_for(
        self,
        wanted: Callable[[Event], bool],
        timeout: float = 30.0,
        what: str = "",
        *,
        since: int = 0,
    ) -> Event:
        """The first event `wanted` accepts, among those already printed (from `since`, a
        `mark`) or those to come; AssertionError with the process's recent output when none
        comes in time."""
        for past in self.seen[since:]:
            if wanted(past):
                return past
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            event: Event | None
            try:
                event = self.events.get(timeout=remaining) if remaining > 0 else None
            except queue.Empty:
                event = None
            else:
                if event is None:
                    self.events.put(None)  # the output ended: so will the next wait
            if event is None:
                tail = "\n".join(self.output[-30:])
                raise AssertionError(
                    f"{self.label}: no {what or 'expected event'} within {timeout:.0f} s "
                    f"(exit code {self.process.poll()}); last output:\n{tail}"
                )
            self.seen.append(event)
            if wanted(event):
                return event

    def send(self, command: Event) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.by_signal:
                self.process.terminate()
            else:
                with contextlib.suppress(OSError):
                    self.send({"command": "leave"})
                    assert self.process.stdin is not None
                    self.process.stdin.close()
            try:
                self.process.wait(_STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class NamespacedNode:
    """livekit-server inside a namespace, and the participants the tests start there."""

    namespace: Namespace
    process: subprocess.Popen[bytes]
    directory: tempfile.TemporaryDirectory[str]
    participants: list[Participant] = field(default_factory=list)
    kept: list[Participant] = field(default_factory=list)
    api_key: str = API_KEY
    api_secret: str = API_SECRET

    @property
    def url(self) -> str:
        return f"ws://{self.namespace.address}:{HTTP_PORT}"

    @property
    def loopback_url(self) -> str:
        """The same server for clients that take only loopback addresses in plain ws:// (ours):
        its media candidates stay on the namespace's address, which aiortc reaches from
        127.0.0.1 as well."""
        return f"ws://127.0.0.1:{HTTP_PORT}"

    @property
    def log(self) -> str:
        return (Path(self.directory.name) / "livekit.log").read_text(errors="replace")

    def start(
        self,
        label: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        *,
        keep: bool = False,
        by_signal: bool = False,
    ) -> Participant:
        """Run `argv` (a Python script or `-m module`, and its arguments) in the namespace.
        It stops with the others in `stop_participants`, unless `keep`: then its caller stops
        it (it still stops with the node). `by_signal`: see Participant."""
        process = subprocess.Popen(
            self.namespace.command([sys.executable, *argv]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": _python_path(), **(env or {})},
        )
        participant = Participant(label, process, by_signal)
        participant.start_reading()
        (self.kept if keep else self.participants).append(participant)
        return participant

    def stop_participants(self) -> None:
        for participant in self.participants:
            participant.stop()
        self.participants.clear()

    def stop(self) -> None:
        try:
            self.stop_participants()
            for participant in self.kept:
                participant.stop()
            self.process.terminate()
            try:
                self.process.wait(_STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        finally:
            self.namespace.delete()
            self.directory.cleanup()


def start_node_in_namespace() -> NamespacedNode:
    """A new namespace with livekit-server running in it; NamespacedNode.stop removes both."""
    binary = server_binary()
    namespace = create_namespace()
    directory = tempfile.TemporaryDirectory(prefix="visio-livekit-netns-")
    try:
        config = Path(directory.name) / "livekit.yaml"
        config.write_text(
            f"port: {HTTP_PORT}\n"
            f"bind_addresses: [127.0.0.1, {namespace.address}]\n"
            "rtc:\n"
            f"  node_ip: {namespace.address}\n"
            "  use_external_ip: false\n"
            f"  udp_port: {UDP_PORT}\n"
            f"  tcp_port: {TCP_PORT}\n"
            f"keys:\n  {API_KEY}: {API_SECRET}\n"
            "logging:\n  level: info\n"
        )
        with (Path(directory.name) / "livekit.log").open("wb") as log:
            process = subprocess.Popen(
                namespace.command([str(binary), "--config", str(config)]),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        node = NamespacedNode(namespace, process, directory)
    except BaseException:
        namespace.delete()
        directory.cleanup()
        raise
    probe = subprocess.run(
        namespace.command(
            [
                sys.executable,
                "-c",
                _PROBE,
                f"http://{namespace.address}:{HTTP_PORT}",
                str(_START_DEADLINE),
            ]
        ),
        check=False,
        capture_output=True,
        timeout=_START_DEADLINE + 10,
    )
    if probe.returncode != 0:
        tail = node.log[-2000:]
        node.stop()
        raise RuntimeError(f"livekit-server did not answer in its namespace: {tail}")
    return node
