"""A network change during a real mesh call, in network namespaces the test makes
(netchange_rig.py): video must come back over the new address, on new connections, by
itself. Once with the meeting server on 127.0.0.1 (the signalling survives: the peers are
restarted), once with the server in a second namespace at the veth's other end (the
signalling socket dies with the old address: the sessions rejoin). Needs root (CI runs as
root), like the other namespace tests. How fast it comes back is measured by
benchmarks/netchange.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.netchange_rig import SECOND, Outcome, change_network
from tests.livekit.netns import ADDRESS, Namespace, create_namespace, why_not_available


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


def check_video_came_back(outcome: Outcome) -> None:
    assert outcome.flowing["event"] == "flowing", "\n".join(outcome.output[-80:])
    assert outcome.flowing["addresses"] == [[ADDRESS], [ADDRESS]]
    back = outcome.back
    assert back["event"] == "back", "\n".join(outcome.output[-80:])
    print(f"video back after {back['seconds']} s; frames since {back['frames']}")
    assert all(frames >= 15 for frames in back["frames"])
    assert back["addresses"] == [[SECOND], [SECOND]]  # the new connections use it


def test_video_comes_back_over_the_new_address_after_a_network_change(
    namespace: Namespace, tmp_path: Path
) -> None:
    outcome = change_network(namespace, remote=False, workdir=tmp_path)
    check_video_came_back(outcome)
    assert not any("reconnect" in line for line in outcome.output)  # peers restarted only
    assert all("connection_state_changed" not in events[4:] for events in outcome.back["events"])


def test_sessions_whose_server_socket_died_with_the_old_address_rejoin(
    namespace: Namespace, tmp_path: Path
) -> None:
    outcome = change_network(namespace, remote=True, workdir=tmp_path)
    check_video_came_back(outcome)
    print("\n".join(line for line in outcome.output if "visio_desktop" in line))
    assert any("address is gone" in line for line in outcome.output)
    assert all("connection_state_changed" in events[4:] for events in outcome.back["events"])
