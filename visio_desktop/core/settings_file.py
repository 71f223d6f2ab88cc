"""The settings file: `core.settings.Settings` as TOML under the platformdirs config folder.

Loading never raises and never loses what the user wrote:
- a missing file gives the defaults and no problem;
- a file that is not UTF-8 TOML, or cannot be read, is moved aside to
  `settings.toml.bad-<YYYYmmdd-HHMMSS>` and the defaults are used;
- a TOML file with bad values (wrong type, out of range, unknown key, newer version) keeps every
  good value; each bad one falls back to its default (a caption size out of range is clamped) and
  is reported. The original is then copied aside (`.bad-<time>`) and the cleaned settings are
  written in its place, so a problem is reported once;
- an older file is upgraded through `_MIGRATIONS` (version N to N+1), after copying the original
  aside as `settings.toml.v<N>`.

Problems are plain English sentences for a log or a notice. Secrets never go here: they live in
the OS keyring. Saving writes a temporary file in the same folder and renames it over the old one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import is_host_allowed
from visio_desktop.core.settings import (
    LANGUAGES,
    MAX_CAPTION_SIZE,
    MAX_RECENT,
    MIN_CAPTION_SIZE,
    RecentMeeting,
    Settings,
    clamp_caption_size,
    clean_display_name,
    clean_settings,
    normalise_server_url,
    unique_recent,
)

__all__ = [
    "SETTINGS_VERSION",
    "load_settings",
    "parse_settings",
    "save_settings",
    "settings_path",
    "settings_to_dict",
]

SETTINGS_VERSION = 1
Migration = Callable[[dict[str, Any]], dict[str, Any]]
# Step from version N (the key) to N + 1. Each step takes and returns a plain dict, must accept
# junk without raising (it runs before validation), and only renames or reshapes keys.
_MIGRATIONS: dict[int, Migration] = {}


def settings_path() -> Path:
    """Where the settings live: `settings.toml` in the platform's user config folder."""
    return platformdirs.user_config_path("visio-desktop") / "settings.toml"


