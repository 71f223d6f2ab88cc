"""Starting livekit-server for tests: one node on free loopback ports, stopped at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
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


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.directory.cleanup()


def start_node() -> LiveKitNode:
    directory = tempfile.TemporaryDirectory(prefix="visio-livekit-")
    port = _free_port()
    config = Path(directory.name) / "livekit.yaml"
    config.write_text(
        f"port: {port}\n"
        "bind_addresses: [127.0.0.1]\n"
        "rtc:\n"
        "  node_ip: 127.0.0.1\n"
        "  use_external_ip: false\n"
        f"  udp_port: {_free_port(socket.SOCK_DGRAM)}\n"
        f"  tcp_port: {_free_port()}\n"
        f"keys:\n  {API_KEY}: {API_SECRET}\n"
        "logging:\n  level: warn\n"
    )
    log = (Path(directory.name) / "livekit.log").open("wb")
    process = subprocess.Popen(
        [str(server_binary()), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    node = LiveKitNode(process, port, directory)
    deadline = time.monotonic() + _START_DEADLINE
    while True:
        if process.poll() is not None:
            output = (Path(directory.name) / "livekit.log").read_text()[-2000:]
            raise RuntimeError(f"livekit-server exited: {output}")
        try:
            with urllib.request.urlopen(node.http_url, timeout=1) as answer:
                if answer.status == 200:
                    return node
        except OSError:
            if time.monotonic() > deadline:
                node.stop()
                raise RuntimeError("livekit-server did not answer in time") from None
            time.sleep(0.1)
