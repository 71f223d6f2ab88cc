"""Meeting links: strict, pure parsing of `visio://` and `https://` links to a room.

Accepted: `visio://host[:port]/room`, `https://host[:port]/room`, and `http://` only for a
loopback host (127.0.0.0/8, `localhost`, `[::1]`), scheme in any case, one trailing slash
allowed. ASCII spaces and newlines around a pasted link are stripped; anything else odd is
refused with a `LinkError` naming the reason.

Decisions:
- A query string, a fragment, percent-encoding or a path beyond the room is refused: Visio web
  links carry none, and each is a place to hide a second meaning.
- A port is 1 to 65535 in plain ASCII digits with no leading zero; the scheme's default port
  (443 for visio and https, 80 for http) is dropped, so `host:443` equals `host`.
- Unicode hosts become punycode through the `idna` package: IDNA 2008 with the UTS #46 mapping,
  label by label, as browsers do (the stdlib codec is IDNA 2003, which accepts `xn--a`, U+0080,
  and reads U+3002 as a letter). The full stops U+3002, U+FF0E and U+FF61 separate labels. A
  label already in punycode must decode to a valid IDNA 2008 label that encodes back to the
  same ASCII, so one host has one spelling. Anything `idna` refuses is a `LinkError`.
- A host whose last label is numeric must be a dotted IPv4 address, so resolver shorthands
  such as `127.1` or `0x7f.1` never reach `getaddrinfo`.
- `parse_link(link.web_url)` gives back `link`, except that a `visio` link comes back `https`.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

import idna

from visio_desktop.core.errors import LinkError

__all__ = [
    "MeetingLink",
    "check_server_url",
    "is_host_allowed",
    "new_room_slug",
    "normalise_room",
    "parse_link",
]

MAX_LINK_LENGTH = 2048
LINK_SCHEMES = frozenset({"visio", "https", "http"})
_DEFAULT_PORTS = {"visio": 443, "https": 443, "http": 80}
_OPAQUE_SCHEMES = frozenset({"stun", "stuns", "turn", "turns"})  # RFC 7064/7065: no "//"
_PASTE_SPACE = " \t\r\n"
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_ROOM_RE = re.compile(r"([a-z]{3})-?([a-z]{4})-?([a-z]{3})", re.ASCII | re.IGNORECASE)
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.ASCII)
_NUMERIC_LABEL_RE = re.compile(r"[0-9]+|0x[0-9a-f]*", re.ASCII)
_IPV6_RE = re.compile(r"[0-9A-Fa-f:.]+", re.ASCII)
_PORT_RE = re.compile(r"[1-9][0-9]{0,4}", re.ASCII)
# The dots UTS #46 maps to "." (ideographic, fullwidth, halfwidth ideographic full stops).
_FULL_STOPS = str.maketrans(dict.fromkeys("\u3002\uff0e\uff61", "."))


@dataclass(frozen=True, slots=True)
class MeetingLink:
    """A checked link to a meeting room; build it with `parse_link`."""

    scheme: str  # "visio", "https" or "http"
    host: str  # lower-case, punycode; an IPv6 literal without brackets
    port: int | None  # None for the scheme's default port
    room: str  # normalised slug, "abc-defg-hij"

    @property
    def is_loopback(self) -> bool:
        return _is_loopback(self.host)

    @property
    def server_base_url(self) -> str:
        web_scheme = "http" if self.scheme == "http" else "https"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port is None else f":{self.port}"
        return f"{web_scheme}://{host}{port}"

    @property
    def web_url(self) -> str:
        return f"{self.server_base_url}/{self.room}"

    def to_json(self) -> dict[str, str | int | None]:
        return {"scheme": self.scheme, "host": self.host, "port": self.port, "room": self.room}


def normalise_room(text: str) -> str:
    """Return the room slug as the web app writes it, `abc-defg-hij`, or raise `LinkError`."""
    match = _ROOM_RE.fullmatch(text.strip(_PASTE_SPACE))
    if match is None:
        raise LinkError(
            f"{text[:40]!r} is not a valid room name: expected 10 letters, as in abc-defg-hij."
        )
    return "-".join(match.groups()).lower()


def new_room_slug(rng: Random | None = None) -> str:
    """Return a fresh room slug; random from `secrets` unless a seeded `rng` is given (tests)."""
    choice = secrets.choice if rng is None else rng.choice
    letters = "".join(choice(string.ascii_lowercase) for _ in range(10))
    return f"{letters[:3]}-{letters[3:7]}-{letters[7:]}"


def parse_link(text: str) -> MeetingLink:
    """Parse a meeting link strictly, or raise `LinkError` whose message names the reason."""
    text = text.strip(_PASTE_SPACE)
    scheme, rest = _split_scheme(text, allowed=LINK_SCHEMES)
    if not rest.startswith("//"):
        raise LinkError(f"The link must start with “{scheme}://” followed by the server name.")
    if "#" in rest:
        raise LinkError("Meeting links have no fragment (“#…”); this one does.")
    if "?" in rest:
        raise LinkError("Meeting links have no query string (“?…”); this one does.")
    if "%" in rest:
        raise LinkError("Meeting links have no percent-encoded characters (“%…”); this one does.")
    authority, _, path = rest[2:].partition("/")
    host, port = _parse_authority(authority)
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    if scheme == "http" and not _is_loopback(host):
        raise LinkError("Plain http:// links are allowed only to this computer (loopback).")
    room, _, tail = path.partition("/")
    if not room:
        raise LinkError("The link has no room name after the server name (empty room).")
    if tail:
        raise LinkError("The link has extra path segments after the room name.")
    return MeetingLink(scheme=scheme, host=host, port=port, room=normalise_room(room))


def is_host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Whether `host` is in `allowed`: exact hosts, or `*.domain` for any name under domain.

    Hosts and entries are compared in normalised form (lower-case punycode); an invalid host
    is never allowed and an invalid entry matches nothing.
    """
    try:
        wanted = _normalise_bare_host(host)
    except LinkError:
        return False
    for entry in allowed:
        pattern = entry.strip(_PASTE_SPACE)
        try:
            if pattern.startswith("*."):
                domain = _normalise_bare_host(pattern[2:])
                if ":" not in domain and wanted.endswith("." + domain):
                    return True
            elif _normalise_bare_host(pattern) == wanted:
                return True
        except LinkError:
            continue
    return False


