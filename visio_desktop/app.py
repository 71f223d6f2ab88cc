"""Builds everything in one place: the server, the engine and the front ends, per command."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from visio_desktop.core.errors import VisioError
from visio_desktop.core.links import MeetingLink, new_room_slug
from visio_desktop.core.policy import load_policy
from visio_desktop.core.roles import Access
from visio_desktop.core.secrets import KeyringSecrets, host_secret_key
from visio_desktop.core.settings_file import load_settings, settings_path
from visio_desktop.demo import run_bots, run_demo
from visio_desktop.headless import HeadlessOptions, run_join
from visio_desktop.server.runner import RunningServer, serve_forever
from visio_desktop.server.state import ServerConfig
from visio_desktop.signaling.create import create_meeting

__all__ = [
    "run_bots_until_stopped",
    "run_demo_until_stopped",
    "run_demo_window",
    "run_desktop_window",
    "run_headless_join",
    "run_new_meeting",
    "run_serve",
]


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, so a front end can leave the meeting cleanly."""
    stop = threading.Event()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(signum: int, frame: object) -> None:
        # The handler runs on the main thread, possibly inside stop.wait() holding the event's
        # lock: setting the event from here would deadlock, so another thread sets it.
        threading.Thread(target=stop.set, name="visio-signal", daemon=True).start()

    for signum in previous:
        signal.signal(signum, on_signal)
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_serve(config: ServerConfig) -> int:

    def ready(server: RunningServer) -> None:
        example = f"{server.base_url}/{new_room_slug()}"
        print(json.dumps({"event": "listening", "url": server.base_url, "example": example}))
        sys.stdout.flush()

    serve_forever(config, ready)
    return 0


def run_demo_until_stopped(participants: int, duration: float | None) -> int:
    with _stop_on_signals() as stop:
        return run_demo(participants, duration, stop)


def run_headless_join(link: MeetingLink, options: HeadlessOptions) -> int:
    """A headless join under the system policy, as the window would be; the hosts the user
    joined before (their settings) count as known, as in the window."""
    policy, problems = load_policy()
    for problem in problems:
        print(f"visio-desktop: system policy: {problem}", file=sys.stderr)
    settings, _ = load_settings(settings_path())
    with _stop_on_signals() as stop:
        return run_join(link, options, stop, policy=policy, known_hosts=settings.known_hosts)


def run_bots_until_stopped(link: MeetingLink, participants: int) -> int:
    """The demo window's synthetic participants; they leave when stdin closes or on a signal."""
    with _stop_on_signals() as stop:
        threading.Thread(target=_stop_at_eof, args=(stop,), name="stdin-eof", daemon=True).start()
        return run_bots(link, participants, stop)


def _stop_at_eof(stop: threading.Event) -> None:
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(4096):
            pass
    stop.set()


def run_desktop_window(link_text: str | None) -> int:
    from visio_desktop.desktop import run_desktop  # Qt loads only for the window

    return run_desktop(link_text)


def run_demo_window(participants: int) -> int:
    from visio_desktop.desktop import DemoPlan, run_desktop

    return run_desktop(None, DemoPlan(participants=participants))


def run_new_meeting(server: str | None, access: str | None) -> int:
    """`visio-desktop new-meeting`: create a meeting, keep its host secret in the OS keyring
    (joining it from this account then makes you its host), and print its link."""
    policy, problems = load_policy()
    for problem in problems:
        print(f"visio-desktop: system policy: {problem}", file=sys.stderr)
    server = server or policy.default_server
    if not server:
        print("visio-desktop: name a server, as in https://visio.example.fr", file=sys.stderr)
        return 2
    try:
        created = asyncio.run(
            create_meeting(
                server, Access(access) if access else policy.default_access, policy=policy
            )
        )
    except VisioError as exc:
        print(f"visio-desktop: {exc.message}", file=sys.stderr)
        return 1
    secrets = KeyringSecrets()
    secrets.set(host_secret_key(created.link), created.host_secret)
    if not secrets.persistent:
        print(
            "visio-desktop: no usable keyring: the host secret is lost when this command ends",
            file=sys.stderr,
        )
    print(created.link.web_url)
    return 0
