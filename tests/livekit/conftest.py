"""Real livekit-servers on 127.0.0.1 for the tests in this folder (built by `./dev livekit`):
one node alone, and two nodes sharing one Redis; each started once per test session. Our
meeting server fronting the lone node is shared too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.livekit.interop import Room
from tests.livekit.netns import NamespacedNode, start_node_in_namespace, why_not_available
from tests.livekit.rig import LiveKitNode, RedisServer, free_port, start_node, start_redis
from visio_desktop.core.links import new_room_slug
from visio_desktop.server.limits import Limits
from visio_desktop.server.livekit_keys import LiveKitKeys
from visio_desktop.server.livekit_rooms import LiveKitFront
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig

CROWD = 24


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


@pytest.fixture(scope="session")
def node_in_namespace() -> Iterator[NamespacedNode]:
    """livekit-server in a network namespace of the tests' own, for LiveKit's SDK (netns.py);
    the tests that need it skip when not run as root (CI runs as root)."""
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    node = start_node_in_namespace()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def room(node_in_namespace: NamespacedNode) -> Iterator[Room]:
    """A fresh room on the namespace's server; the participants started in it stop after."""
    yield Room(node_in_namespace, new_room_slug())
    node_in_namespace.stop_participants()


@pytest.fixture(scope="session")
def sfu_front(livekit: LiveKitNode) -> Iterator[EmbeddedServer]:
    """Our meeting server in front of `livekit` (`serve --livekit-url`), in a thread of its own,
    for rooms of up to `CROWD` people."""
    keys = LiveKitKeys(livekit.api_key, livekit.api_secret)
    config = ServerConfig(
        host="127.0.0.1",
        port=0,
        limits=Limits(max_participants=CROWD),
        livekit=LiveKitFront(url=livekit.url, keys=keys),
    )
    server = EmbeddedServer(config)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook_port() -> int:
    """Where a test module's front takes LiveKit's webhooks (`livekit_with_webhooks`)."""
    return free_port()


@pytest.fixture(scope="module")
def livekit_with_webhooks(webhook_port: int) -> Iterator[LiveKitNode]:
    """A livekit-server of the test module's own that posts its webhooks to our front on
    `webhook_port`."""
    node = start_node(webhook=f"http://127.0.0.1:{webhook_port}/livekit/webhook")
    yield node
    node.stop()
