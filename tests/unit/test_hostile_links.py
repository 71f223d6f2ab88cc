"""A corpus of hostile meeting links and server-supplied addresses, judged under policy.

Each hostile link is either refused by the parser (`LinkError`, nothing opens) or parses to a
host that a `*.gouv.fr` policy does not allow: then it is refused when unknown servers are
forbidden, and asked about (host shown in ASCII/punycode, camera and microphone off) when they
are allowed. A link never reaches an ALLOW it should not.

Note on homoglyphs: a lookalike of the allowed *domain* (Cyrillic letters in "gouv.fr" or in
"agriculture.gouv.fr") is another domain and is never allowed. A lookalike label *under* an
allowed domain (`xn--visi-85d.gouv.fr`) is allowed by `*.gouv.fr`, as its owner controls it:
the policy trusts the domain, and the pre-join screen shows the punycode host.
"""

from __future__ import annotations

import pytest

from visio_desktop.core.errors import LinkError
from visio_desktop.core.link_policy import (
    LinkOutcome,
    check_server_supplied_url,
    decide_link,
    decide_unattended,
)
from visio_desktop.core.links import parse_link
from visio_desktop.core.policy import Policy

ROOM = "abc-defg-hij"
STRICT = Policy(allowed_servers=("*.gouv.fr",), allow_unknown_servers=False)
ASKING = Policy(allowed_servers=("*.gouv.fr",))

