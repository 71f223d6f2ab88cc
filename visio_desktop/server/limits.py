"""Per-connection limits: a token bucket for message rate and one for strikes (abuse)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second; `take()` spends one if it can."""

    capacity: float
    rate: float
    clock: Callable[[], float] = time.monotonic
    _tokens: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens = self.capacity
        self._stamp = self.clock()

    def take(self, cost: float = 1.0) -> bool:
        now = self.clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False


@dataclass(frozen=True)
class Limits:
    """What one connection may do, and what the server takes before it sheds load.

    A breach of a per-message limit gets an error; too many breaches close the connection.
    The connection caps and the handshake deadline are enforced by `server.gate`; the
    defaults leave room for a meeting of tens of clients on one machine or behind one NAT.
    """

    max_frame_bytes: int = 64 * 1024
    messages_per_second: float = 40.0
    message_burst: float = 120.0
    strikes_allowed: float = 20.0
    strikes_forgiven_per_second: float = 0.5
    max_participants: int = 12
    # Bytes queued for one client past which it is dropped as a slow reader.
    outbound_queue_bytes: int = 1024 * 1024
    handshake_seconds: float = 5.0
    max_connections_per_address: int = 256
    max_pending_handshakes: int = 256
    # Overload: new joins are refused with server_busy past either of these.
    busy_delivery_seconds: float = 1.0
    busy_queued_bytes: int = 64 * 1024 * 1024
    # Meeting records kept (`server.meetings`); past this the least recently used empty one goes.
    max_meetings: int = 10_000
    # People waiting in one meeting's lobby; more are refused with room_full.
    max_waiting: int = 50
    # How long someone may wait in a lobby before they are turned away (the handshake deadline
    # ends when they start waiting).
    lobby_wait_seconds: float = 30 * 60.0
