"""What LiveKit sends is decoded strictly: a frame that is not the message it should be is
dropped (and logged), and nothing is raised into the connection's loops."""

from __future__ import annotations

import json

import pytest
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.rtc.livekit.events import parse
from visio_desktop.rtc.livekit.ice import trickled_candidate


def test_a_valid_frame_is_decoded() -> None:
    frame = lr.SignalResponse(pong_resp=lr.Pong(last_ping_timestamp=42)).SerializeToString()
    response = parse(lr.SignalResponse, frame, "signalling frame")
    assert response is not None and response.pong_resp.last_ping_timestamp == 42


@pytest.mark.parametrize("frame", [b"\xff\xff\xff", b"\x0a\x05ab", "a JSON text frame"])
def test_a_malformed_frame_is_dropped(frame: bytes | str, caplog: pytest.LogCaptureFixture) -> None:
    assert parse(lm.DataPacket, frame, "data packet") is None
    if isinstance(frame, bytes):
        assert "malformed data packet" in caplog.text


@pytest.mark.parametrize(
    "candidate_init",
    [
        "",
        "not json",
        "[" * 100_000 + "]" * 100_000,
        '{"candidate": "candidate:1 1 udp"}',
        '"a string"',
        '{"candidate": ""}',
        '{"candidate": "candidate:1 1 udp 2130706431 host.local 9 typ host"}',
    ],
)
def test_unreadable_trickled_candidates_are_dropped(candidate_init: str) -> None:
    assert trickled_candidate(candidate_init) is None


def test_a_trickled_candidate_is_read() -> None:
    line = "candidate:1 1 udp 2130706431 127.0.0.1 7882 typ host"
    candidate = trickled_candidate(json.dumps({"candidate": line, "sdpMid": "0"}))
    assert candidate is not None
    assert (candidate.ip, candidate.port, candidate.sdpMid) == ("127.0.0.1", 7882, "0")
