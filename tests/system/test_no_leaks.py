"""A real call with captions on reaches nothing but its own meeting server and peers.

Two headless clients (the speaker with captions on, speaking a WAV file) and the meeting server
run inside a network namespace and mount namespace this test creates (`tests/system/sandbox.py`):
only `lo`, a DNS sink as the resolver and TCP sinks on 80 and 443, and strace on both clients
and their children (the captions worker). The test fails on any destination other than the
meeting's own host, 127.0.0.1, and on any DNS query or sink connection. This is how onnxruntime's
telemetry (a lookup of mobile.events.data.microsoft.com, then TLS) and aioice's mDNS were found.
Needs root (CI runs as root), unshare and strace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.captions.speech import ENGLISH, utterances, write_wav
from visio_desktop.captions.models import find_model

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("strace")),
        reason="needs root, unshare and strace (CI runs as root; ./dev installs strace)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 15
# Where a traced call sends to: sin_addr / inet_pton addresses and their ports.
_INET_RE = re.compile(
    r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)'
)
_INET6_RE = re.compile(
    r'sa_family=AF_INET6, sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"'
)
_FAMILY_RE = re.compile(r"sa_family=(AF_[A-Z0-9]+)")
_SINK_PORTS = {53, 80, 443, 5353}  # DNS, the web sinks, mDNS: never the meeting's own


def destinations(trace: str) -> list[tuple[str, int, str]]:
    """(address, port, line) of every traced connect/sendto/sendmsg naming an IP address;
    a line naming another family than IP, local sockets and netlink, is one too ("?")."""
    found: list[tuple[str, int, str]] = []
    for line in trace.splitlines():
        for regex in (_INET_RE, _INET6_RE):
            found += [(addr, int(port), line) for port, addr in regex.findall(line)]
        for family in _FAMILY_RE.findall(line):
            if family not in ("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"):
                found.append(("?", 0, line))
    return found


def test_a_call_with_captions_reaches_only_the_meeting(tmp_path: Path) -> None:
    models = tmp_path / "models"
    assert find_model("whisper-base", models) is not None, "the test model is missing"
    wav = write_wav(tmp_path / "speech.wav", utterances(ENGLISH[:2], tmp_path))
    run = tmp_path / "run"
    run.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "VISIO_MODELS_DIR": str(models),
    }
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the application must switch it off itself
    done = subprocess.run(
        ["unshare", "-n", "-m", sys.executable, "-m", "tests.system.sandbox", str(run),
         str(SECONDS), "--wav", str(wav), "--captions", "en"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SECONDS + 150, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["exit_codes"] == {"speaker": 0, "listener": 0}, report

    # It was a real call with captions: the listener received the speaker's final captions.
    lines = [json.loads(line) for line in (run / "listener.jsonl").read_text().splitlines()]
    finals = [r for r in lines if r["event"] == "caption_received" and r["final"]]
    assert finals and finals[0]["sender_name"] == "speaker", lines[-5:]

    assert report["dns_queries"] == [], "a client looked a name up"
    assert report["tcp_sink_connections"] == [], "a client connected to a web port"
    for name in ("speaker", "listener"):
        seen = destinations((run / f"{name}.strace").read_text())
        assert seen, f"{name}: nothing traced (strace failed?)"
        wrong = [line for addr, port, line in seen if addr != "127.0.0.1" or port in _SINK_PORTS]
        assert wrong == [], f"{name} reached beyond its meeting: {wrong[:5]}"
