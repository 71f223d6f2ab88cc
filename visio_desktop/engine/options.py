"""How a meeting behaves: what to send, how hard to try to stay connected."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass

from visio_desktop.media.sources import MediaSources, NoSources


@dataclass(frozen=True)
class MediaOptions:
    """What to send when joining. Both start off unless the user turned them on."""

    audio: bool = False
    video: bool = False
    sources: MediaSources = dataclasses.field(default_factory=NoSources)


@dataclass(frozen=True)
class ReconnectPolicy:
    """When to try to rejoin after losing the server.

    While the outage is young (`quick_for` seconds), an attempt every `quick_every` seconds,
    jittered by half of it either way so that a roomful of clients does not knock in step: a
    server that restarts gets everyone back within about that interval of its return, and an
    attempt against a server that is down costs a refused connection. Then the backoff
    `delays` (about a minute more) before giving up."""

    delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0)
    quick_for: float = 20.0
    quick_every: float = 0.25

    def pauses(self, rng: random.Random | None = None) -> Iterator[float]:
        """The pause before each attempt, in order."""
        rng = rng or random.Random()
        waited = 0.0
        while waited < self.quick_for:
            pause = self.quick_every * rng.uniform(0.5, 1.5)
            waited += pause
            yield pause
        yield from self.delays


@dataclass(frozen=True)
class StallRules:
    """When a peer's media counts as stalled (see engine.watchdog)."""

    check_seconds: float = 1.0
    silence_seconds: float = 3.0  # nothing for this long, after media had flowed
    first_media_seconds: float = 10.0  # nothing at all this long after (re)connecting


@dataclass(frozen=True)
class AddressRules:
    """How often to read this machine's addresses during a call, and how many readings in a
    row a new set must stay before the media connections move to it (see rtc.addresses)."""

    check_seconds: float = 0.5
    settle_checks: int = 2
