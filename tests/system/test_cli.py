"""The commands as a person types them: the demo meeting and link-check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.system.conftest import Proc, frame_from
from visio_desktop.demo import BOT_NAMES

pytestmark = pytest.mark.system


def test_demo_is_a_living_meeting(processes: Callable[..., Proc]) -> None:
    demo = processes("demo", "--headless", "--participants", "2", name="demo")
    link = demo.wait_for("demo")["link"]
    assert link.startswith("http://127.0.0.1:")
    joined = demo.wait_for("joined")
    names = {p["display_name"] for p in joined["participants"]}
    assert names == {*BOT_NAMES[:2], "Viewer"}
    bots = {p["id"] for p in joined["participants"] if p["display_name"] != "Viewer"}
    for bot in bots:
        demo.wait_for("first_remote_frame", frame_from(bot))
    chats = {demo.wait_for("chat_received")["sender"] for _ in bots}
    assert chats == bots
    final = demo.wait_for("caption_received", lambda r: r["final"])
    assert final["sender"] in bots and final["language"] in ("en", "fr")
    stats = demo.wait_for("stats")
    assert {r["participant_id"] for r in stats["remote"]} == bots
    assert all(r["video_frames"] > 0 and r["audio_frames"] > 0 for r in stats["remote"])
    assert demo.terminate() == 0


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visio_desktop", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_link_check_prints_the_parts_or_the_reason() -> None:
    ok = run("link-check", "VISIO://Visio.Numerique.Gouv.FR:8443/ABCDEFGHIJ")
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {
        "scheme": "visio",
        "host": "visio.numerique.gouv.fr",
        "port": 8443,
        "room": "abc-defg-hij",
    }
    bad = run("link-check", "javascript:alert(1)")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "scheme" in bad.stderr


def test_a_link_starting_with_a_dash_is_never_an_option() -> None:
    result = run("link-check", "--", "--help")
    assert result.returncode == 2
    assert "invalid link" in result.stderr


def test_the_window_without_a_display_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "visio_desktop", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no graphical display" in done.stderr and "demo --headless" in done.stderr


def test_captions_transcribe_explains_an_unreadable_file(tmp_path: Path) -> None:
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("these are not audio samples")
    done = run("captions", "transcribe", str(not_wav), "--lang", "fr")
    assert done.returncode == 2
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr
