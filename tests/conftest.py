"""Fixtures every test folder may use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from visio_desktop.server.runner import EmbeddedServer


@pytest.fixture
def server() -> Iterator[EmbeddedServer]:
    """The embedded meeting server on 127.0.0.1, in this process (tests/server has its own)."""
    running = EmbeddedServer()
    running.start()
    yield running
    running.stop()
