"""System policy: good, empty, bad and missing files, the registry's values, what a policy
locks and overrides, link decisions, server-supplied URLs, and TLS with a policy's CA."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visio_desktop.core import policy as policy_module
from visio_desktop.core.errors import LinkError
from visio_desktop.core.link_policy import LinkOutcome, check_server_supplied_url, decide_link
from visio_desktop.core.links import parse_link
from visio_desktop.core.policy import (
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    Captions,
    Policy,
    apply_policy,
    load_policy,
    locked_fields,
    parse_policy,
    registry_data,
)
from visio_desktop.core.settings import Settings

ROOM = "abc-defg-hij"
KEYS = sorted(policy_module.REGISTRY_NAMES.values())


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "policy.toml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# -- files ------------------------------------------------------------------------------------


def test_a_missing_file_is_no_policy(tmp_path: Path) -> None:
    assert load_policy(tmp_path / "absent.toml") == (Policy(), [])


def test_a_complete_policy(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    path = write(
        tmp_path,
        f"""
        default_server = "https://Visio.Interieur.Gouv.fr/"
        allowed_servers = ["visio.interieur.gouv.fr", "*.Culture.gouv.fr", "[2001:db8::1]"]
        allow_unknown_servers = false
        captions = "fr"
        model_mirror = "https://models.intranet.gouv.fr/whisper/"
        proxy = "http://proxy.intranet.gouv.fr:3128"
        extra_ca_bundle = "{ca}"
        """,
    )
    policy, problems = load_policy(path)
    assert problems == []
    assert policy == Policy(
        default_server="https://visio.interieur.gouv.fr",
        allowed_servers=("visio.interieur.gouv.fr", "*.culture.gouv.fr", "2001:db8::1"),
        allow_unknown_servers=False,
        captions=Captions.FRENCH,
        model_mirror="https://models.intranet.gouv.fr/whisper/",
        proxy="http://proxy.intranet.gouv.fr:3128",
        extra_ca_bundle=str(ca),
        source=str(path),
    )
    assert (policy.captions_on, policy.captions_language) == (True, "fr")
    assert policy.model_downloads_allowed


def test_empty_values_count_as_unset(tmp_path: Path) -> None:
    text = "\n".join(f'{key} = ""' for key in KEYS) + '\nallowed_servers = [" ", ""]\n'
    path = write(tmp_path, text.replace('allowed_servers = ""\n', ""))
    assert load_policy(path) == (Policy(source=str(path)), [])


@pytest.mark.parametrize(
    "content",
    [
        b"default_server = ",  # not TOML
        b"captions = 'on'\ncaptions = 'off'\n",  # a key twice
        b'default_server = "https://visio.gouv.fr"\n\xff\xfe',  # not UTF-8
    ],
)
def test_a_malformed_file_is_reported_and_read_the_safest_way(
    tmp_path: Path, content: bytes
) -> None:
    path = write(tmp_path, content)
    policy, problems = load_policy(path)
    assert len(problems) == 1 and str(path) in problems[0] and "could not be read" in problems[0]
    assert policy.allow_unknown_servers is False
    assert policy.allowed_servers == () and policy.default_server == ""
    assert policy.captions is Captions.OFF
    assert not policy.model_downloads_allowed
    decision = decide_link(parse_link(f"https://visio.gouv.fr/{ROOM}"), policy, ["visio.gouv.fr"])
    assert decision.outcome is LinkOutcome.REFUSE
    assert "policy could not be read" in decision.message


def test_an_unreadable_path_is_reported(tmp_path: Path) -> None:
    policy, problems = load_policy(tmp_path)  # a folder: reading it fails
    assert policy.allow_unknown_servers is False and "could not be read" in problems[0]


@pytest.mark.parametrize(
    ("key", "value", "field", "safest", "says"),
    [
        ("allow_unknown_servers", '"maybe"', "allow_unknown_servers", False, "refused"),
        ("allow_unknown_servers", "2", "allow_unknown_servers", False, "refused"),
        ("allow_unknown_servers", '"#2"', "allow_unknown_servers", False, "refused"),
        ("captions", '"de"', "captions", Captions.OFF, "captions are off"),
        ("captions", "3", "captions", Captions.OFF, "captions are off"),
        ("default_server", '"ftp://visio.gouv.fr"', "default_server", "", "ignored"),
        ("default_server", '"https://u@visio.gouv.fr"', "default_server", "", "ignored"),
        ("default_server", "true", "default_server", "", "ignored"),
        ("allowed_servers", "42", "allowed_servers", (), "ignored"),
        ("model_mirror", '"http://models.example.fr"', "model_mirror", "", "blocked"),
        ("proxy", '"http://user:secret@proxy:3128"', "proxy", "", "ignored"),
        ("proxy", '"http://proxy:99999"', "proxy", "", "ignored"),
        ("extra_ca_bundle", '"relative/ca.pem"', "extra_ca_bundle", "", "no extra"),
        ("extra_ca_bundle", '"/nonexistent/ca.pem"', "extra_ca_bundle", "", "no extra"),
    ],
)
def test_a_bad_value_is_read_the_safest_way(
    tmp_path: Path, key: str, value: str, field: str, safest: object, says: str
) -> None:
    policy, problems = load_policy(write(tmp_path, f"{key} = {value}\n"))
    assert getattr(policy, field) == safest
    assert policy.invalid == {key}
    assert len(problems) == 1 and key in problems[0] and says in problems[0]


def test_bad_server_entries_are_dropped_and_good_ones_kept(tmp_path: Path) -> None:
    text = 'allowed_servers = "visio.gouv.fr; *.culture.gouv.fr, bad/host * 1.2.3.4:80 *.::1"'
    policy, problems = load_policy(write(tmp_path, text))
    assert policy.allowed_servers == ("visio.gouv.fr", "*.culture.gouv.fr")
    assert len(problems) == 4 and all("dropped" in p for p in problems)
    policy, problems = load_policy(write(tmp_path, 'allowed_servers = [1, "", "a.gouv.fr"]'))
    assert policy.allowed_servers == ("a.gouv.fr",) and len(problems) == 1  # "" is no entry


def test_the_shipped_example_sets_nothing_and_every_line_of_it_is_valid(tmp_path: Path) -> None:
    example = (Path(__file__).parents[2] / "installers" / "policy.example.toml").read_text()
    assert load_policy(write(tmp_path, example)) == (
        Policy(source=str(tmp_path / "policy.toml")),
        [],
    )
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    lines = [
        line[1:] if line.startswith("#") and " = " in line else line
        for line in example.splitlines()
    ]
    text = "\n".join(lines).replace("/etc/ssl/certs/ministere-ca.pem", str(ca))
    policy, problems = load_policy(write(tmp_path, text))
    assert problems == []
    assert {"server_url", "captions_on"} <= locked_fields(policy)
    assert policy.extra_ca_bundle == str(ca) and not policy.allow_unknown_servers


def test_unknown_settings_are_reported(tmp_path: Path) -> None:
    policy, problems = load_policy(write(tmp_path, 'captions = "on"\n[extra]\nx = 1\n'))
    assert policy.captions is Captions.ON
    assert problems == ["Unknown policy setting “extra” ignored."]


@given(
    st.dictionaries(
        st.sampled_from([*KEYS, "other"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=40),
            lambda inner: st.lists(inner, max_size=4),
            max_leaves=8,
        ),
    )
)
def test_parsing_never_raises(data: dict[str, object]) -> None:
    policy, problems = parse_policy(data)
    assert isinstance(policy, Policy) and all(isinstance(p, str) for p in problems)
    assert policy.invalid <= set(KEYS)


def test_the_environment_variable_only_works_without_a_system_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    mine = write(tmp_path, 'captions = "off"\n')
    monkeypatch.setenv("VISIO_POLICY_FILE", str(mine))
    monkeypatch.setattr(policy_module, "POLICY_FILE", tmp_path / "no-system-policy.toml")
    assert load_policy()[0].captions is Captions.OFF
    system = tmp_path / "system.toml"
    system.write_text('captions = "en"\n')
    monkeypatch.setattr(policy_module, "POLICY_FILE", system)
    policy, problems = load_policy()
    assert policy.captions is Captions.ENGLISH
    assert problems == ["VISIO_POLICY_FILE is ignored: this computer has a system policy."]


# -- registry ---------------------------------------------------------------------------------


def test_registry_values_as_the_msi_and_group_policy_write_them() -> None:
    data, problems = registry_data(
        [
            ("DefaultServer", "https://visio.gouv.fr", REG_SZ),
            ("allowedservers", "visio.gouv.fr;*.culture.gouv.fr", REG_SZ),  # any case
            ("AllowUnknownServers", 0, REG_DWORD),
            ("Captions", "", REG_SZ),  # an .msi property left empty
            ("Proxy", ["not", "text"], REG_MULTI_SZ),  # wrong type: read the safest way
            ("ExtraCABundle", b"\x00", 3),  # REG_BINARY
            ("Colour", "blue", REG_SZ),
        ]
    )
    assert problems == ["Unknown policy value “Colour” ignored."]
    policy, found = parse_policy(data)
    assert policy.default_server == "https://visio.gouv.fr"
    assert policy.allowed_servers == ("visio.gouv.fr", "*.culture.gouv.fr")
    assert policy.allow_unknown_servers is False
    assert policy.captions is None  # empty is unset
    assert policy.proxy == "" and policy.invalid == {"proxy", "extra_ca_bundle"}
    assert len(found) == 2


def test_registry_multi_string_list() -> None:
    data, _ = registry_data([("AllowedServers", ["a.gouv.fr", "", "*.b.gouv.fr"], REG_MULTI_SZ)])
    assert parse_policy(data)[0].allowed_servers == ("a.gouv.fr", "*.b.gouv.fr")


# -- applying ---------------------------------------------------------------------------------


def test_policy_values_win_and_lock_the_settings() -> None:
    user = Settings(server_url="https://mine.example.fr", captions_on=True, display_name="Ana")
    policy = Policy(default_server="https://visio.gouv.fr", captions=Captions.OFF)
    applied = apply_policy(user, policy)
    assert (applied.server_url, applied.captions_on) == ("https://visio.gouv.fr", False)
    assert applied.display_name == "Ana"
    assert locked_fields(policy) == {"server_url", "captions_on"}


def test_no_policy_changes_and_locks_nothing() -> None:
    user = Settings(server_url="https://mine.example.fr", captions_on=False)
    assert apply_policy(user, Policy()) == user
    assert locked_fields(Policy()) == set()
    english = Policy(captions=Captions.ENGLISH)
    forced = apply_policy(user, english)
    assert forced.captions_on is True
    if hasattr(user, "caption_language"):  # the recognition language, when settings have it
        assert locked_fields(english) == {"captions_on", "caption_language"}
        assert getattr(forced, "caption_language") == "en"  # noqa: B009
    else:
        assert locked_fields(english) == {"captions_on"}
    assert locked_fields(Policy(captions=Captions.ON)) == {"captions_on"}


# -- links ------------------------------------------------------------------------------------

STRICT = Policy(allowed_servers=("*.gouv.fr",), allow_unknown_servers=False)


@pytest.mark.parametrize(
    ("policy", "host", "known", "outcome"),
    [
        (Policy(), "visio.example.fr", [], LinkOutcome.ASK),
        (Policy(), "visio.example.fr", ["VISIO.example.fr"], LinkOutcome.ALLOW),
        (Policy(), "visio.example.fr", ["*.example.fr"], LinkOutcome.ASK),  # known: exact only
        (Policy(allowed_servers=("*.gouv.fr",)), "a.gouv.fr", [], LinkOutcome.ALLOW),
        (Policy(allowed_servers=("*.gouv.fr",)), "evil.fr", [], LinkOutcome.ASK),
        (STRICT, "a.gouv.fr", [], LinkOutcome.ALLOW),
        (STRICT, "evil.fr", ["evil.fr"], LinkOutcome.REFUSE),  # the user cannot override IT
        (Policy(default_server="https://v.gouv.fr", allow_unknown_servers=False), "v.gouv.fr",
         [], LinkOutcome.ALLOW),
        (Policy(allow_unknown_servers=False), "v.gouv.fr", ["v.gouv.fr"], LinkOutcome.REFUSE),
    ],
)  # fmt: skip
def test_link_decisions(policy: Policy, host: str, known: list[str], outcome: LinkOutcome) -> None:
    decision = decide_link(parse_link(f"visio://{host}/{ROOM}"), policy, known)
    assert decision.outcome is outcome
    assert decision.media_on is (outcome is LinkOutcome.ALLOW)
    assert (decision.message == "") is (outcome is LinkOutcome.ALLOW)


def test_asking_shows_punycode_and_refusing_says_why() -> None:
    link = parse_link(f"https://visio.exämple.fr:8443/{ROOM}")
    ask = decide_link(link, Policy(), [])
    assert ask.shown_host == "visio.xn--exmple-cua.fr:8443"
    assert "visio.xn--exmple-cua.fr:8443" in ask.message and "start off" in ask.message
    refuse = decide_link(link, STRICT, [])
    assert "only allows meetings on *.gouv.fr" in refuse.message
    assert "IT department" in refuse.message
    nothing = decide_link(link, Policy(allow_unknown_servers=False), [])
    assert "allows no meeting server" in nothing.message


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("wss://visio.gouv.fr/ws", True),
        ("WSS://VISIO.gouv.fr:8443/ws?token=x", True),
        ("turns:visio.gouv.fr:5349?transport=tcp", True),
        ("stun:visio.gouv.fr", True),
        ("https://janus.gouv.fr/janus", True),  # another host the policy names
        ("wss://evil.fr/ws", False),
        ("turn:evil.fr:3478", False),
        ("ws://visio.gouv.fr/ws", False),  # plain ws only on loopback
        ("wss://127.0.0.1/ws", False),
        ("wss://visio.gouv.fr@evil.fr/ws", False),
        ("javascript:alert(1)", False),
    ],
)
def test_server_supplied_urls(url: str, allowed: bool) -> None:
    link = parse_link(f"https://visio.gouv.fr/{ROOM}")
    policy = Policy(allowed_servers=("janus.gouv.fr",))
    if allowed:
        check_server_supplied_url(url, link, policy)
    else:
        with pytest.raises(LinkError):
            check_server_supplied_url(url, link, policy)


def test_loopback_servers_may_hand_out_plain_ws() -> None:
    link = parse_link(f"http://127.0.0.1:8470/{ROOM}")
    check_server_supplied_url("ws://127.0.0.1:8470/ws", link, Policy())
    with pytest.raises(LinkError, match="another host"):
        check_server_supplied_url("ws://localhost:8470/ws", link, Policy())