REFUSED_BY_THE_PARSER = [
    # other schemes
    "javascript:alert(1)",
    "JaVaScRiPt://visio.gouv.fr/abc-defg-hij",
    "javascript://visio.gouv.fr/%0aalert(1)",
    "file:///etc/passwd",
    "file://visio.gouv.fr/abc-defg-hij",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://visio.gouv.fr/abc-defg-hij",
    "smb://visio.gouv.fr/abc-defg-hij",
    "visio:abc-defg-hij",
    "visio:/visio.gouv.fr/abc-defg-hij",
    "//visio.gouv.fr/abc-defg-hij",
    "http://visio.gouv.fr/abc-defg-hij",  # plain http off this computer
    # what a command line would read as options
    "--help",
    "-visio://visio.gouv.fr/abc-defg-hij",
    "--server=evil.fr visio://visio.gouv.fr/abc-defg-hij",
    # userinfo
    "https://visio.gouv.fr@evil.fr/abc-defg-hij",
    "https://user:pass@visio.gouv.fr/abc-defg-hij",
    "visio://@visio.gouv.fr/abc-defg-hij",
    "https://visio.gouv.fr:443@evil.fr/abc-defg-hij",
    # percent-encoding, in the host or anywhere
    "https://visio%2Egouv.fr/abc-defg-hij",
    "https://evil.fr%2F@visio.gouv.fr/abc-defg-hij",
    "https://%76isio.gouv.fr/abc-defg-hij",
    "https://visio.gouv.fr/abc%2Ddefg-hij",
    "https://[::1%25eth0]/abc-defg-hij",
    # backslashes
    "https://evil.fr\\@visio.gouv.fr/abc-defg-hij",
    "https:\\\\evil.fr/abc-defg-hij",
    "https://visio.gouv.fr\\.evil.fr/abc-defg-hij",
    # query, fragment, extra path
    "https://visio.gouv.fr/abc-defg-hij?next=https://evil.fr",
    "https://visio.gouv.fr/abc-defg-hij#@evil.fr",
    "https://evil.fr/visio.gouv.fr/abc-defg-hij",
    "https://evil.fr#visio.gouv.fr/abc-defg-hij",
    # overlong
    "https://" + "a" * 3000 + ".gouv.fr/abc-defg-hij",
    "https://" + "a" * 64 + ".gouv.fr/abc-defg-hij",
    "https://" + "abcdefghi." * 26 + "gouv.fr/abc-defg-hij",
    "https://visio.gouv.fr/" + "abc-defg-hij" * 200,
    # trailing, leading and doubled dots
    "https://visio.gouv.fr./abc-defg-hij",
    "https://.visio.gouv.fr/abc-defg-hij",
    "https://visio..gouv.fr/abc-defg-hij",
    # ports
    "https://visio.gouv.fr:0/abc-defg-hij",
    "https://visio.gouv.fr:65536/abc-defg-hij",
    "https://visio.gouv.fr:08443/abc-defg-hij",
    "https://visio.gouv.fr:-1/abc-defg-hij",
    "https://visio.gouv.fr:/abc-defg-hij",
    "https://visio.gouv.fr:443:443/abc-defg-hij",
    "https://visio.gouv.fr:４４３/abc-defg-hij",  # fullwidth digits
    # IPv6 and numeric forms
    "https://::1/abc-defg-hij",
    "https://[::1/abc-defg-hij",
    "https://[::1]x/abc-defg-hij",
    "https://[fe80::1%eth0]/abc-defg-hij",
    "https://[v1.fe80::1]/abc-defg-hij",
    "https://[::1]]/abc-defg-hij",
    "https://0x7f.1/abc-defg-hij",
    "https://2130706433/abc-defg-hij",
    "https://127.1/abc-defg-hij",
    "https://1.2.3.04.5/abc-defg-hij",
    "https://256.1.1.1/abc-defg-hij",
    # control, invisible and space characters
    "https://visio.gouv.fr\u200b/abc-defg-hij",
    "https://visio.gouv.fr\u00ad/abc-defg-hij",
    "https://\u202erf.vuog.oisiv/abc-defg-hij",
    "https://visio.gouv.fr\x00.evil.fr/abc-defg-hij",
    "https://visio.\tgouv.fr/abc-defg-hij",
    "https://visio.gouv.fr /abc-defg-hij",
    "https://visio.gouv.fr\n.evil.fr/abc-defg-hij",
    "https://visio.gouv.fr\u3000/abc-defg-hij",
    # broken internationalised names
    "https://xn--/abc-defg-hij",
    "https://xn--a-ecp.xn--zz/abc-defg-hij",
    # what IDNA 2003 (the stdlib codec) let through and IDNA 2008 with UTS #46 refuses
    "https://xn--a.example/abc-defg-hij",  # decodes to U+0080, a control character
    "https://xn--a.gouv.fr/abc-defg-hij",
    "https://xn--a-ecp.gouv.fr/abc-defg-hij",  # "a⒈": a digit-and-full-stop symbol
    "https://a\u2488.gouv.fr/abc-defg-hij",  # "⒈" itself
    "https://xn--bucher-xyd.gouv.fr/abc-defg-hij",  # "bücher" decomposed: a second spelling
    "https://xn--bcher-2pa.gouv.fr/abc-defg-hij",  # "bÜcher": an A-label never has capitals
    "https://xn--ab-m1t.gouv.fr/abc-defg-hij",  # a zero-width joiner between letters
    "https://visio_gouv.fr/abc-defg-hij",
    "https://-visio.gouv.fr/abc-defg-hij",
    # empty pieces
    "",
    "https://",
    "https:///abc-defg-hij",
    "https://visio.gouv.fr",
    "https://visio.gouv.fr/",
    "https://visio.gouv.fr/not-a-room",
]

