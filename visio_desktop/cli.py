"""Command-line entry point: `visio-desktop COMMAND ...`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from visio_desktop import __version__
from visio_desktop.core.errors import LinkError
from visio_desktop.core.roles import Access

MESH_ROOM = 12  # each client sends to every other: a mesh is for a handful of people
SFU_ROOM = 100  # the meetings public servants hold have 10 to 100 people


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT, such as 640x360") from None
    if not (16 <= width <= 3840 and 16 <= height <= 2160) or width % 2 or height % 2:
        raise argparse.ArgumentTypeError("width and height must be even, 16 to 3840x2160")
    return width, height


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="visio-desktop", description="Sovereign meeting client and meeting server."
    )
    parser.add_argument("--version", action="version", version=f"visio-desktop {__version__}")
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check that every native piece (Qt, codecs, PortAudio, keyring, captions) loads",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run a meeting server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8470, help="0 picks a free port")
    serve.add_argument("--tls-cert", metavar="FILE")
    serve.add_argument("--tls-key", metavar="FILE")
    serve.add_argument(
        "--max-participants",
        type=int,
        help=f"people per meeting (default {MESH_ROOM} in a mesh, {SFU_ROOM} on LiveKit)",
    )
    serve.add_argument(
        "--default-access",
        choices=[str(a) for a in Access],
        default=str(Access.OPEN),
        help="who enters a meeting made without saying: anyone with the link (open), whoever "
        "a host lets in (lobby), or nobody new (locked)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep meeting records (host secrets as hashes, access levels) in DIR across "
        "restarts; without it they live in memory only",
    )
    serve.add_argument(
        "--public-url",
        type=_public_url,
        metavar="URL",
        help="the https://host a reverse proxy serves this server at (it terminates TLS)",
    )
    serve.add_argument(
        "--livekit-url",
        type=_livekit_url,
        metavar="URL",
        help="front this LiveKit server (wss://host): meetings of any size, joined through "
        "La Suite Meet's REST API; the key and secret come from LIVEKIT_API_KEY and "
        "LIVEKIT_API_SECRET or --livekit-keys-file, never from the command line",
    )
    serve.add_argument(
        "--livekit-api-url",
        type=_livekit_url,
        metavar="URL",
        help="where this server reaches LiveKit's room service, if not at --livekit-url",
    )
    serve.add_argument(
        "--redis-url",
        type=_redis_url,
        metavar="URL",
        help="with --livekit-url: keep meetings, lobbies and bans in this Redis "
        "(redis://host:6379/0, rediss:// for TLS), shared by every front behind a load "
        "balancer; its password comes from VISIO_REDIS_PASSWORD, not the command line",
    )
    serve.add_argument(
        "--livekit-keys-file",
        type=Path,
        metavar="FILE",
        help="LiveKit's key file (lines of `key: secret`, mode 600) instead of the environment",
    )

    join = commands.add_parser("join", help="join a meeting from a link")
    join.add_argument("link", help="visio://host/abc-defg-hij or https://host/abc-defg-hij")
    join.add_argument("--headless", action="store_true", help="no window; JSON lines on stdout")
    join.add_argument("--name", default="Guest", help="display name")
    join.add_argument(
        "--synthetic",
        action="store_true",
        help="send a labelled test pattern and a tone instead of camera and microphone",
    )
    join.add_argument("--wav", type=Path, help="with --synthetic: speak this WAV file")
    join.add_argument("--video-size", type=_size, default=(640, 360), metavar="WxH")
    join.add_argument("--fps", type=int, default=30, choices=range(1, 61), metavar="1-60")
    join.add_argument("--duration", type=_positive, metavar="S", help="leave after S seconds")
    join.add_argument(
        "--stats-json",
        type=Path,
        metavar="FILE",
        help="write per-participant receive figures here on leaving",
    )
    join.add_argument(
        "--stats-interval", type=_positive, metavar="S", help="print a stats line every S seconds"
    )
    join.add_argument(
        "--show",
        type=int,
        choices=range(0, 101),
        metavar="0-100",
        help="with --headless: receive the cameras of this many others, the first to come "
        "(an SFU sends only those; default 15, a page of the window's grid)",
    )
    join.add_argument("--chat", metavar="TEXT", help="post this chat line after joining")
    join.add_argument("--caption", metavar="TEXT", help="send this caption after joining")
    join.add_argument(
        "--captions",
        choices=("auto", "fr", "en"),
        help="caption your own voice on this machine, in this language (auto: fr or en)",
    )

    open_ = commands.add_parser(
        "open",
        help="open the window on a meeting link (the OS link handler uses `open -- LINK`)",
    )
    open_.add_argument(
        "link", nargs="?", help="visio://host/abc-defg-hij or https://host/abc-defg-hij"
    )

    bots = commands.add_parser("bots", help="the demo's synthetic participants (used by demo)")
    bots.add_argument("link")
    bots.add_argument("--participants", type=int, default=3, choices=range(1, 9), metavar="1-8")

    captions = commands.add_parser(
        "captions", help="speech recognition on this machine: transcribe a file, models"
    )
    from visio_desktop.captions.cli import add_arguments  # light: no model or runtime loads

    add_arguments(captions)

    check = commands.add_parser("link-check", help="parse a meeting link and print it as JSON")
    check.add_argument("link")

    new = commands.add_parser(
        "new-meeting", help="create a meeting on a server, print its link; you are its host"
    )
    new.add_argument(
        "server", nargs="?", help="https://host[:port] (default: the policy's default server)"
    )
    new.add_argument(
        "--access",
        choices=("open", "lobby", "locked"),
        help="who may enter (default: the server's default)",
    )

    demo = commands.add_parser("demo", help="a meeting with synthetic participants, locally")
    demo.add_argument("--participants", type=int, default=3, choices=range(0, 9), metavar="0-8")
    demo.add_argument("--duration", type=_positive, metavar="S", help="with --headless only")
    demo.add_argument(
        "--headless", action="store_true", help="no window: a viewer prints JSON lines"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) == 1 and "://" in arguments[0]:
        # `visio-desktop LINK`: a link is never parsed as options, whatever it starts with.
        arguments = ["open", "--", arguments[0]]
    parser = build_parser()
    args = parser.parse_args(arguments)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.selftest:
        from visio_desktop.selftest import run_selftest

        return run_selftest()
    if args.command == "link-check":
        return _link_check(args.link)
    if args.command == "serve":
        return _serve(args)
    if args.command == "join":
        return _join(args)
    if args.command == "demo":
        from visio_desktop.app import run_demo_until_stopped, run_demo_window

        if args.headless:
            return run_demo_until_stopped(args.participants, args.duration)
        return run_demo_window(args.participants)
    if args.command == "open":
        return _open(args.link)
    if args.command == "captions":
        from visio_desktop.captions.cli import run

        return run(args)
    if args.command == "bots":
        return _bots(args)
    if args.command == "new-meeting":
        from visio_desktop.app import run_new_meeting

        return run_new_meeting(args.server, args.access)
    from visio_desktop.app import run_desktop_window

    return run_desktop_window(None)


def _open(text: str | None) -> int:
    """The window on a link. A malformed link still opens the window, which says what is wrong
    (the OS hands links over without a terminal to print to)."""
    from visio_desktop.app import run_desktop_window

    return run_desktop_window(text)


def _bots(args: argparse.Namespace) -> int:
    from visio_desktop.app import run_bots_until_stopped
    from visio_desktop.core.links import parse_link

    try:
        link = parse_link(args.link)
    except LinkError as exc:
        print(f"visio-desktop: invalid link: {exc.message}", file=sys.stderr)
        return 2
    return run_bots_until_stopped(link, args.participants)


def _serve(args: argparse.Namespace) -> int:
    from visio_desktop.app import run_serve
    from visio_desktop.server.limits import Limits
    from visio_desktop.server.state import ServerConfig

    if bool(args.tls_cert) != bool(args.tls_key):
        print("visio-desktop: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    livekit = None
    redis_url = args.redis_url
    if redis_url is not None and args.data_dir is not None:
        print("visio-desktop: with --redis-url the meetings are in Redis: no --data-dir",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.livekit_url is None:
        if args.livekit_api_url or args.livekit_keys_file or redis_url:
            print("visio-desktop: the LiveKit options go with --livekit-url", file=sys.stderr)
            return 2
    else:
        from visio_desktop.server.livekit_keys import LiveKitKeysError, load_keys
        from visio_desktop.server.livekit_rooms import LiveKitFront

        try:
            keys = load_keys(args.livekit_keys_file)
        except LiveKitKeysError as exc:
            print(f"visio-desktop: {exc.message}", file=sys.stderr)
            return 2
        livekit = LiveKitFront(url=args.livekit_url, keys=keys, api_url=args.livekit_api_url)
    if args.max_participants is None:  # a mesh is for a handful; LiveKit takes a crowd
        args.max_participants = MESH_ROOM if livekit is None else SFU_ROOM
    if args.max_participants < 1:
        print("visio-desktop: --max-participants must be at least 1", file=sys.stderr)
        return 2
    config = ServerConfig(
        host=args.host,
        port=args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        public_url=args.public_url,
        limits=Limits(max_participants=args.max_participants),
        livekit=livekit,
        default_access=Access(args.default_access),
        data_dir=args.data_dir,
        redis_url=redis_url,
        redis_password=os.environ.get("VISIO_REDIS_PASSWORD") or None,
    )
    return run_serve(config)


def _redis_url(text: str) -> str:
    """redis://[:password@]host[:port][/db] or rediss://… (TLS)."""
    parts = urllib.parse.urlsplit(text)
    try:
        parts.port  # noqa: B018 (a port that is no number raises)
    except ValueError:
        parts = urllib.parse.urlsplit("")
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise argparse.ArgumentTypeError("expected redis://host[:port][/db], such as "
                                         "redis://10.0.0.30:6379/0")  # fmt: skip
    return text


