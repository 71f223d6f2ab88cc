"""The user's settings: typed, saved as TOML under the platformdirs config folder.

(Skeleton: loading, saving and migrations are being written; the shapes below are agreed.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

SETTINGS_VERSION = 1
MAX_RECENT = 10


@dataclass(frozen=True)
class RecentMeeting:
    """A meeting the user joined: its link (as https:// or visio://), room and host."""

    link: str
    room: str
    host: str
    joined_at: float  # time.time()


@dataclass(frozen=True)
class Settings:
    display_name: str = ""
    language: str = ""  # "" follows the system locale; otherwise "en" or "fr"
    caption_size: int = 16  # points
    captions_on: bool = True
    camera: str = ""  # device names; "" is the system default
    microphone: str = ""
    speaker: str = ""
    server_url: str = ""  # "" means the embedded server
    known_hosts: tuple[str, ...] = ()  # hosts the user has joined before
    recent: tuple[RecentMeeting, ...] = field(default_factory=tuple)
