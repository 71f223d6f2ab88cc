"""A crowd on the SFU, through our server fronting a real livekit-server: everyone hears
everyone, and receives the video it shows and no other.

Six headless clients, each its own process started as the README says (`join LINK --headless
--synthetic`), so that the real command line, headless.py's choice of what to show and its
stats file are what is tested, and the six share the machine's cores as real clients would
(six sessions on one engine thread would share one). Each shows a different number of others
(`--show`, 0 to 5) and says which in its `showing` lines."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.system.conftest import WAIT, Proc
from visio_desktop.server.runner import EmbeddedServer

ROOM = "cro-wdof-six"
PEOPLE = 6


@pytest.fixture
def clients(tmp_path: Path) -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.kill()


def start_client(front: EmbeddedServer, tmp_path: Path, number: int, show: int) -> Proc:
    args = [
        "join", f"{front.base_url}/{ROOM}", "--headless", "--synthetic",
        "--name", f"Agent {number}", "--video-size", "160x90", "--fps", "10",
        "--show", str(show), "--stats-json", str(tmp_path / f"{number}.json"),
        "--stats-interval", "0.5",
    ]  # fmt: skip
    return Proc(args, tmp_path, f"agent{number}")


def showing(client: Proc, count: int) -> list[str]:
    """The participants `client` shows once it shows `count` of them."""
    line = client.wait_for("showing", lambda r: len(r["ids"]) == count)
    return list(line["ids"])


def test_six_clients_each_hear_the_five_others_and_see_only_whom_they_show(
    front: EmbeddedServer, tmp_path: Path, clients: list[Proc], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no one's settings
    for number in range(PEOPLE):
        clients.append(start_client(front, tmp_path, number, show=number))
    ids = [str(client.wait_for("joined", timeout=WAIT * 2)["self_id"]) for client in clients]
    for number, client in enumerate(clients):
        others = set(ids) - {ids[number]}
        shown = set(showing(client, number)) if number else set()
        assert len(shown) == number and shown <= others

        def complete(
            line: dict[str, Any], others: set[str] = others, shown: set[str] = shown
        ) -> bool:
            remote = {r["participant_id"]: r for r in line["remote"]}
            return set(remote) == others and all(
                remote[o]["audio_frames"] > 0 and (o not in shown or remote[o]["video_frames"] > 0)
                for o in others
            )

        # Once audio from everyone and video from those shown have come, nothing came from
        # those not shown. (Read before anyone leaves: then the others move up and are shown.)
        remote = client.wait_for("stats", complete, timeout=WAIT * 2)["remote"]
        unseen = {
            r["display_name"]: r["video_frames"] for r in remote if r["participant_id"] not in shown
        }
        assert set(unseen.values()) <= {0}, unseen
    for client in clients:  # all at once: leaving takes each a moment
        client.popen.send_signal(signal.SIGTERM)
    for number, client in enumerate(clients):
        assert client.popen.wait(WAIT) == 0, client.tail()
        stats: dict[str, Any] = json.loads((tmp_path / f"{number}.json").read_text())
        assert {r["participant_id"] for r in stats["remote"]} <= set(ids) - {ids[number]}
