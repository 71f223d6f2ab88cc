"""A network change during a real mesh call: two engine sessions in a network namespace of
the test's own (tests/livekit/netns.py: `lo` and a veth pair whose end carries ADDRESS), media
over ADDRESS; the script (netchange_call.py) adds a second address and removes the first, and
video must come back over the second, on new connections, by itself. Needs root (CI runs as
root), like the other namespace tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.livekit.netns import (
    ADDRESS,
    Namespace,
    Participant,
    _python_path,
    create_namespace,
    why_not_available,
)

SECOND = "10.204.0.1"  # another subnet, as a cable beside the Wi-Fi would be
DEVICE = "lkv0"


@pytest.fixture
def namespace() -> Iterator[Namespace]:
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    made = create_namespace()
    try:
        yield made
    finally:
        made.delete()


def test_video_comes_back_over_the_new_address_after_a_network_change(
    namespace: Namespace,
) -> None:
    argv = [sys.executable, "-m", "tests.engine.netchange_call", DEVICE]
    process = subprocess.Popen(
        namespace.command([*argv, f"{ADDRESS}/24", f"{SECOND}/24"]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PYTHONPATH": _python_path(), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    call = Participant("call", process)
    call.start_reading()
    try:
        flowing = call.wait_for(lambda e: e["event"] in ("flowing", "failed"), 60, "video")
        assert flowing["event"] == "flowing", flowing
        assert flowing["addresses"] == [[ADDRESS], [ADDRESS]]
        call.wait_for(lambda e: e["event"] == "changed", 10, "the change")
        back = call.wait_for(lambda e: e["event"] in ("back", "failed"), 40, "video back")
        assert back["event"] == "back", "\n".join(call.output[-80:])
        print(f"video back after {back['seconds']} s; frames since {back['frames']}")
        assert all(frames >= 15 for frames in back["frames"])
        assert back["addresses"] == [[SECOND], [SECOND]]  # the new connections use it
    finally:
        call.stop()
