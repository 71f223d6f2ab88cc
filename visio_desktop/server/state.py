"""What one meeting server holds in memory: its settings, rooms and live connections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from visio_desktop import __version__
from visio_desktop.core.protocol import IceServer, MediaPlane, Message
from visio_desktop.server.limits import Limits
from visio_desktop.server.rooms import RoomRegistry

if TYPE_CHECKING:
    from visio_desktop.server.connection import Connection


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


class ServerState:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.limits = config.limits
        self.ice_servers = config.ice_servers
        self.media_plane = MediaPlane.MESH
        self.server_name = f"visio-desktop {__version__}"
        self.rooms = RoomRegistry(config.limits.max_participants)
        self.connections: dict[str, Connection] = {}

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
