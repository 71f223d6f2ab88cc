"""Real livekit-servers on 127.0.0.1 for the tests in this folder (built by `./dev livekit`):
one node alone, and two nodes sharing one Redis; each started once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.livekit.rig import LiveKitNode, RedisServer, start_node, start_redis


@pytest.fixture(scope="session")
def livekit() -> Iterator[LiveKitNode]:
    node = start_node()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    server = start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster(redis: RedisServer) -> Iterator[tuple[LiveKitNode, LiveKitNode]]:
    """Two LiveKit nodes in one deployment: they share `redis`. Logged at info level, where
    each names its node ID when it starts."""
    first = start_node(redis, log_level="info")
    try:
        second = start_node(redis, log_level="info")
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()