PARSED_BUT_NOT_ALLOWED = [
    # (link, the host the user must be shown)
    ("https://visio.gоuv.fr/abc-defg-hij", "visio.xn--guv-sed.fr"),  # Cyrillic o (U+043E)
    ("https://visio.xn--guv-sed.fr/abc-defg-hij", "visio.xn--guv-sed.fr"),  # the same, encoded
    ("https://visio.gouv.fг/abc-defg-hij", "visio.gouv.xn--f-ftb"),  # Cyrillic ghe (U+0433)
    ("https://аррӏе.com/abc-defg-hij", "xn--80ak6aa92e.com"),  # all Cyrillic
    ("https://visio。example.gouv.fr.evil.fr/abc-defg-hij", "visio.example.gouv.fr.evil.fr"),
    ("https://visio.gouv.fr.evil.fr/abc-defg-hij", "visio.gouv.fr.evil.fr"),
    ("https://evilgouv.fr/abc-defg-hij", "evilgouv.fr"),
    ("https://gouv.fr/abc-defg-hij", "gouv.fr"),
    ("https://gouv.fr.evil.fr:8443/abc-defg-hij", "gouv.fr.evil.fr:8443"),
    ("https://10.0.0.1/abc-defg-hij", "10.0.0.1"),
    ("https://[::ffff:127.0.0.1]/abc-defg-hij", "[::ffff:7f00:1]"),
    ("https://[2001:db8::1]:8443/abc-defg-hij", "[2001:db8::1]:8443"),
    ("http://127.0.0.1:8470/abc-defg-hij", "127.0.0.1:8470"),
    ("http://[::1]:8470/abc-defg-hij", "[::1]:8470"),
    ("https://localhost/abc-defg-hij", "localhost"),
    ("https://intranet/abc-defg-hij", "intranet"),
]


@pytest.mark.parametrize("text", REFUSED_BY_THE_PARSER)
def test_refused_by_the_parser(text: str) -> None:
    with pytest.raises(LinkError) as caught:
        parse_link(text)
    assert caught.value.message  # a sentence the user can read


@pytest.mark.parametrize(("text", "shown"), PARSED_BUT_NOT_ALLOWED)
def test_refused_or_asked_under_policy(text: str, shown: str) -> None:
    link = parse_link(text)
    refused = decide_link(link, STRICT, known_hosts=[])
    assert refused.outcome is LinkOutcome.REFUSE
    assert shown in refused.message and not refused.media_on
    asked = decide_link(link, ASKING, known_hosts=[])
    assert asked.outcome is LinkOutcome.ASK
    assert asked.shown_host == shown and asked.shown_host.isascii()
    assert shown in asked.message and not asked.media_on


@pytest.mark.parametrize(("text", "shown"), PARSED_BUT_NOT_ALLOWED)
def test_without_a_window_what_would_be_asked_is_refused(text: str, shown: str) -> None:
    """The headless client's decision: the window's, with nobody to answer its question; the
    built-in server's host counts as known unless unknown servers are forbidden."""
    link = parse_link(text)
    decision = decide_unattended(link, ASKING, known_hosts=[])
    if link.host == "127.0.0.1":
        assert decision.outcome is LinkOutcome.ALLOW
    else:
        assert decision.outcome is LinkOutcome.REFUSE
        assert shown in decision.message and "no one to ask" in decision.message
    assert decide_unattended(link, STRICT, known_hosts=[]).outcome is LinkOutcome.REFUSE
    known = decide_unattended(link, ASKING, known_hosts=[link.host])
    assert known.outcome is LinkOutcome.ALLOW


def test_a_cyrillic_a_in_an_allowed_domain_lookalike_is_not_allowed() -> None:
    policy = Policy(allowed_servers=("*.agriculture.gouv.fr",), allow_unknown_servers=False)
    lookalike = parse_link(f"https://visio.\u0430griculture.gouv.fr/{ROOM}")  # Cyrillic a (U+0430)
    decision = decide_link(lookalike, policy, known_hosts=[])
    assert decision.outcome is LinkOutcome.REFUSE
    assert decision.shown_host == "visio.xn--griculture-yqi.gouv.fr"
    real = parse_link(f"https://visio.agriculture.gouv.fr/{ROOM}")
    assert decide_link(real, policy, known_hosts=[]).outcome is LinkOutcome.ALLOW


