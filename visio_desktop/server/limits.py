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
    """What one connection may do. A breach gets an error; too many breaches close it."""

    max_frame_bytes: int = 64 * 1024
    messages_per_second: float = 40.0
    message_burst: float = 120.0
    strikes_allowed: float = 20.0
    strikes_forgiven_per_second: float = 0.5
    max_participants: int = 12
    outbound_queue: int = 512
