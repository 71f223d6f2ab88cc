"""Meeting links: valid forms, normalisation, hostile input, and the round trip."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import (
    MeetingLink,
    is_host_allowed,
    new_room_slug,
    normalise_room,
    parse_link,
)

ROOM = "abc-defg-hij"
SLUG_RE = re.compile(r"[a-z]{3}-[a-z]{4}-[a-z]{3}")


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port"),
    [
        ("visio://visio.gouv.fr/abc-defg-hij", "visio", "visio.gouv.fr", None),
        ("https://visio.gouv.fr/abc-defg-hij", "https", "visio.gouv.fr", None),
        ("https://visio.gouv.fr/abc-defg-hij/", "https", "visio.gouv.fr", None),
        ("https://visio.gouv.fr:8443/abc-defg-hij", "https", "visio.gouv.fr", 8443),
        ("visio://visio.gouv.fr:65535/abc-defg-hij", "visio", "visio.gouv.fr", 65535),
        ("https://host:1/abc-defg-hij", "https", "host", 1),
        ("HTTPS://Visio.GOUV.fr/ABC-DEFG-HIJ", "https", "visio.gouv.fr", None),
        ("ViSiO://visio.gouv.fr/abcdefghij", "visio", "visio.gouv.fr", None),
        ("http://localhost:8080/abc-defg-hij", "http", "localhost", 8080),
        ("http://LOCALHOST/abc-defg-hij", "http", "localhost", None),
        ("http://127.0.0.1:8080/abc-defg-hij", "http", "127.0.0.1", 8080),
        ("http://127.255.3.4/abc-defg-hij", "http", "127.255.3.4", None),
        ("http://[::1]:8080/abc-defg-hij", "http", "::1", 8080),
        ("https://[2001:DB8::1]/abc-defg-hij", "https", "2001:db8::1", None),
        ("https://[2001:db8:0:0::1]:8443/abc-defg-hij", "https", "2001:db8::1", 8443),
        ("https://10.0.0.7/abc-defg-hij", "https", "10.0.0.7", None),
        ("https://intranet/abc-defg-hij", "https", "intranet", None),
        ("https://visio.exämple.fr/abc-defg-hij", "https", "visio.xn--exmple-cua.fr", None),
        ("https://visio.xn--exmple-cua.fr/abc-defg-hij", "https", "visio.xn--exmple-cua.fr", None),
        ("https://VISIO.EXÄMPLE.FR/abc-defg-hij", "https", "visio.xn--exmple-cua.fr", None),
        ("https://a-1.b2.fr/abc-defg-hij", "https", "a-1.b2.fr", None),
    ],
)
def test_valid_links(text: str, scheme: str, host: str, port: int | None) -> None:
    assert parse_link(text) == MeetingLink(scheme, host, port, ROOM)


@pytest.mark.parametrize(
    ("text", "port"),
    [
        ("https://h.fr:443/abc-defg-hij", None),
        ("visio://h.fr:443/abc-defg-hij", None),
        ("http://localhost:80/abc-defg-hij", None),
        ("https://h.fr:80/abc-defg-hij", 80),
        ("http://localhost:443/abc-defg-hij", 443),
    ],
)
def test_default_port_is_dropped(text: str, port: int | None) -> None:
    assert parse_link(text).port == port


@pytest.mark.parametrize(
    "text",
    [
        "  https://visio.gouv.fr/abc-defg-hij  ",
        "\nhttps://visio.gouv.fr/abc-defg-hij\r\n",
        "\thttps://visio.gouv.fr/abc-defg-hij\t",
    ],
)
def test_surrounding_ascii_whitespace_is_stripped(text: str) -> None:
    assert parse_link(text) == MeetingLink("https", "visio.gouv.fr", None, ROOM)


@pytest.mark.parametrize(
    "text",
    ["ABCDEFGHIJ", "abc-defg-hij", "AbcDefgHij", "abc-defghij", "abcdefg-hij", " abcdefghij\n"],
)
def test_normalise_room(text: str) -> None:
    assert normalise_room(text) == ROOM


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ab-cdefg-hij",
        "abcd-efg-hij",
        "abc--defghij",
        "-abcdefghij",
        "abc-defg-hij-",
        "abcdefghi",
        "abcdefghijk",
        "abc-defg-hi1",
        "abc_defg_hij",
        "abc defg hij",
        "abc-defg-hïj",
        "abc-defg-hi\u212a",  # KELVIN SIGN folds to "k" under re.IGNORECASE
        "abc-\u017fefg-hij",  # LONG S folds to "s" under re.IGNORECASE
        "ａｂｃ-ｄｅｆｇ-ｈｉｊ",
    ],
)
def test_normalise_room_refuses(text: str) -> None:
    with pytest.raises(LinkError, match="not a valid room name"):
        normalise_room(text)


def test_new_room_slug_is_seedable_and_valid() -> None:
    first = new_room_slug(random.Random(7))
    assert first == new_room_slug(random.Random(7))
    assert SLUG_RE.fullmatch(first)
    assert normalise_room(first) == first


def test_new_room_slug_uses_secrets_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("visio_desktop.core.links.secrets.choice", lambda seq: "q")
    assert new_room_slug() == "qqq-qqqq-qqq"


def test_link_helpers() -> None:
    link = parse_link("visio://Visio.Gouv.fr:8443/abcdefghij")
    assert not link.is_loopback
    assert link.server_base_url == "https://visio.gouv.fr:8443"
    assert link.web_url == "https://visio.gouv.fr:8443/abc-defg-hij"
    assert link.to_json() == {
        "scheme": "visio",
        "host": "visio.gouv.fr",
        "port": 8443,
        "room": ROOM,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.host = "evil.com"  # type: ignore[misc]


def test_link_helpers_for_ipv6_and_http() -> None:
    link = parse_link("http://[::1]:8080/abc-defg-hij")
    assert link.is_loopback
    assert link.server_base_url == "http://[::1]:8080"
    assert link.web_url == "http://[::1]:8080/abc-defg-hij"
    assert link.to_json() == {"scheme": "http", "host": "::1", "port": 8080, "room": ROOM}
    assert (
        parse_link("https://[2001:db8::1]/abc-defg-hij").server_base_url == "https://[2001:db8::1]"
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("[::1]", True),
        ("128.0.0.1", False),
        ("[::ffff:127.0.0.1]", False),
        ("localhost.evil.com", False),
        ("visio.gouv.fr", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert parse_link(f"https://{host}/abc-defg-hij").is_loopback is loopback


def test_host_length_limits() -> None:
    label63 = "a" * 63
    assert parse_link(f"https://{label63}.fr/{ROOM}").host == f"{label63}.fr"
    with pytest.raises(LinkError, match="over 63"):
        parse_link(f"https://{'a' * 64}.fr/{ROOM}")
    host253 = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert len(host253) == 253
    assert parse_link(f"https://{host253}/{ROOM}").host == host253
    host254 = host253 + "b"
    with pytest.raises(LinkError, match="over 253"):
        parse_link(f"https://{host254}/{ROOM}")


HOSTILE = [
    # userinfo tricks
    ("https://visio.gouv.fr@evil.com/abc-defg-hij", "userinfo"),
    ("https://trusted@evil/abc-defg-hij", "userinfo"),
    ("https://user:pass@visio.gouv.fr/abc-defg-hij", "userinfo"),
    ("visio://@visio.gouv.fr/abc-defg-hij", "userinfo"),
    ("https://visio.gouv.fr:443@evil.com/abc-defg-hij", "userinfo"),
    ("https://[::1]@evil.com/abc-defg-hij", "userinfo"),
    ("https://evil.com\\@visio.gouv.fr/abc-defg-hij", "backslash"),
    ("https:\\\\visio.gouv.fr\\abc-defg-hij", "backslash"),
    ("https://visio.gouv.fr\\abc-defg-hij", "backslash"),
    # other schemes and malformed scheme parts
    ("javascript:alert(1)", "Unsupported scheme"),
    ("JavaScript://visio.gouv.fr/%0aalert(1)", "Unsupported scheme"),
    ("file:///etc/passwd", "Unsupported scheme"),
    ("ftp://visio.gouv.fr/abc-defg-hij", "Unsupported scheme"),
    ("data:text/html,<script>alert(1)</script>", "Unsupported scheme"),
    ("wss://visio.gouv.fr/abc-defg-hij", "Unsupported scheme"),
    ("visios://visio.gouv.fr/abc-defg-hij", "Unsupported scheme"),
    ("//visio.gouv.fr/abc-defg-hij", "no scheme"),
    ("visio.gouv.fr/abc-defg-hij", "no scheme"),
    ("://visio.gouv.fr/abc-defg-hij", "no scheme"),
    ("1https://visio.gouv.fr/abc-defg-hij", "no scheme"),
    ("visio:/visio.gouv.fr/abc-defg-hij", "must start with “visio://”"),
    ("visio:visio.gouv.fr/abc-defg-hij", "must start with “visio://”"),
    ("https:visio.gouv.fr/abc-defg-hij", "must start with “https://”"),
    # control, whitespace, invisible and bidi characters
    ("https://visio.gouv.fr/abc-defg-hij\x00", "control"),
    ("https://visio.gouv.fr\x00.evil.com/abc-defg-hij", "control"),
    ("https://visio.gouv.fr/abc-defg\r\n-hij", "control"),
    ("https://visio.gouv.fr/abc-defg-hij\x7f", "control"),
    ("https://visio.gouv.fr/abc\tdefg-hij", "control"),
    ("https://visio.gouv.fr /abc-defg-hij", "control"),
    ("https://visio.gouv.fr/abc-defg-hij\u00a0", "U\\+00A0"),
    ("https://visio.gouv.fr/abc-defg-hij\u3000", "U\\+3000"),
    ("https://visio\u200b.gouv.fr/abc-defg-hij", "U\\+200B"),
    ("https://visio.gouv.fr\u202e/jih-gfed-cba", "U\\+202E"),
    ("https://evil.com\u2066visio.gouv.fr/abc-defg-hij", "U\\+2066"),
    ("https://visio.gouv.fr/abc-defg-hij\u2028", "U\\+2028"),
    ("https://visio.gouv.fr/abc-defg-hij\u2029", "U\\+2029"),
    ("https://visio.gouv.fr/abc-defg-hij\ufeff", "U\\+FEFF"),
    ("https://visio.gouv.fr/abc-defg-hij\u00ad", "U\\+00AD"),
    ("https://visio.gouv.fr/abc-defg-hij\x85", "U\\+0085"),
    ("https://visio.gouv.fr/abc-defg-hij\ue000", "U\\+E000"),
    # percent-encoding, query, fragment, extra path
    ("https://visio.gouv.fr%2Fevil.com/abc-defg-hij", "percent-encoded"),
    ("https://evil.com%40visio.gouv.fr/abc-defg-hij", "percent-encoded"),
    ("https://visio.gouv.fr/abc%2Ddefg-hij", "percent-encoded"),
    ("https://visio.gouv.fr/abc-defg-hij?next=https://evil.com", "query string"),
    ("https://visio.gouv.fr?@evil.com/abc-defg-hij", "query string"),
    ("https://visio.gouv.fr/abc-defg-hij#@evil.com", "fragment"),
    ("https://evil.com#@visio.gouv.fr/abc-defg-hij", "fragment"),
    ("https://visio.gouv.fr/abc-defg-hij/extra", "extra path"),
    ("https://visio.gouv.fr/abc-defg-hij//", "extra path"),
    ("https://visio.gouv.fr/../abc-defg-hij", "extra path"),
    ("https://visio.gouv.fr//abc-defg-hij", "empty room"),
    ("https://visio.gouv.fr/", "empty room"),
    ("https://visio.gouv.fr", "empty room"),
    ("https://visio.gouv.fr/abc-defg-hij.", "not a valid room name"),
    ("https://visio.gouv.fr/abc-defg-hi1", "not a valid room name"),
    ("https://visio.gouv.fr/ab-cdefg-hij", "not a valid room name"),
    ("https://visio.gouv.fr/@evil.com", "not a valid room name"),
    ("https://visio.gouv.fr/\u0430bc-defg-hij", "not a valid room name"),  # Cyrillic a
    # hosts
    ("https:///abc-defg-hij", "empty host"),
    ("https://:443/abc-defg-hij", "empty host"),
    ("https://visio..gouv.fr/abc-defg-hij", "empty label"),
    ("https://.visio.gouv.fr/abc-defg-hij", "empty label"),
    ("https://visio.gouv.fr./abc-defg-hij", "empty label"),
    ("https://visio_gouv.fr/abc-defg-hij", "invalid character"),
    ("https://-visio.gouv.fr/abc-defg-hij", "invalid character"),
    ("https://visio-.gouv.fr/abc-defg-hij", "invalid character"),
    ("https://visio.gouv.fr<script>/abc-defg-hij", "invalid character"),
    ("https://visio.gouv．/abc-defg-hij", "empty label"),  # a fullwidth dot is a dot
    ("https://xn--a.example/abc-defg-hij", "invalid punycode"),  # U+0080
    ("https://xn--bucher-xyd.fr/abc-defg-hij", "invalid punycode"),  # not NFC
    ("https://a⒈.fr/abc-defg-hij", "internationalised"),
    ("https://xn--zz.fr/abc-defg-hij", "invalid punycode"),
    ("https://xn--bücher.fr/abc-defg-hij", "internationalised"),
    ("https://1.2.3.4.5/abc-defg-hij", "not a valid one"),
    ("https://127.1/abc-defg-hij", "not a valid one"),
    ("https://256.0.0.1/abc-defg-hij", "not a valid one"),
    ("https://0127.0.0.1/abc-defg-hij", "not a valid one"),
    ("https://0x7f.0.0.1/abc-defg-hij", "not a valid one"),
    ("https://evil.0x7f000001/abc-defg-hij", "not a valid one"),
    ("https://2130706433/abc-defg-hij", "not a valid one"),
    ("https://[::1/abc-defg-hij", "unclosed bracket"),
    ("https://[::1]x/abc-defg-hij", "unexpected characters"),
    ("https://[::1]]/abc-defg-hij", "unexpected characters"),
    ("https://[fe80::1%25eth0]/abc-defg-hij", "percent-encoded"),
    ("https://[visio.gouv.fr]/abc-defg-hij", "invalid IPv6"),
    ("https://[::g]/abc-defg-hij", "invalid IPv6"),
    ("https://[1:2:3:4:5:6:7:8:9]/abc-defg-hij", "invalid IPv6"),
    ("https://[]/abc-defg-hij", "invalid IPv6"),
    ("https://::1/abc-defg-hij", "without brackets"),
    # ports
    ("https://visio.gouv.fr:99999/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:65536/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:-1/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:+443/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:080x/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:0/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:0443/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:https/abc-defg-hij", "Invalid port"),
    ("https://visio.gouv.fr:٤٤٣/abc-defg-hij", "Invalid port"),  # Arabic-Indic digits
    ("https://visio.gouv.fr:/abc-defg-hij", "empty port"),
    ("https://visio.gouv.fr:443:443/abc-defg-hij", "two ports"),
    # plain http off loopback
    ("http://visio.gouv.fr/abc-defg-hij", "loopback"),
    ("http://10.0.0.1/abc-defg-hij", "loopback"),
    ("http://[::ffff:127.0.0.1]/abc-defg-hij", "loopback"),
    ("http://localhost.evil.com/abc-defg-hij", "loopback"),
    ("http://127.0.0.1.nip.io/abc-defg-hij", "loopback"),
    # length
    ("https://visio.gouv.fr/" + "a" * 2048, "too long"),
    ("https://" + "a." * 1100 + "fr/abc-defg-hij", "too long"),
]


@pytest.mark.parametrize(("text", "reason"), HOSTILE)
def test_hostile_links_are_refused_with_reason(text: str, reason: str) -> None:
    with pytest.raises(LinkError, match=reason):
        parse_link(text)


def test_hostile_set_is_large() -> None:
    assert len(HOSTILE) >= 30


def test_unicode_lookalike_host_becomes_visible_punycode() -> None:
    link = parse_link("https://visi\u043e.gouv.fr/abc-defg-hij")  # Cyrillic o
    assert link.host.startswith("xn--")
    assert link.host.endswith(".gouv.fr")
    assert not is_host_allowed(link.host, ["visio.gouv.fr"])


def test_fullwidth_host_maps_to_its_ascii_name() -> None:
    # IDNA maps fullwidth letters to ASCII: the link then names the real host, as in browsers.
    assert parse_link("https://ｖｉｓｉｏ.gouv.fr/abc-defg-hij").host == "visio.gouv.fr"


def _expected_round_trip(link: MeetingLink) -> MeetingLink:
    """`web_url` is an https (or http) link, so a visio link comes back with scheme https."""
    return dataclasses.replace(link, scheme="https" if link.scheme == "visio" else link.scheme)


def test_round_trip_examples() -> None:
    link = parse_link("visio://VISIO.exämple.fr:443/ABCDEFGHIJ/")
    assert parse_link(link.web_url) == _expected_round_trip(link)
    assert link.web_url == "https://visio.xn--exmple-cua.fr/abc-defg-hij"


_host_parts = st.sampled_from(
    [
        "visio.gouv.fr",
        "VISIO.gouv.fr",
        "localhost",
        "127.0.0.1",
        "[::1]",
        "[2001:db8::1]",
        "exämple.fr",
        "xn--exmple-cua.fr",
        "10.0.0.1",
        "a",
        "",
        "1.2.3",
        "ｖｉｓｉｏ.fr",
    ]
)
_near_links = st.builds(
    lambda scheme, host, port, room, slash, noise: f"{scheme}://{host}{port}/{room}{slash}" + noise,
    st.sampled_from(["visio", "https", "http", "HTTPS", "Visio", "wss", ""]),
    _host_parts | st.text(max_size=12),
    st.sampled_from(["", ":443", ":80", ":8443", ":0", ":65535", ":65536"])
    | st.integers(-10, 70000).map(lambda n: f":{n}"),
    st.from_regex(r"[A-Za-z]{3}-?[A-Za-z]{4}-?[A-Za-z]{3}", fullmatch=True) | st.text(max_size=12),
    st.sampled_from(["", "/", "//", "/x"]),
    st.sampled_from(["", "", "", "?a=b", "#x", "\x00", " "]) | st.text(max_size=3),
)


@given(st.text() | _near_links)
def test_parse_link_only_returns_link_or_raises_link_error(text: str) -> None:
    try:
        link = parse_link(text)
    except LinkError as error:
        assert error.message
        return
    assert isinstance(link, MeetingLink)
    assert link.scheme in {"visio", "https", "http"}
    assert SLUG_RE.fullmatch(link.room)
    assert link.port is None or 1 <= link.port <= 65535
    assert link.host == link.host.lower() and link.host.isascii()
    assert link.scheme != "http" or link.is_loopback
    assert parse_link(link.web_url) == _expected_round_trip(link)
    assert parse_link(f"{link.scheme}://{link.server_base_url.split('://')[1]}/{link.room}") == link
