"""Property: whatever a client sends, the server answers with protocol frames and stays up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection, connect

from tests.unit.test_protocol import EXAMPLES, json_values
from visio_desktop.core.protocol import PROTOCOL_VERSION
from visio_desktop.core.wire import decode, encode
from visio_desktop.server.runner import EmbeddedServer


@pytest.fixture(scope="module")
def ws_url() -> Iterator[str]:
    server = EmbeddedServer()
    server.start()
    yield server.base_url.replace("http://", "ws://") + "/ws"
    server.stop()


@contextmanager
def joined_client(url: str) -> Iterator[ClientConnection]:
    with connect(url, max_size=2**20) as ws:
        ws.send(f'{{"type":"hello","protocol":{PROTOCOL_VERSION},"client":"fuzz"}}')
        ws.send('{"type":"join","room":"fuz-zzzz-zzz","display_name":"fuzz"}')
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        assert json.loads(ws.recv(timeout=10))["type"] == "joined"
        yield ws


def mutated(message: Any, key_index: int, value: Any) -> str:
    data = json.loads(encode(message))
    keys = sorted(data)
    data[keys[key_index % len(keys)]] = value
    return json.dumps(data)


frames = st.lists(
    st.text(max_size=200)
    | st.binary(max_size=200)
    | json_values.map(json.dumps)
    | st.builds(mutated, st.sampled_from(EXAMPLES), st.integers(0, 10), json_values),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(frames)
def test_the_server_survives_any_frames(ws_url: str, sent: list[str | bytes]) -> None:
    with joined_client(ws_url) as ws:
        for frame in sent:
            ws.send(frame)
        ws.send('{"type":"ping","nonce":424242}')
        while True:  # every reply decodes; the pong proves the connection is still served
            reply = decode(ws.recv(timeout=10))
            if reply.TYPE == "pong" and getattr(reply, "nonce", None) == 424242:
                break
    with joined_client(ws_url) as other:  # and the server still takes new clients
        other.send('{"type":"ping","nonce":1}')
        assert json.loads(other.recv(timeout=10)) == {"type": "pong", "nonce": 1}
