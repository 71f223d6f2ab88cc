"""`visio-desktop serve --livekit-url` as a process: the keys come from the environment or a key
file and never show on the command line or in the logs; two instances with the same keys serve
the same meeting; missing or exposed keys stop it at once with a clear message."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from livekit import api

from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode
from tests.livekit.test_signal import Recorder
from tests.system.conftest import Proc
from visio_desktop.rtc.livekit.connection import LiveKitConnection

ROOM = "two-fron-tss"
Start = Callable[..., Proc]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Start]:
    """Start `visio-desktop serve` with `env` added to a clean environment (no LiveKit keys
    inherited from the test run)."""
    started: list[Proc] = []
    saved = {name: os.environ.pop(name, None) for name in ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")}

    def start(*args: str, name: str, env: dict[str, str] | None = None) -> Proc:
        os.environ.update(env or {})
        try:
            proc = Proc(
                ["-v", "serve", "--host", "127.0.0.1", "--port", "0", *args], tmp_path, name
            )
        finally:
            for key in env or {}:
                os.environ.pop(key, None)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
    os.environ.update({k: v for k, v in saved.items() if v is not None})


def _key_file(tmp_path: Path, mode: int = 0o600) -> Path:
    path = tmp_path / "livekit-keys.yaml"
    path.write_text(f"# LiveKit keys\n{API_KEY}: {API_SECRET}\n")
    path.chmod(mode)
    return path


async def test_two_fronts_with_the_same_keys_serve_one_meeting(
    serve: Start, livekit: LiveKitNode, tmp_path: Path
) -> None:
    from_env = serve(
        "--livekit-url",
        livekit.url,
        name="front-env",
        env={"LIVEKIT_API_KEY": API_KEY, "LIVEKIT_API_SECRET": API_SECRET},
    )
    from_file = serve(
        "--livekit-url",
        livekit.url,
        "--livekit-keys-file",
        str(_key_file(tmp_path)),
        name="front-file",
    )
    urls = [str(proc.wait_for("listening")["url"]) for proc in (from_env, from_file)]
    joined = []
    tokens = []
    try:
        async with aiohttp.ClientSession() as http:
            for url, name in zip(urls, ("Ada", "Grace"), strict=True):
                address = f"{url}/api/v1.0/rooms/{ROOM}/"
                async with http.get(address, params={"username": name}) as answer:
                    assert answer.status == 200, await answer.text()
                    grant = (await answer.json())["livekit"]
                tokens.append(grant["token"])
                connection = LiveKitConnection(Recorder())
                await connection.connect(grant["url"], grant["token"])
                joined.append(connection)
        async with api.LiveKitAPI(livekit.http_url, API_KEY, API_SECRET) as service:
            listed = await service.room.list_participants(api.ListParticipantsRequest(room=ROOM))
        assert sorted(p.name for p in listed.participants) == ["Ada", "Grace"]
    finally:
        for connection in joined:
            await connection.close()
    for proc in (from_env, from_file):
        _check_quiet(proc, tokens)


def _check_quiet(proc: Proc, tokens: list[str]) -> None:
    """Neither the secret nor a token on the command line (`ps`), in the output or the
    verbose log."""
    command_line = Path(f"/proc/{proc.popen.pid}/cmdline").read_bytes()
    assert API_SECRET.encode() not in command_line
    assert proc.terminate() == 0
    log = proc.stderr_path.read_text()  # verbose: every debug line
    assert API_SECRET not in log and all(token not in log for token in tokens)
    assert all(API_SECRET not in str(line) for line in proc.seen)


def test_missing_keys_stop_it_with_a_clear_message(serve: Start, livekit: LiveKitNode) -> None:
    proc = serve("--livekit-url", livekit.url, name="no-keys")
    assert proc.exit_code() == 2
    error = proc.stderr_path.read_text()
    assert "LIVEKIT_API_KEY" in error and "--livekit-keys-file" in error


def test_a_key_file_others_can_read_is_refused(
    serve: Start, livekit: LiveKitNode, tmp_path: Path
) -> None:
    keys = _key_file(tmp_path, 0o644)
    proc = serve("--livekit-url", livekit.url, "--livekit-keys-file", str(keys), name="open-keys")
    assert proc.exit_code() == 2
    error = proc.stderr_path.read_text()
    assert "chmod 600" in error and API_SECRET not in error


def test_no_secret_on_the_command_line(serve: Start) -> None:
    """There is no option for the secret: argparse refuses one."""
    proc = serve("--livekit-url", "ws://127.0.0.1:7880", "--livekit-api-secret", "x", name="argv")
    assert proc.exit_code() == 2
    assert "unrecognized arguments" in proc.stderr_path.read_text()
