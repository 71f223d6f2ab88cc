"""What a backend's own notices (`signaling.notices`: news about the connection, figures the
server measures) mean to a front end, as engine events."""

from __future__ import annotations

from visio_desktop.core.kinds import TileKey
from visio_desktop.core.protocol import Message
from visio_desktop.engine import events as ev
from visio_desktop.signaling.notices import (
    ConnectionQualities,
    MediaServerResumed,
    MediaServerResuming,
    Speakers,
)


def notice_events(message: Message) -> list[ev.Event] | None:
    """The events for a backend notice, or None when `message` is not one."""
    match message:
        case MediaServerResuming():
            return [ev.ConnectionStateChanged(ev.ConnectionState.RECONNECTING, "resuming")]
        case MediaServerResumed():
            return [ev.ConnectionStateChanged(ev.ConnectionState.CONNECTED)]
        case Speakers():
            return [ev.AudioLevels(tuple((TileKey.camera(p), v) for p, v in message.levels))]
        case ConnectionQualities():
            return [ev.QualityReported(pid, quality) for pid, quality in message.qualities]
    return None