def check_server_url(url: str, expected_host: str, schemes: set[str]) -> None:
    """Raise `LinkError` unless a server-supplied URL is on `expected_host` with a scheme in
    `schemes`, without userinfo or control characters. Path, query and port are not checked.
    STUN/TURN URIs (`turn:host:3478?transport=udp`) are read in their form without `//`.
    """
    scheme, rest = _split_scheme(url, allowed=frozenset(s.lower() for s in schemes))
    if scheme in _OPAQUE_SCHEMES:
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    elif rest.startswith("//"):
        authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    else:
        raise LinkError(f"The server sent a “{scheme}:” address with no “//” and no host.")
    host, _ = _parse_authority(authority)
    if host != _normalise_bare_host(expected_host):
        raise LinkError(f"The server sent an address on another host ({host}); refused.")


def _split_scheme(text: str, allowed: frozenset[str]) -> tuple[str, str]:
    """Check length and characters, then split off a lower-cased scheme from `allowed`."""
    if len(text) > MAX_LINK_LENGTH:
        raise LinkError(f"The link is too long (over {MAX_LINK_LENGTH} characters).")
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise LinkError(
                f"The link contains a space, control or invisible character (U+{ord(char):04X})."
            )
    if "\\" in text:
        raise LinkError("The link contains a backslash (“\\”), which links never contain.")
    raw_scheme, colon, rest = text.partition(":")
    if not colon or not _SCHEME_RE.fullmatch(raw_scheme):
        raise LinkError("The link has no scheme: it must start with visio:// or https://.")
    scheme = raw_scheme.lower()
    if scheme not in allowed:
        names = ", ".join(f"{name}:" for name in sorted(allowed))
        raise LinkError(f"Unsupported scheme “{scheme}:”; only {names} are accepted.")
    return scheme, rest


