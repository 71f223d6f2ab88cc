"""Fixtures every test folder may use."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from tests.memory_keyring import MemoryKeyring
from visio_desktop.engine.thread import EngineThread
from visio_desktop.rtc import opus
from visio_desktop.server.runner import EmbeddedServer


@pytest.fixture
def server() -> Iterator[EmbeddedServer]:
    """The embedded meeting server on 127.0.0.1, in this process (tests/server has its own)."""
    running = EmbeddedServer()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def engine() -> Iterator[EngineThread]:
    """An engine thread of the test's own, stopped at the end."""
    thread = EngineThread()
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process's keyring is an empty in-memory one for this test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def libopus_encodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The length of each PCM block libopus encoded, anywhere in the process (one call each)."""
    calls: list[int] = []
    encode = opus.Encoder.encode

    def counted(self: opus.Encoder, pcm: opus.Pcm | bytes) -> bytes:
        calls.append(len(pcm))
        return encode(self, pcm)

    monkeypatch.setattr(opus.Encoder, "encode", counted)
    yield calls
