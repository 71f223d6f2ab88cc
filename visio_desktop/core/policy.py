"""System policy written by IT: read it and apply it over the user's settings.

Where it is read (`load_policy`):
- Windows: the values of `HKLM\\SOFTWARE\\Policies\\Visio\\Desktop` (64-bit view), written by
  Group Policy or by the .msi from its public properties (same value names);
- elsewhere: `/etc/visio-desktop/policy.toml`.
`load_policy(path)` reads that file instead (tests). So does the environment variable
VISIO_POLICY_FILE, but only on a machine that has no system policy: a user cannot escape one.

    TOML key               registry value        MSI property          value
    default_server         DefaultServer         SERVERURL             https://host[:port]
    allowed_servers        AllowedServers        ALLOWEDSERVERS        hosts, `*.domain` patterns
    allow_unknown_servers  AllowUnknownServers   ALLOWUNKNOWNSERVERS   false: refuse other hosts
    captions               Captions              CAPTIONS              on, off, or forced fr / en
    model_mirror           ModelMirror           MODELMIRROR           https:// URL of the models
    proxy                  Proxy                 PROXY                 http(s):// or socks5:// URL
    extra_ca_bundle        ExtraCABundle         CABUNDLE              absolute path of a PEM file
    default_access         DefaultAccess         DEFAULTACCESS         open, lobby or locked

A list is a TOML list, REG_MULTI_SZ, or one string separated by `;`, `,` or spaces. Booleans
are true/false, 1/0 or yes/no. An empty value (`""`, `[]`, an empty registry string, as an
.msi writes for a property it was not given) counts as unset.

Nothing here raises. Problems come back as sentences, and what is wrong is read the safest way,
the reading that grants the least: a bad `allow_unknown_servers` forbids unknown servers, a bad
`captions` turns captions off, a bad server entry is dropped, a bad mirror blocks model
downloads, a missing CA file adds no trust. A policy that cannot be read at all (not TOML, not
UTF-8, unreadable) is all of these at once: only the servers it would have allowed are usable,
that is none, and every link is refused with a sentence saying to ask the administrator.

Links and server-supplied URLs are judged under a policy in `core.link_policy`.
"""

from __future__ import annotations

import enum
import os
import re
import sys
import tomllib
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import is_host_allowed, parse_link
from visio_desktop.core.roles import Access
from visio_desktop.core.settings import Settings, normalise_server_url

__all__ = [
    "POLICY_FILE",
    "REGISTRY_KEY",
    "REGISTRY_NAMES",
    "Captions",
    "Policy",
    "apply_policy",
    "load_policy",
    "locked_fields",
    "parse_policy",
    "registry_data",
    "server_host",
]

POLICY_FILE = Path("/etc/visio-desktop/policy.toml")
REGISTRY_KEY = r"SOFTWARE\Policies\Visio\Desktop"
REGISTRY_NAMES = {
    "DefaultServer": "default_server",
    "AllowedServers": "allowed_servers",
    "AllowUnknownServers": "allow_unknown_servers",
    "Captions": "captions",
    "ModelMirror": "model_mirror",
    "Proxy": "proxy",
    "ExtraCABundle": "extra_ca_bundle",
    "DefaultAccess": "default_access",
}
# Registry value types (fixed by Windows; spelled out so that this reads them on any system).
REG_SZ, REG_EXPAND_SZ, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 4, 7, 11
_PLACEHOLDER_ROOM = "aaa-aaaa-aaa"
_LIST_SEPARATORS = re.compile(r"[;,\s]+")
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
_SETTINGS_FIELDS = frozenset(field.name for field in fields(Settings))


class Captions(enum.StrEnum):
    ON = "on"
    OFF = "off"
    FRENCH = "fr"
    ENGLISH = "en"


@dataclass(frozen=True, slots=True)
class Policy:
    """What IT decided; every field at its default means "no policy"."""

    default_server: str = ""  # normalised https://host[:port]; "" unset
    allowed_servers: tuple[str, ...] = ()  # normalised hosts and "*.domain" patterns
    allow_unknown_servers: bool = True  # False: links to other hosts are refused, not asked
    captions: Captions | None = None  # None: the user's choice
    model_mirror: str = ""
    proxy: str = ""
    extra_ca_bundle: str = ""
    # Who may enter the meetings created from this computer (None: the server's default).
    default_access: Access | None = None
    source: str = ""  # the file or registry key it came from; "" when there is none
    invalid: frozenset[str] = frozenset()  # keys present but unusable, read the safest way

    @property
    def captions_on(self) -> bool | None:
        return None if self.captions is None else self.captions is not Captions.OFF

    @property
    def captions_language(self) -> str | None:
        """The recognition language the policy forces ("fr" or "en"), or None."""
        forced = self.captions in (Captions.FRENCH, Captions.ENGLISH)
        return str(self.captions) if forced else None

    @property
    def model_downloads_allowed(self) -> bool:
        """False when the mirror setting is broken: never fall back to the public hub then."""
        return "model_mirror" not in self.invalid

    @property
    def unreadable(self) -> bool:
        """Whether nothing of it could be read (every setting is at its safest)."""
        return self.invalid >= frozenset(REGISTRY_NAMES.values())

    def allows_host(self, host: str) -> bool:
        """Whether the policy itself names `host`: allowed_servers or the default server."""
        if is_host_allowed(host, self.allowed_servers):
            return True
        return bool(self.default_server) and is_host_allowed(
            host, [server_host(self.default_server)]
        )


