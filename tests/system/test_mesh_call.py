"""Three headless clients, each its own process, on a real server subprocess on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.system.conftest import ROOM, Proc, client_args, frame_from
from visio_desktop.core.protocol import PROTOCOL_VERSION

pytestmark = pytest.mark.system

NAMES = ("Agent 1", "Agent 2", "Agent 3")


def start_call(processes: Callable[..., Proc], url: str, tmp_path: Path, *extra: str) -> list[Proc]:
    clients = [
        processes(
            *client_args(url, name, "--stats-json", str(tmp_path / f"{n}.json"), *extra),
            name=f"client{n}",
        )
        for n, name in enumerate(NAMES)
    ]
    return clients


def self_id(client: Proc) -> str:
    return str(client.wait_for("joined")["self_id"])


def wait_media_from_all(clients: list[Proc], ids: list[str]) -> None:
    for me, client in enumerate(clients):
        for other, other_id in enumerate(ids):
            if other == me:
                continue
            for kind in ("video", "audio"):
                client.wait_for("first_remote_frame", frame_from(other_id, kind))


def test_every_client_gets_video_and_audio_from_both_others_and_chat_is_stamped(
    processes: Callable[..., Proc], server_url: str, tmp_path: Path
) -> None:
    clients = start_call(processes, server_url, tmp_path)
    ids = [self_id(c) for c in clients]
    wait_media_from_all(clients, ids)

    # A chat line typed by the third client reaches everyone, stamped with its id and name.
    spoofer = processes(
        *client_args(server_url, "Agent 4", "--chat", "Bonjour à tous"), name="chatter"
    )
    chatter_id = self_id(spoofer)
    for client in [*clients, spoofer]:
        chat = client.wait_for("chat_received", lambda r: r["text"] == "Bonjour à tous")
        assert (chat["sender"], chat["sender_name"]) == (chatter_id, "Agent 4")
    assert spoofer.terminate() == 0

    for client in clients:
        assert client.terminate() == 0
    for n, client_id in enumerate(ids):
        stats: dict[str, Any] = json.loads((tmp_path / f"{n}.json").read_text())
        remote = {r["participant_id"]: r for r in stats["remote"]}
        for other_id in ids:
            if other_id == client_id:
                continue
            assert remote[other_id]["video_frames"] > 0, stats
            assert remote[other_id]["audio_frames"] > 0, stats
            assert remote[other_id]["bytes_received"] > 0, stats
            assert remote[other_id]["video_latency_p50_ms"] is not None, stats


def test_a_killed_client_is_reported_as_left_within_five_seconds(
    processes: Callable[..., Proc], server_url: str, tmp_path: Path
) -> None:
    clients = start_call(processes, server_url, tmp_path)
    ids = [self_id(c) for c in clients]
    wait_media_from_all(clients, ids)
    victim = clients[2]
    killed_at = time.time()
    victim.kill()
    for client in clients[:2]:
        left = client.wait_for(
            "participant_left", lambda r: r["participant_id"] == ids[2], timeout=5.0
        )
        assert left["reason"] == "disconnected"
        assert left["display_name"] == "Agent 3"
        assert left["t"] - killed_at < 5.0


def test_malformed_messages_get_errors_while_the_call_goes_on(
    processes: Callable[..., Proc], server_url: str, tmp_path: Path
) -> None:
    clients = start_call(processes, server_url, tmp_path, "--stats-interval", "0.5")[:2]
    ids = [self_id(c) for c in clients]
    clients[0].wait_for("first_remote_frame", lambda r: r["kind"] == "video")
    before = clients[0].wait_for("stats", lambda r: _frames(r, ids[1]) > 0)

    ws_url = server_url.replace("http://", "ws://") + "/ws"
    with connect(ws_url) as abuser:
        abuser.send(f'{{"type":"hello","protocol":{PROTOCOL_VERSION},"client":"fuzzer"}}')
        assert json.loads(abuser.recv(timeout=10))["type"] == "welcome"
        abuser.send(f'{{"type":"join","room":"{ROOM}","display_name":"fuzzer"}}')
        assert json.loads(abuser.recv(timeout=10))["type"] == "joined"
        garbage = [
            "{",
            "[]",
            '{"type":"nope"}',
            '{"type":"chat","text":7}',
            "x" * 70_000,
            '{"type":"signal","to":"nobody","kind":"offer","sdp":"v=0"}',
        ]
        replies = []
        for frame in garbage:
            abuser.send(frame)
            replies.append(_next_reply(abuser))
        assert [r["type"] for r in replies] == ["error"] * len(garbage)
        assert replies[4]["code"] == "too_large"
        abuser.send('{"type":"ping","nonce":5}')
        assert _next_reply(abuser) == {"type": "pong", "nonce": 5}

    # The others saw the fuzzer come and go, and their media kept flowing.
    clients[0].wait_for("participant_left", lambda r: r["display_name"] == "fuzzer")
    clients[0].wait_for("stats", lambda r: _frames(r, ids[1]) > _frames(before, ids[1]) + 15)


def _next_reply(ws: ClientConnection) -> dict[str, Any]:
    """The server's next error or pong, past the offers and news a participant also gets."""
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=10))
        if message["type"] in ("error", "pong"):
            return message


def _frames(record: dict[str, Any], participant_id: str) -> int:
    return sum(r["video_frames"] for r in record["remote"] if r["participant_id"] == participant_id)


def test_bad_link_and_unreachable_server_exit_with_a_clear_message(
    processes: Callable[..., Proc],
) -> None:
    bad = processes("join", "https://trusted@evil.example/abc-defg-hij", "--headless", name="bad")
    assert bad.exit_code() == 2
    assert "userinfo" in bad.stderr_path.read_text()
    gone = processes("join", "http://127.0.0.1:9/abc-defg-hij", "--headless", name="gone")
    assert gone.exit_code() == 1
    assert "could not reach the meeting server" in gone.stderr_path.read_text()