def _livekit_url(text: str) -> str:
    """ws(s)://host[:port][/path] as LiveKit's clients take it (http(s) is written ws(s))."""
    parts = urllib.parse.urlsplit(text)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    if (
        scheme not in ("ws", "wss")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
    ):
        raise argparse.ArgumentTypeError(
            "expected wss://host[:port], such as wss://livekit.example.fr"
        )
    return urllib.parse.urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _public_url(text: str) -> str:
    """http(s)://host[:port] and nothing more: where clients reach a server behind a proxy."""
    parts = urllib.parse.urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise argparse.ArgumentTypeError(
            "expected https://host[:port], such as https://visio.example.fr"
        )
    return text.rstrip("/")


def _link_check(text: str) -> int:
    from visio_desktop.core.links import parse_link

    try:
        link = parse_link(text)
    except LinkError as exc:
        print(f"visio-desktop: invalid link: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(link.to_json()))
    return 0


def _join(args: argparse.Namespace) -> int:
    from visio_desktop.app import run_headless_join
    from visio_desktop.core.links import parse_link
    from visio_desktop.headless import HeadlessOptions

    try:
        link = parse_link(args.link)
    except LinkError as exc:
        print(f"visio-desktop: invalid link: {exc.message}", file=sys.stderr)
        return 2
    if not args.headless:
        from visio_desktop.app import run_desktop_window

        return run_desktop_window(args.link)
    if args.wav is not None and not args.synthetic:
        print("visio-desktop: --wav goes with --synthetic", file=sys.stderr)
        return 2
    width, height = args.video_size
    options = HeadlessOptions(
        name=args.name,
        synthetic=args.synthetic,
        wav=args.wav,
        width=width,
        height=height,
        fps=args.fps,
        duration=args.duration,
        stats_json=args.stats_json,
        chat=args.chat,
        caption=args.caption,
        stats_interval=args.stats_interval,
        captions=args.captions,
    )
    if args.show is not None:
        options = dataclasses.replace(options, show=args.show)
    return run_headless_join(link, options)