_UNREADABLE = Policy(  # every setting read the safest way
    allow_unknown_servers=False,
    captions=Captions.OFF,
    default_access=Access.LOBBY,
    invalid=frozenset(REGISTRY_NAMES.values()),
)


# -- reading ---------------------------------------------------------------------------------


def load_policy(path: Path | None = None) -> tuple[Policy, list[str]]:
    """The system policy and the problems found in it; never raises (see the module doc)."""
    if path is not None:
        return _load_file(path)
    windows = sys.platform == "win32"
    values, error = _registry_values() if windows else (None, "")
    exists = values is not None if windows else POLICY_FILE.exists()
    override = os.environ.get("VISIO_POLICY_FILE", "")
    if override and not exists:
        return _load_file(Path(override))
    problems = (
        ["VISIO_POLICY_FILE is ignored: this computer has a system policy."] if override else []
    )
    if not windows:
        policy, found = _load_file(POLICY_FILE)
    elif error:
        policy, found = _unreadable(f"HKLM\\{REGISTRY_KEY}", error)
    else:
        data, found = registry_data(values or [])
        policy, more = parse_policy(data, source=f"HKLM\\{REGISTRY_KEY}")
        found += more
    return policy, problems + found


def _load_file(path: Path) -> tuple[Policy, list[str]]:
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return Policy(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return _unreadable(str(path), exc.strerror if isinstance(exc, OSError) else str(exc))
    return parse_policy(data, source=str(path))


def _unreadable(source: str, reason: str | None) -> tuple[Policy, list[str]]:
    return replace(_UNREADABLE, source=source), [
        f"The system policy {source} could not be read ({reason}); until it is fixed, "
        "no meeting server is allowed and captions are off."
    ]


def _registry_values() -> tuple[list[tuple[str, object, int]] | None, str]:
    """The policy key's values (None: no key), or why the key could not be read."""
    if sys.platform != "win32":
        return None, ""
    import winreg  # noqa: PLC0415 (Windows only)

    try:
        access = winreg.KEY_READ | winreg.KEY_WOW64_64KEY
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY, 0, access) as key:
            count = winreg.QueryInfoKey(key)[1]
            return [winreg.EnumValue(key, index) for index in range(count)], ""
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return [], exc.strerror or type(exc).__name__


def registry_data(values: Iterable[tuple[str, object, int]]) -> tuple[dict[str, object], list[str]]:
    """Registry values (name, data, type) as `parse_policy` input, and the problems found.

    Names are matched without regard to case; a value of a type that cannot hold its setting
    is passed on as None, which `parse_policy` reads the safest way.
    """
    names = {name.lower(): key for name, key in REGISTRY_NAMES.items()}
    data: dict[str, object] = {}
    problems: list[str] = []
    for name, value, kind in values:
        key = names.get(name.lower())
        if key is None:
            problems.append(f"Unknown policy value “{name[:40]}” ignored.")
        elif kind in (REG_SZ, REG_EXPAND_SZ) and isinstance(value, str):
            data[key] = value
        elif kind == REG_MULTI_SZ and isinstance(value, list):
            data[key] = [str(item) for item in value]
        elif kind in (REG_DWORD, REG_QWORD) and isinstance(value, int):
            data[key] = value
        else:
            data[key] = None
    return data, problems


class _Invalid(Exception):
    """A value read the safest way; the message says why."""


def parse_policy(data: Mapping[str, object], source: str = "") -> tuple[Policy, list[str]]:
    """A policy from parsed TOML (or `registry_data`) and the problems found; never raises."""
    chosen: dict[str, Any] = {}
    invalid: set[str] = set()
    problems: list[str] = []
    for key, value in data.items():
        reader = _READERS.get(key)
        if reader is None:
            problems.append(f"Unknown policy setting “{key[:40]}” ignored.")
            continue
        if _is_empty(value):
            continue
        try:
            chosen[key] = reader(value, problems)
        except _Invalid as exc:
            invalid.add(key)
            if key in _SAFEST:
                chosen[key] = _SAFEST[key]
            problems.append(f"Policy {key}: {exc}; {_SAFEST_TEXT.get(key, 'it is ignored')}.")
    return replace(Policy(source=source, invalid=frozenset(invalid)), **chosen), problems


