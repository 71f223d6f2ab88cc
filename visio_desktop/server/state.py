"""What one meeting server holds in memory: its settings, rooms, live connections and load."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from visio_desktop import __version__
from visio_desktop.core.protocol import IceServer, MediaPlane, Message
from visio_desktop.core.roles import Access, LobbyEntry
from visio_desktop.server.gate import Gate
from visio_desktop.server.limits import Limits
from visio_desktop.server.meetings import MeetingBook
from visio_desktop.server.rooms import RoomRegistry

if TYPE_CHECKING:
    from visio_desktop.server.connection import Connection
    from visio_desktop.server.livekit_rooms import LiveKitFront


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8470
    ice_servers: tuple[IceServer, ...] = ()
    limits: Limits = field(default_factory=Limits)
    tls_cert: str | None = None
    tls_key: str | None = None
    # Where clients reach this server when it sits behind a reverse proxy that terminates TLS,
    # such as "https://visio.example.gouv.fr"; otherwise the address of each request is used.
    public_url: str | None = None
    # Set, the server fronts LiveKit (`serve --livekit-url`): its rooms are SFU rooms, joined
    # through La Suite Meet's REST API (`server.meet_front`), not through /ws.
    livekit: LiveKitFront | None = None
    # The access level of meetings made without one: ad-hoc rooms, and POSTs that name none.
    default_access: Access = Access.OPEN
    # Where meeting records are kept across restarts (`serve --data-dir`); None: memory only.
    data_dir: Path | None = None
    # A front's shared store (`serve --redis-url`, `server.redis_store`): meeting records,
    # lobbies, bans and role changes in Redis, so that several fronts serve the same meetings.
    redis_url: str | None = None
    # Redis' password when `redis_url` has none (`VISIO_REDIS_PASSWORD`); never shown.
    redis_password: str | None = field(default=None, repr=False)


class DeliveryDelay:
    """The worst delay between queueing a frame and writing it, over the last one or two
    windows: a spike is remembered for a while, and forgotten once delivery is quick again."""

    def __init__(self, window: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._start = clock()
        self._current = 0.0
        self._previous = 0.0

    def _roll(self) -> None:
        now = self._clock()
        elapsed = now - self._start
        if elapsed >= self._window:
            self._previous = self._current if elapsed < 2 * self._window else 0.0
            self._current = 0.0
            self._start = now

    def observe(self, seconds: float) -> None:
        self._roll()
        self._current = max(self._current, seconds)

    @property
    def seconds(self) -> float:
        self._roll()
        return max(self._current, self._previous)


class ServerState:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.limits = config.limits
        self.ice_servers = config.ice_servers
        self.media_plane = MediaPlane.MESH if config.livekit is None else MediaPlane.SFU
        self.server_name = f"visio-desktop {__version__}"
        self.rooms = RoomRegistry(config.limits.max_participants)
        self.connections: dict[str, Connection] = {}
        # Who waits in each room's lobby, by participant id, in the order they knocked.
        self.lobbies: dict[str, dict[str, LobbyEntry]] = {}
        self.meetings = MeetingBook(
            config.limits.max_meetings,
            config.default_access,
            config.data_dir,
            in_use=lambda slug: self.rooms.get(slug) is not None or slug in self.lobbies,
        )
        self.gate = Gate(config.limits)
        self.delivery = DeliveryDelay()
        self.queued_bytes = 0  # over every connection's outbound queue
        self.dropped_slow_readers = 0
        self.refused_joins = 0

    def overload(self) -> str | None:
        """Why the server should take no one else now, or None when it is fine."""
        if self.queued_bytes > self.limits.busy_queued_bytes:
            return f"{self.queued_bytes} bytes wait to be sent"
        delay = self.delivery.seconds
        if delay > self.limits.busy_delivery_seconds:
            return f"delivery takes {delay:.2f} s"
        return None

    def send_to(self, participant_id: str, message: Message) -> None:
        connection = self.connections.get(participant_id)
        if connection is not None:
            connection.send(message)

    def broadcast(self, slug: str, message: Message, exclude: Connection | None = None) -> None:
        room = self.rooms.get(slug)
        if room is None:
            return
        for participant_id in room.participants:
            connection = self.connections.get(participant_id)
            if connection is not None and connection is not exclude:
                connection.send(message)
