"""`serve`'s LiveKit options: the URL clients are given, checked and written as LiveKit's
clients take it."""

from __future__ import annotations

import pytest

from visio_desktop.cli import build_parser, main


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