def test_a_lookalike_label_under_an_allowed_domain_shows_punycode() -> None:
    link = parse_link(f"https://visi\u043e.gouv.fr/{ROOM}")  # Cyrillic o (U+043E) under gouv.fr
    decision = decide_link(link, STRICT, known_hosts=[])
    assert decision.outcome is LinkOutcome.ALLOW
    assert decision.shown_host == "xn--visi-85d.gouv.fr"


@pytest.mark.parametrize(
    "text",
    [
        "https://VISIO.GOUV.FR/ABC-DEFG-HIJ",
        "visio://visio.gouv.fr:443/abcdefghij",
        "https://visio.gouv.fr:8443/abc-defg-hij/",
        "  https://visio.gouv.fr/abc-defg-hij\n",
        "https://ＶＩＳＩＯ.gouv.fr/abc-defg-hij",  # fullwidth letters fold to ASCII
        # The full stops that UTS #46 maps to "." separate labels, as in a browser: the link
        # goes where a browser would take it (IDNA 2003 read U+3002 as a letter).
        "https://visio。gouv.fr/abc-defg-hij",  # ideographic full stop, U+3002
        "https://visio．gouv．fr/abc-defg-hij",  # fullwidth full stops, U+FF0E
        "https://visio｡gouv.fr/abc-defg-hij",  # halfwidth ideographic full stop, U+FF61
    ],
)
def test_harmless_variants_of_an_allowed_link_are_allowed(text: str) -> None:
    decision = decide_link(parse_link(text), STRICT, known_hosts=[])
    assert decision.outcome is LinkOutcome.ALLOW
    assert decision.link.host == "visio.gouv.fr"


def test_an_unknown_host_written_with_ideographic_full_stops_shows_its_real_labels() -> None:
    decision = decide_link(parse_link(f"https://visio。example.gouv.fr/{ROOM}"), STRICT, [])
    assert decision.link.host == "visio.example.gouv.fr"
    asked = decide_link(parse_link(f"https://visio。example｡org/{ROOM}"), ASKING, [])
    assert asked.outcome is LinkOutcome.ASK
    assert asked.shown_host == "visio.example.org"


SERVER_REDIRECTS = [
    "wss://evil.fr/ws",
    "wss://visio.gouv.fr.evil.fr/ws",
    "wss://visio.gouv.fr@evil.fr/ws",
    "wss://evil.fr\\@visio.gouv.fr/ws",
    "wss://evil.fr%2F@visio.gouv.fr/ws",
    "wss://visio%2egouv.fr/ws",
    "wss://visio.gоuv.fr/ws",  # Cyrillic o (U+043E)
    "wss://127.0.0.1/ws",
    "wss://[::1]:8470/ws",
    "wss://localhost/ws",
    "wss://10.0.0.1/ws",
    "ws://visio.gouv.fr/ws",
    "http://visio.gouv.fr/janus",
    "wss:///ws",
    "wss:visio.gouv.fr/ws",
    "wss://visio.gouv.fr:99999/ws",
    "wss://visio.gouv.fr\u200b/ws",
    "turn:evil.fr:3478?transport=udp",
    "turns:evil.fr:5349",
    "stun:stun.l.google.com:19302",
    "turn:user@visio.gouv.fr:3478",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:,x",
    "wss://" + "a" * 3000 + "/ws",
]


@pytest.mark.parametrize("url", SERVER_REDIRECTS)
def test_a_server_cannot_send_the_client_elsewhere(url: str) -> None:
    link = parse_link(f"https://visio.gouv.fr/{ROOM}")
    for policy in (Policy(), ASKING, STRICT):
        with pytest.raises(LinkError):
            check_server_supplied_url(url, link, policy)


def test_known_hosts_and_unknown_servers_never_widen_server_urls() -> None:
    link = parse_link(f"https://visio.gouv.fr/{ROOM}")
    with pytest.raises(LinkError, match="another host"):
        check_server_supplied_url("wss://other.example.fr/ws", link, Policy())
    check_server_supplied_url("wss://media.gouv.fr/ws", link, ASKING)  # the policy names it
