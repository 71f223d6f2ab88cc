"""Runs a meeting inside the network namespace it is started in (`unshare -n -m`), with sinks
for everything a process might try to reach, and prints one JSON report on stdout.

    unshare -n -m python -m tests.system.sandbox <folder> <seconds> [client args...]

Inside: `lo` is brought up, /etc/resolv.conf is bind-mounted (this mount namespace only) to
one naming 127.0.0.1, where a DNS sink records every query and answers 127.0.0.1 to each, so
that a process that resolves a name goes on to connect; a TCP sink on 127.0.0.1:443 and :80
records those connections. The meeting server runs on 127.0.0.1, and two headless clients join
it under strace (`connect`, `sendto`, `sendmsg`, following threads and child processes such as
the captions worker). The test reads the traces and the sinks' records from the report.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import dns.message
import dns.rrset

ROOM = "abc-defg-hij"


class Sinks:
    """The DNS sink on 127.0.0.1:53 and TCP sinks on 127.0.0.1:80 and :443."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.connections: list[int] = []
        self._lock = threading.Lock()
        dns_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dns_socket.bind(("127.0.0.1", 53))
        threading.Thread(target=self._dns, args=(dns_socket,), daemon=True).start()
        for port in (80, 443):
            tcp = socket.create_server(("127.0.0.1", port))
            threading.Thread(target=self._tcp, args=(tcp, port), daemon=True).start()

    def _dns(self, sock: socket.socket) -> None:
        while True:
            data, peer = sock.recvfrom(4096)
            try:
                query = dns.message.from_wire(data)
            except Exception:  # dnspython raises many kinds: record garbage too
                with self._lock:
                    self.queries.append(f"unparsable {len(data)} bytes")
                continue
            response = dns.message.make_response(query)
            for question in query.question:
                with self._lock:
                    self.queries.append(question.name.to_text())
                if question.rdtype == 1:  # A
                    response.answer.append(
                        dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.1")
                    )
            sock.sendto(response.to_wire(), peer)

    def _tcp(self, server: socket.socket, port: int) -> None:
        while True:
            connection, _ = server.accept()
            with self._lock:
                self.connections.append(port)
            connection.close()


def _isolate(folder: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = folder / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)


def _visio(*args: str) -> list[str]:
    return [sys.executable, "-m", "visio_desktop", *args]


def main(argv: list[str]) -> int:
    folder, seconds, extra = Path(argv[0]), argv[1], argv[2:]
    _isolate(folder)
    sinks = Sinks()
    server = subprocess.Popen(
        _visio("serve", "--host", "127.0.0.1", "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=(folder / "server.stderr").open("w"),
        text=True,
    )
    assert server.stdout is not None
    url = json.loads(server.stdout.readline())["url"]
    clients = []
    for name, more in (("speaker", extra), ("listener", [])):
        trace = folder / f"{name}.strace"
        command = [
            "strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace),
            *_visio("join", f"{url}/{ROOM}", "--headless", "--name", name, "--synthetic",
                    "--video-size", "160x90", "--fps", "10", "--duration", seconds, *more),
        ]  # fmt: skip
        out = (folder / f"{name}.jsonl").open("w")
        err = (folder / f"{name}.stderr").open("w")
        clients.append((name, subprocess.Popen(command, stdout=out, stderr=err)))
    codes = {name: client.wait(timeout=float(seconds) + 120) for name, client in clients}
    server.terminate()
    server.wait(timeout=30)
    report: dict[str, Any] = {
        "url": url,
        "exit_codes": codes,
        "dns_queries": sinks.queries,
        "tcp_sink_connections": sinks.connections,
        "pid": os.getpid(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
