"""Starting livekit-server for tests on free loopback ports, stopped at the end: one node
alone, or several nodes sharing one Redis (Debian's redis-server, no persistence)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.13.5"
API_KEY = "visio-tests"
API_SECRET = "a-secret-only-these-tests-use-0123456789"
_START_DEADLINE = 20.0


def server_binary() -> Path:
    binary = Path(
        os.environ.get("VISIO_LIVEKIT_SERVER", ROOT / ".tools" / f"livekit-server-{VERSION}")
    )
    if not binary.is_file():
        raise RuntimeError(f"{binary} is missing: `./dev livekit` builds it")
    return binary


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_free_port = free_port


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str
) -> None:
    """Poll `ready` until it is true; RuntimeError with the log's tail if the process dies
    or the deadline passes."""
    deadline = time.monotonic() + _START_DEADLINE
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer in time: {log.read_text()[-2000:]}")
        time.sleep(0.1)


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int
    directory: tempfile.TemporaryDirectory[str]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self, *words: str) -> str:
        """Run one command with redis-cli and return its raw output."""
        return subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--raw", *words],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout

    def stop(self) -> None:
        _stop(self.process)
        self.directory.cleanup()


def start_redis() -> RedisServer:
    """redis-server on a free loopback port, in memory only (no RDB, no AOF)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: `./dev setup` installs it")
    directory = tempfile.TemporaryDirectory(prefix="visio-redis-")
    port = free_port()
    log = Path(directory.name) / "redis.log"
    process = subprocess.Popen(
        [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", directory.name,
            "--protected-mode", "yes",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = RedisServer(process, port, directory)

    def answers() -> bool:
        try:
            return server.command("PING").strip() == "PONG"
        except subprocess.CalledProcessError:
            return False

    try:
        _wait_until(answers, process, log, "redis-server")
    except RuntimeError:
        server.stop()
        raise
    return server


@dataclass
class LiveKitNode:
    process: subprocess.Popen[bytes]
    port: int
    directory: tempfile.TemporaryDirectory[str]
    api_key: str = API_KEY
    api_secret: str = API_SECRET

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return Path(self.directory.name) / "livekit.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        _stop(self.process)
        self.directory.cleanup()


def node_config(
    port: int, redis: RedisServer | None = None, log_level: str = "warn", webhook: str = ""
) -> str:
    """A livekit-server configuration on 127.0.0.1 with its own free ports; with `redis`,
    the node joins the others that share it (LiveKit's distributed mode)."""
    text = (
        f"port: {port}\n"
        "bind_addresses: [127.0.0.1]\n"
        "rtc:\n"
        "  node_ip: 127.0.0.1\n"
        "  use_external_ip: false\n"
        f"  udp_port: {free_port(socket.SOCK_DGRAM)}\n"
        f"  tcp_port: {free_port()}\n"
        f"keys:\n  {API_KEY}: {API_SECRET}\n"
        f"logging:\n  level: {log_level}\n"
    )
    if redis is not None:
        text += f"redis:\n  address: {redis.address}\n"
    if webhook:
        text += f"webhook:\n  api_key: {API_KEY}\n  urls: [{webhook}]\n"
    return text


def start_node(
    redis: RedisServer | None = None, log_level: str = "warn", webhook: str = ""
) -> LiveKitNode:
    """A livekit-server; with `webhook`, it posts its webhooks to that URL."""
    directory = tempfile.TemporaryDirectory(prefix="visio-livekit-")
    port = free_port()
    config = Path(directory.name) / "livekit.yaml"
    config.write_text(node_config(port, redis, log_level, webhook))
    node = LiveKitNode(_launch(config), port, directory)
    try:
        _wait_for(node)
    except RuntimeError:
        node.stop()
        raise
    return node


def restart_node(node: LiveKitNode) -> None:
    """Stop `node` and start it again on the same ports and keys: a LiveKit restart, which
    forgets every room and session."""
    _stop(node.process)
    node.process = _launch(Path(node.directory.name) / "livekit.yaml")
    _wait_for(node)


def _launch(config: Path) -> subprocess.Popen[bytes]:
    log = config.parent / "livekit.log"
    return subprocess.Popen(
        [str(server_binary()), "--config", str(config)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(node: LiveKitNode) -> None:
    def answers() -> bool:
        try:
            with urllib.request.urlopen(node.http_url, timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    _wait_until(answers, node.process, node.log_path, "livekit-server")
