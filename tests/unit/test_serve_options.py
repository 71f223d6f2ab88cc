"""`serve`'s LiveKit options: the URL clients are given, checked and written as LiveKit's
clients take it."""

from __future__ import annotations

import pytest

from visio_desktop.cli import MESH_ROOM, SFU_ROOM, build_parser, main
from visio_desktop.server.state import ServerConfig


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("wss://livekit.example.fr", "wss://livekit.example.fr"),
        ("https://livekit.example.fr/", "wss://livekit.example.fr"),
        ("http://127.0.0.1:7880", "ws://127.0.0.1:7880"),
        ("wss://example.fr/livekit/", "wss://example.fr/livekit"),
    ],
)
def test_livekit_urls(given: str, kept: str) -> None:
    args = build_parser().parse_args(["serve", "--livekit-url", given])
    assert args.livekit_url == kept


@pytest.mark.parametrize(
    "given",
    ["ftp://livekit.example.fr", "wss://", "wss://user:pw@livekit.example.fr", "wss://x/?a=1"],
)
def test_bad_livekit_urls_are_refused(given: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--livekit-url", given])
    assert "expected wss://host" in capsys.readouterr().err


def test_the_livekit_options_need_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--livekit-keys-file", "keys.yaml"]) == 2
    assert "go with --livekit-url" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("words", "limit"),
    [
        ([], MESH_ROOM),
        (["--livekit-url", "ws://127.0.0.1:7880"], SFU_ROOM),
        (["--livekit-url", "ws://127.0.0.1:7880", "--max-participants", "40"], 40),
        (["--max-participants", "3"], 3),
    ],
)
def test_a_meeting_holds_a_handful_in_a_mesh_and_a_crowd_on_livekit(
    words: list[str], limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "visio")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s" * 32)
    served: list[ServerConfig] = []

    def run_serve(config: ServerConfig) -> int:
        served.append(config)
        return 0

    monkeypatch.setattr("visio_desktop.app.run_serve", run_serve)
    assert main(["serve", *words]) == 0
    assert served[0].limits.max_participants == limit


def test_fronts_share_redis_with_its_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "visio")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s" * 32)
    monkeypatch.setenv("VISIO_REDIS_PASSWORD", "hunter2")
    served: list[ServerConfig] = []

    def run_serve(config: ServerConfig) -> int:
        served.append(config)
        return 0

    monkeypatch.setattr("visio_desktop.app.run_serve", run_serve)
    redis = ["--redis-url", "redis://10.0.0.30:6379/1"]
    assert main(["serve", "--livekit-url", "ws://127.0.0.1:7880", *redis]) == 0
    assert (served[0].redis_url, served[0].redis_password) == (redis[1], "hunter2")
    assert "hunter2" not in repr(served[0])
    assert main(["serve", *redis]) == 2
    assert "go with --livekit-url" in capsys.readouterr().err
    assert main(["serve", "--livekit-url", "ws://127.0.0.1:7880", *redis, "--data-dir", "x"]) == 2
    assert "no --data-dir" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--redis-url", "http://10.0.0.30"])
    assert "expected redis://host" in capsys.readouterr().err