def _parse_authority(authority: str) -> tuple[str, int | None]:
    """Split `host[:port]` (host possibly `[IPv6]`) into a normalised host and a port."""
    if "@" in authority:
        raise LinkError(
            "The link has a user name or password before the server name (userinfo); "
            "meeting links never do, and it is a common way to disguise the real server."
        )
    if authority.startswith("["):
        literal, bracket, after = authority[1:].partition("]")
        if not bracket:
            raise LinkError("The link has an IPv6 address with an unclosed bracket “[”.")
        if after and not after.startswith(":"):
            raise LinkError("The link has unexpected characters after the IPv6 address.")
        host, port_text = _normalise_ipv6(literal), after[1:] if after else None
    else:
        if authority.count(":") > 1:
            raise LinkError("The link has an IPv6 address without brackets, or two ports.")
        raw_host, colon, port_part = authority.partition(":")
        host, port_text = _normalise_host(raw_host), port_part if colon else None
    return host, None if port_text is None else _parse_port(port_text)


def _parse_port(text: str) -> int:
    if not text:
        raise LinkError("The link has an empty port after “:”.")
    if not _PORT_RE.fullmatch(text) or int(text) > 65535:
        raise LinkError(f"Invalid port “{text[:12]}”: expected a number from 1 to 65535.")
    return int(text)


def _normalise_bare_host(text: str) -> str:
    """Normalise a host as written outside a URL: an IPv6 literal may lack its brackets."""
    if text.startswith("[") and text.endswith("]"):
        return _normalise_ipv6(text[1:-1])
    return _normalise_ipv6(text) if ":" in text else _normalise_host(text)


def _normalise_ipv6(literal: str) -> str:
    if not _IPV6_RE.fullmatch(literal):  # also refuses "%zone" suffixes
        raise LinkError("The link has an invalid IPv6 address.")
    try:
        return ipaddress.IPv6Address(literal).compressed
    except ValueError:
        raise LinkError("The link has an invalid IPv6 address.") from None


def _normalise_host(text: str) -> str:
    """Lower-case a DNS name or IPv4 address, converting unicode labels to punycode."""
    if not text:
        raise LinkError("The link has no server name (empty host).")
    labels = [_normalise_label(label) for label in text.translate(_FULL_STOPS).split(".")]
    host = ".".join(labels)
    if len(host) > 253:
        raise LinkError("The server name is too long (over 253 characters).")
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise LinkError(f"“{host}” looks like an IP address but is not a valid one.") from None
    return host


def _normalise_label(label: str) -> str:
    if not label:
        raise LinkError("The server name has an empty label (“..”, or a dot at an end).")
    if label.isascii():
        ascii_label = label.lower()
    else:
        try:
            ascii_label = idna.encode(label, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):  # idna's errors, and its codec's
            raise LinkError("The server name is not a valid internationalised name.") from None
    if len(ascii_label) > 63:
        raise LinkError("The server name has a label over 63 characters.")
    if not _LABEL_RE.fullmatch(ascii_label):
        raise LinkError("The server name contains an invalid character.")
    if ascii_label.startswith("xn--") and not _is_round_trip(ascii_label):
        raise LinkError("The server name has an invalid punycode label.")
    return ascii_label


def _is_round_trip(a_label: str) -> bool:
    """Whether a punycode label decodes to a valid IDNA 2008 label that encodes back to it."""
    try:
        return idna.encode(idna.decode(a_label)).decode("ascii") == a_label
    except (idna.IDNAError, UnicodeError):
        return False


def _is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or `::1`; IPv4-mapped IPv6 forms are not counted."""
    if host in ("localhost", "::1"):
        return True
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False