# -- TOML <-> Settings ----------------------------------------------------------------------


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The TOML document for `settings`, `version` first."""
    data: dict[str, Any] = {"version": SETTINGS_VERSION}
    for item in fields(Settings):
        data[item.name] = getattr(settings, item.name)
    data["known_hosts"] = list(settings.known_hosts)
    data["recent"] = [
        {"link": m.link, "room": m.room, "host": m.host, "joined_at": m.joined_at}
        for m in settings.recent
    ]
    return data


class _Invalid(Exception):
    """A value that falls back to its default; the message says why."""


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected text, found {_kind(value)}")
    return value


def _read_display_name(value: object, notes: list[str]) -> str:
    text = _string(value)
    cleaned = clean_display_name(text)
    if cleaned != text.strip():
        notes.append(f"display_name was shortened or cleaned to “{cleaned}”.")
    return cleaned


def _read_language(value: object, notes: list[str]) -> str:
    text = _string(value)
    if text not in LANGUAGES:
        raise _Invalid(f'“{text[:20]}” is not one of "", "en", "fr"')
    return text


def _read_caption_size(value: object, notes: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected a whole number of points, found {_kind(value)}")
    size = clamp_caption_size(value)
    if size != value:
        notes.append(
            f"caption_size {value} is outside {MIN_CAPTION_SIZE}..{MAX_CAPTION_SIZE}; "
            f"{size} is used."
        )
    return size


def _read_bool(value: object, notes: list[str]) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, found {_kind(value)}")
    return value


def _read_server_url(value: object, notes: list[str]) -> str:
    try:
        return normalise_server_url(_string(value))
    except LinkError as exc:
        raise _Invalid(exc.message) from None


def _read_known_hosts(value: object, notes: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of host names, found {_kind(value)}")
    hosts = [h for h in value if isinstance(h, str) and "*" not in h and is_host_allowed(h, [h])]
    if len(hosts) != len(value):
        notes.append(f"known_hosts: {len(value) - len(hosts)} invalid entries were dropped.")
    return tuple(dict.fromkeys(hosts))


def _read_recent(value: object, notes: list[str]) -> tuple[RecentMeeting, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of [[recent]] tables, found {_kind(value)}")
    valid = [meeting for item in value if (meeting := _recent_meeting(item)) is not None]
    if len(valid) != len(value):
        notes.append(f"recent: {len(value) - len(valid)} invalid entries were dropped.")
    meetings = unique_recent(valid)
    if len(meetings) > MAX_RECENT:
        notes.append(f"recent: only the first {MAX_RECENT} meetings were kept.")
    return meetings[:MAX_RECENT]


def _recent_meeting(item: object) -> RecentMeeting | None:
    if not isinstance(item, dict) or set(item) != {"link", "room", "host", "joined_at"}:
        return None
    link, room, host, at = item["link"], item["room"], item["host"], item["joined_at"]
    if not all(isinstance(text, str) for text in (link, room, host)):
        return None
    if isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at < 1e11:
        return None
    return RecentMeeting(link=link, room=room, host=host, joined_at=float(at))


def _kind(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text"}
    names |= {list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


_READERS: dict[str, Callable[[object, list[str]], object]] = {
    "display_name": _read_display_name,
    "language": _read_language,
    "caption_size": _read_caption_size,
    "captions_on": _read_bool,
    "caption_language": _read_language,
    "camera": lambda value, _: _string(value),
    "microphone": lambda value, _: _string(value),
    "speaker": lambda value, _: _string(value),
    "camera_hd": _read_bool,
    "server_url": _read_server_url,
    "known_hosts": _read_known_hosts,
    "recent": _read_recent,
}


def parse_settings(data: Mapping[str, object]) -> tuple[Settings, list[str]]:
    """Settings from a parsed TOML document, and the problems found; never raises."""
    settings, problems, _ = _parse(data)
    return settings, problems


def _parse(data: Mapping[str, object]) -> tuple[Settings, list[str], int]:
    """Like `parse_settings`, also returning the document's version before migration."""
    problems: list[str] = []
    values = dict(data)
    version = values.pop("version", SETTINGS_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        problems.append(f"version: expected a number, found {_kind(version)}; ignored.")
        version = SETTINGS_VERSION
    elif version > SETTINGS_VERSION:
        problems.append(
            f"The settings were written by a newer visio-desktop (version {version}); "
            "settings this version does not know are ignored."
        )
    elif version < SETTINGS_VERSION:
        values = _migrate(values, version, problems)
    chosen: dict[str, Any] = {}
    for name, reader in _READERS.items():
        if name not in values:
            continue
        notes: list[str] = []
        try:
            chosen[name] = reader(values.pop(name), notes)
        except _Invalid as exc:
            problems.append(f"{name}: {exc}; the default is used.")
        problems.extend(notes)
    problems.extend(f"Unknown setting “{key[:40]}” ignored." for key in values)
    return Settings(**chosen), problems, version


def _migrate(values: dict[str, Any], version: int, problems: list[str]) -> dict[str, Any]:
    start = version
    while version < SETTINGS_VERSION:
        step = _MIGRATIONS.get(version)
        if step is None:
            problems.append(
                f"Settings version {start} cannot be upgraded; values are read as they are."
            )
            break
        try:
            values = step(dict(values))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            problems.append(f"Upgrading settings from version {version} failed ({exc!r}).")
            break
        version += 1
    return values


# -- files ---------------------------------------------------------------------------------


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read the settings at `path` and the problems found; see the module docstring."""
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # Moved aside even when unreadable: a later save must not replace what the user wrote.
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        problem = f"{path} could not be read as TOML ({reason}); the defaults are used."
        try:
            kept = _keep_aside(path, f"bad-{_stamp()}", move=True)
        except OSError as error:
            return Settings(), [problem, f"It could not be moved aside ({error.strerror})."]
        return Settings(), [problem, f"The file was moved to {kept.name}."]
    settings, problems, version = _parse(data)
    if problems or version < SETTINGS_VERSION:
        suffix = f"bad-{_stamp()}" if problems else f"v{version}"
        try:
            kept = _keep_aside(path, suffix, move=False)
            save_settings(path, settings)
        except OSError as error:
            problems.append(f"The settings file could not be repaired ({error.strerror}).")
        else:
            if problems:
                problems.append(f"A copy of the original file was kept as {kept.name}.")
    return settings, problems


def save_settings(path: Path, settings: Settings) -> None:
    """Write `settings` (cleaned) to `path` atomically, creating its folder. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = tomli_w.dumps(settings_to_dict(clean_settings(settings)))
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _keep_aside(path: Path, suffix: str, *, move: bool) -> Path:
    """Copy (or move) `path` to `<name>.<suffix>`, never replacing an existing file."""
    target = path.with_name(f"{path.name}.{suffix}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{suffix}-{counter}")
        counter += 1
    if move:
        os.rename(path, target)
    else:
        shutil.copy2(path, target)
    return target


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")
