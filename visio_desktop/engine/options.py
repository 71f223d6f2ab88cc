"""How a meeting behaves: what to send, how hard to try to stay connected."""

from __future__ import annotations

import dataclasses
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
    """Pauses between attempts to rejoin after losing the server (about a minute in all)."""

    delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0)


@dataclass(frozen=True)
class StallRules:
    """When a peer's media counts as stalled (see engine.watchdog)."""

    check_seconds: float = 1.0
    silence_seconds: float = 3.0  # nothing for this long, after media had flowed
    first_media_seconds: float = 10.0  # nothing at all this long after (re)connecting
