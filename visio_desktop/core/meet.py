"""La Suite Meet's REST API, as data (placeholder until the meetconv branch lands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiveKitGrant:
    """Where and how to join one LiveKit room: the server's URL, the room, a token for it."""

    url: str
    room: str
    token: str
