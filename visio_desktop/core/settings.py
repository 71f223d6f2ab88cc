"""The user's settings: the typed model and the rules that keep each value valid.

Every function here is total: it cleans or clamps instead of raising, except
`normalise_server_url`, which says why an address is refused. Where the settings are stored,
and how a damaged file is repaired, is `core.settings_file`. Secrets never go here: they live in
the OS keyring.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import is_host_allowed, parse_link

__all__ = [
    "LANGUAGES",
    "MAX_CAPTION_SIZE",
    "MAX_DISPLAY_NAME",
    "MAX_RECENT",
    "MIN_CAPTION_SIZE",
    "RecentMeeting",
    "Settings",
    "clamp_caption_size",
    "clean_display_name",
    "clean_settings",
    "knows_host",
    "normalise_server_url",
    "remember_meeting",
    "unique_recent",
]

MAX_RECENT = 10
MAX_DISPLAY_NAME = 64
MIN_CAPTION_SIZE = 10
MAX_CAPTION_SIZE = 48
LANGUAGES = ("", "en", "fr")  # "" follows the system locale
_PLACEHOLDER_ROOM = "aaa-aaaa-aaa"
_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: part of Persian, Indic, emoji


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
    caption_language: str = ""  # the language I speak: "" detects French or English
    camera: str = ""  # device names; "" is the system default
    microphone: str = ""
    speaker: str = ""
    camera_hd: bool = False  # send 1280x720 instead of 640x360
    server_url: str = ""  # "" means the embedded server
    known_hosts: tuple[str, ...] = ()  # hosts the user has joined before
    recent: tuple[RecentMeeting, ...] = field(default_factory=tuple)


def clean_display_name(text: str) -> str:
    """Strip spaces, drop control and format characters (bidi overrides...) but the joiners
    some scripts need, and keep at most MAX_DISPLAY_NAME characters."""
    kept = "".join(c for c in text if c in _JOINERS or unicodedata.category(c) not in ("Cc", "Cf"))
    return kept.strip()[:MAX_DISPLAY_NAME].rstrip()


def clamp_caption_size(size: int) -> int:
    return max(MIN_CAPTION_SIZE, min(MAX_CAPTION_SIZE, size))


def normalise_server_url(url: str) -> str:
    """Return a meeting server URL as `https://host[:port]` (`""` stays `""`: the built-in one).

    The host follows the meeting-link rules (punycode, no userinfo, `http://` only for this
    computer); a path, query or fragment is refused. Raises `LinkError` naming the reason.
    """
    text = url.strip()
    if not text:
        return ""
    scheme = text.partition(":")[0].lower()
    if scheme not in ("https", "http"):
        raise LinkError("A server address starts with https:// (or http:// for this computer).")
    return parse_link(f"{text.rstrip('/')}/{_PLACEHOLDER_ROOM}").server_base_url


def knows_host(settings: Settings, host: str) -> bool:
    """Whether the user has joined a meeting on `host` before (compared in normalised form)."""
    return any(is_host_allowed(host, [known]) for known in settings.known_hosts if "*" not in known)


def remember_meeting(settings: Settings, link: str, room: str, host: str, at: float) -> Settings:
    """Put the meeting first in `recent` (once per link, at most MAX_RECENT) and know its host."""
    entry = RecentMeeting(link=link, room=room, host=host, joined_at=at)
    others = tuple(meeting for meeting in settings.recent if meeting.link != link)
    hosts = settings.known_hosts if knows_host(settings, host) else (*settings.known_hosts, host)
    return replace(settings, recent=(entry, *others)[:MAX_RECENT], known_hosts=hosts)


def clean_settings(settings: Settings) -> Settings:
    """The same settings with every value made valid (what `settings_file.save_settings` writes)."""
    try:
        server_url = normalise_server_url(settings.server_url)
    except LinkError:
        server_url = ""
    return replace(
        settings,
        display_name=clean_display_name(settings.display_name),
        language=settings.language if settings.language in LANGUAGES else "",
        caption_language=settings.caption_language
        if settings.caption_language in LANGUAGES
        else "",
        caption_size=clamp_caption_size(settings.caption_size),
        server_url=server_url,
        known_hosts=tuple(dict.fromkeys(settings.known_hosts)),
        recent=unique_recent(settings.recent)[:MAX_RECENT],
    )


def unique_recent(meetings: Iterable[RecentMeeting]) -> tuple[RecentMeeting, ...]:
    """The meetings in order, keeping the first of each link."""
    kept: dict[str, RecentMeeting] = {}
    for meeting in meetings:
        kept.setdefault(meeting.link, meeting)
    return tuple(kept.values())
