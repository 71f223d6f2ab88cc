"""A real livekit-server on 127.0.0.1 for the tests in this folder (built by `./dev livekit`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.livekit.rig import LiveKitNode, start_node


@pytest.fixture(scope="session")
def livekit() -> Iterator[LiveKitNode]:
    node = start_node()
    yield node
    node.stop()
