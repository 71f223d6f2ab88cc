"""The settings model: cleaning, server addresses, recent meetings and known hosts."""

from __future__ import annotations

import pytest

from visio_desktop.core.errors import LinkError
from visio_desktop.core.settings import (
    MAX_RECENT,
    RecentMeeting,
    Settings,
    clean_settings,
    knows_host,
    normalise_server_url,
    remember_meeting,
)


def test_display_name_keeps_the_joiners_scripts_need() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert clean_settings(Settings(display_name=persian)).display_name == persian
    spoof = "Ana\u202egnp.exe"
    assert clean_settings(Settings(display_name=spoof)).display_name == "Anagnp.exe"


def test_display_name_is_cleaned() -> None:
    cleaned = clean_settings(Settings(display_name="  Ana\u0007 \u200b" + "x" * 100))
    assert cleaned.display_name == "Ana " + "x" * 60
    assert len(clean_settings(Settings(display_name="y" * 80)).display_name) == 64


def test_clean_settings_fixes_every_range() -> None:
    cleaned = clean_settings(
        Settings(language="de", caption_size=2, server_url="https://Visio.Example.ORG:443/")
    )
    assert (cleaned.language, cleaned.caption_size) == ("", 10)
    assert cleaned.server_url == "https://visio.example.org"
    assert clean_settings(Settings(caption_size=99)).caption_size == 48
    assert clean_settings(Settings(server_url="not a url")).server_url == ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", ""),
        ("  ", ""),
        ("https://visio.example.org", "https://visio.example.org"),
        ("HTTPS://visio.example.org:8443/", "https://visio.example.org:8443"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_server_urls_are_normalised(url: str, expected: str) -> None:
    assert normalise_server_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "visio.example.org",
        "ftp://a.example",
        "visio://a.example",
        "https://",
        "https://a b",
        "https://u:p@a.example",
        "https://a.example/x",
        "https://a.example?x=1",
        "http://a.example",
    ],
)
def test_bad_server_urls_are_refused(url: str) -> None:
    with pytest.raises(LinkError):
        normalise_server_url(url)


def test_remember_meeting_puts_it_first_once_and_caps_the_list() -> None:
    settings = Settings()
    for index in range(MAX_RECENT + 3):
        settings = remember_meeting(
            settings,
            f"https://h{index % 2}.example/{index}",
            str(index),
            f"h{index % 2}.example",
            float(index),
        )
    assert len(settings.recent) == MAX_RECENT
    assert settings.recent[0].room == str(MAX_RECENT + 2)
    assert settings.known_hosts == ("h0.example", "h1.example")
    again = remember_meeting(settings, settings.recent[4].link, "again", "H0.EXAMPLE", 99.0)
    assert again.recent[0] == RecentMeeting(settings.recent[4].link, "again", "H0.EXAMPLE", 99.0)
    assert len(again.recent) == MAX_RECENT
    assert [m.link for m in again.recent].count(settings.recent[4].link) == 1
    assert again.known_hosts == settings.known_hosts  # the host was already known


def test_knows_host_compares_normalised_hosts_and_ignores_wildcards() -> None:
    settings = Settings(
        known_hosts=("visio.example.org", "*.evil.example", "xn--bcher-kva.example")
    )
    assert knows_host(settings, "VISIO.example.org")
    assert knows_host(settings, "bücher.example")
    assert not knows_host(settings, "a.evil.example")
    assert not knows_host(settings, "other.example")
    assert not knows_host(settings, "")