def _is_empty(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    items = value if isinstance(value, list | tuple) else [0]
    return all(isinstance(item, str) and not item.strip() for item in items)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid("expected text")
    return value.strip()


def _read_default_server(value: object, notes: list[str]) -> str:
    try:
        return normalise_server_url(_text(value))
    except LinkError as exc:
        raise _Invalid(exc.message) from None


def _read_allowed(value: object, notes: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        entries: list[object] = [item for item in _LIST_SEPARATORS.split(value) if item]
    elif isinstance(value, list | tuple):
        entries = [item for item in value if not _is_empty(item)]
    else:
        raise _Invalid("expected a list of host names")
    kept: list[str] = []
    for entry in entries:
        try:
            kept.append(_normalise_entry(entry))
        except _Invalid as exc:
            notes.append(f"Policy allowed_servers: {str(entry)[:60]!r} dropped ({exc}).")
    return tuple(dict.fromkeys(kept))


def _normalise_entry(entry: object) -> str:
    text = _text(entry)
    wildcard = text.startswith("*.")
    host = text[2:] if wildcard else text
    if "*" in host or "/" in host or "@" in host:
        raise _Invalid("write a host name such as visio.gouv.fr or a pattern such as *.gouv.fr")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address
    try:
        normalised = parse_link(f"https://{host}/{_PLACEHOLDER_ROOM}")
    except LinkError as exc:
        raise _Invalid(exc.message) from None
    if normalised.port is not None:
        raise _Invalid("a port does not belong in a host name")
    if wildcard and ":" in normalised.host:
        raise _Invalid("an IP address cannot have a *. pattern")
    return f"*.{normalised.host}" if wildcard else normalised.host


def _read_bool(value: object, notes: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = value.strip().lower().removeprefix("#") if isinstance(value, str) else ""
    if text in _TRUE | _FALSE:  # "#1": an .msi's RegistrySearch reading back a DWORD
        return text in _TRUE
    raise _Invalid("expected true or false")


def _read_captions(value: object, notes: list[str]) -> Captions:
    if isinstance(value, bool):
        return Captions.ON if value else Captions.OFF
    try:
        return Captions(_text(value).lower())
    except ValueError:
        raise _Invalid('expected "on", "off", "fr" or "en"') from None


def _read_access(value: object, notes: list[str]) -> Access:
    try:
        return Access(_text(value).lower())
    except ValueError:
        raise _Invalid('expected "open", "lobby" or "locked"') from None


def _read_url(schemes: tuple[str, ...]) -> Callable[[object, list[str]], str]:
    def read(value: object, notes: list[str]) -> str:
        text = _text(value)
        try:
            parts = urllib.parse.urlsplit(text)
            _ = parts.port  # raises ValueError for a port that is not a number in range
        except ValueError:
            raise _Invalid("not a valid URL") from None
        if parts.scheme not in schemes or not parts.hostname:
            raise _Invalid(f"expected a {' or '.join(f'{s}://' for s in schemes)} URL")
        if parts.username is not None or parts.password is not None:
            raise _Invalid("a user name or password does not belong in the policy")
        if any(c.isspace() or ord(c) < 32 for c in text) or "\\" in text:
            raise _Invalid("the URL contains spaces, control characters or backslashes")
        return text

    return read


def _read_ca_bundle(value: object, notes: list[str]) -> str:
    path = Path(_text(value))
    if not path.is_absolute():
        raise _Invalid("expected an absolute path")
    if not path.is_file():
        raise _Invalid(f"{path} is not a readable file")
    return str(path)


_READERS: dict[str, Callable[[object, list[str]], object]] = {
    "default_server": _read_default_server,
    "allowed_servers": _read_allowed,
    "allow_unknown_servers": _read_bool,
    "captions": _read_captions,
    "model_mirror": _read_url(("https",)),
    "proxy": _read_url(("http", "https", "socks5")),
    "extra_ca_bundle": _read_ca_bundle,
    "default_access": _read_access,
}
_SAFEST: dict[str, object] = {
    "allow_unknown_servers": False,
    "captions": Captions.OFF,
    "default_access": Access.LOBBY,
}
_SAFEST_TEXT = {
    "allow_unknown_servers": "unknown servers are refused",
    "captions": "captions are off",
    "model_mirror": "model downloads are blocked",
    "extra_ca_bundle": "no extra certificate authority is trusted",
    "default_access": "new meetings have a lobby",
}


# -- applying ---------------------------------------------------------------------------------


def locked_fields(policy: Policy) -> set[str]:
    """The `Settings` fields the policy sets, for the settings dialog's `set_locked`."""
    return set(_policy_values(policy))


def apply_policy(settings: Settings, policy: Policy) -> Settings:
    """The settings in force: each value the policy sets replaces the user's."""
    return replace(settings, **_policy_values(policy))


def _policy_values(policy: Policy) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if policy.default_server:
        values["server_url"] = policy.default_server
    if policy.captions_on is not None:
        values["captions_on"] = policy.captions_on
    if policy.captions_language and "caption_language" in _SETTINGS_FIELDS:
        values["caption_language"] = policy.captions_language  # the recognition language
    return values


def server_host(server_url: str) -> str:
    """The normalised host of a normalised server URL (`https://host[:port]`); "" for ""."""
    if not server_url:
        return ""
    return parse_link(f"{server_url}/{_PLACEHOLDER_ROOM}").host
