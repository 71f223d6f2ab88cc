"""Strict reading of La Suite Meet's REST documents (core.meet)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from visio_desktop.core.errors import ProtocolError
from visio_desktop.core.meet import (
    LiveKitGrant,
    MeetConfig,
    MeetRoom,
    hand_attribute,
    parse_config,
    parse_room,
    websocket_url,
)

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


def test_a_public_room_gives_a_grant() -> None:
    document = {
        "id": "6f1c3a52-2d3e-4c0b-9a43-1f2e3d4c5b6a",
        "name": "abc-defg-hij",
        "slug": "abc-defg-hij",
        "configuration": {},
        "access_level": "public",
        "pin_code": "0123456789",
        "livekit": {"url": "https://livekit.example", "room": "6f1c", "token": TOKEN},
    }
    assert parse_room(document) == MeetRoom(
        slug="abc-defg-hij",
        room_id="6f1c3a52-2d3e-4c0b-9a43-1f2e3d4c5b6a",
        access_level="public",
        grant=LiveKitGrant("https://livekit.example", "6f1c", TOKEN),
    )


def test_a_room_without_livekit_has_no_grant() -> None:
    room = parse_room({"id": None, "slug": "abc-defg-hij", "access_level": "restricted"})
    assert room.grant is None and room.room_id is None


def test_the_token_stays_out_of_the_repr() -> None:
    assert TOKEN not in repr(LiveKitGrant("wss://x", "r", TOKEN))


def test_the_configuration_names_the_livekit_server() -> None:
    document = {"livekit": {"url": "https://lk.example", "force_wss_protocol": True},
                "subtitle": {"enabled": True}, "recording": {}}  # fmt: skip
    assert parse_config(document) == MeetConfig("https://lk.example", True, True)
    assert parse_config({"livekit": {"url": "wss://lk.example"}}) == MeetConfig("wss://lk.example")


@pytest.mark.parametrize(
    ("url", "ws"),
    [
        ("https://lk.example:443/x", "wss://lk.example:443/x"),
        ("HTTP://127.0.0.1:7880", "ws://127.0.0.1:7880"),
        ("wss://lk.example", "wss://lk.example"),
    ],
)
def test_livekit_urls_become_websocket_urls(url: str, ws: str) -> None:
    assert websocket_url(url) == ws


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "room",
        {"slug": ""},
        {"slug": "a", "id": 5},
        {"slug": "a", "access_level": ["public"]},
        {"slug": "a", "livekit": []},
        {"slug": "a", "livekit": {"url": "wss://x", "room": "r", "token": "a.b"}},
        {"slug": "a", "livekit": {"url": "wss://x", "room": "r", "token": "a.b.c" * 3000}},
        {"slug": "a", "livekit": {"url": "file:///etc", "room": "r", "token": "a.b.c"}},
        {"slug": "a", "livekit": {"url": "wss://x", "room": "r\n", "token": "a.b.c"}},
    ],
)
def test_malformed_rooms_are_refused(document: Any) -> None:
    with pytest.raises(ProtocolError):
        parse_room(document)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"livekit": None},
        {"livekit": {"url": ""}},
        {"livekit": {"url": "wss://x", "force_wss_protocol": 1}},
    ],
)
def test_malformed_configurations_are_refused(document: Any) -> None:
    with pytest.raises(ProtocolError):
        parse_config(document)


def test_the_hand_attribute_is_djangos_iso_time_in_utc_or_empty() -> None:
    paris = timezone(timedelta(hours=1))
    raised_at = datetime(2026, 12, 4, 17, 30, 5, 123456, tzinfo=paris)
    assert hand_attribute(True, raised_at) == "2026-12-04T16:30:05.123456+00:00"
    assert hand_attribute(False, raised_at) == ""
    with pytest.raises(ValueError):
        hand_attribute(True, datetime(2026, 12, 4))
