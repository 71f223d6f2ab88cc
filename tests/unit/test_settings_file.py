"""The settings file: TOML round trip, repair of malformed files and migrations."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from visio_desktop.core import settings_file
from visio_desktop.core.settings import (
    RecentMeeting,
    Settings,
    clean_settings,
)
from visio_desktop.core.settings_file import (
    SETTINGS_VERSION,
    load_settings,
    parse_settings,
    save_settings,
    settings_path,
)

FULL = Settings(
    display_name="Camille Dupont",
    language="fr",
    caption_size=22,
    captions_on=False,
    camera="USB Camera",
    microphone="Headset Microphone",
    speaker="Headset",
    server_url="https://visio.example.org:8443",
    known_hosts=("visio.example.org", "127.0.0.1"),
    recent=(
        RecentMeeting(
            "https://visio.example.org/abc-defg-hij", "abc-defg-hij", "visio.example.org", 2e9
        ),
        RecentMeeting("http://127.0.0.1:8080/xyz-abcd-efg", "xyz-abcd-efg", "127.0.0.1", 1.5e9),
    ),
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "settings.toml")


def test_settings_path_is_in_the_user_config_folder() -> None:
    path = settings_path()
    assert path.name == "settings.toml"
    assert path.parent.name == "visio-desktop"


def test_missing_file_gives_defaults_without_problem(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "settings.toml") == (Settings(), [])
    assert list(tmp_path.iterdir()) == []


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "settings.toml"
    save_settings(path, FULL)
    assert load_settings(path) == (FULL, [])
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == SETTINGS_VERSION
    assert document["recent"][0]["room"] == "abc-defg-hij"


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(path, Settings(display_name="first"))
    save_settings(path, FULL)
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]
    assert load_settings(path)[0] == FULL


def test_failed_write_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    save_settings(path, FULL)
    before = path.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        save_settings(path, Settings())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_a_file_that_is_not_toml_is_moved_aside(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "display_name = 'Camille\n[[[ broken")
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert "could not be read as TOML" in problems[0]
    assert not path.exists()
    [kept] = tmp_path.glob("settings.toml.bad-*")
    assert kept.read_text(encoding="utf-8") == "display_name = 'Camille\n[[[ broken"
    assert kept.name in problems[1]


def test_a_file_that_is_not_utf8_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"display_name = '\xff\xfe'\n")
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert problems
    assert len(list(tmp_path.glob("settings.toml.bad-*"))) == 1


def test_an_unreadable_file_is_moved_aside_so_a_save_cannot_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "settings.toml", "display_name = 'Ana'\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    settings, problems = load_settings(path)
    monkeypatch.undo()
    assert settings == Settings()
    assert "Permission denied" in problems[0]
    [kept] = tmp_path.glob("settings.toml.bad-*")
    assert kept.read_text(encoding="utf-8") == "display_name = 'Ana'\n"
    assert not path.exists()


def test_moving_aside_never_replaces_an_earlier_copy(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    for text in ("first = ", "second = "):
        write(path, text)
        load_settings(path)
    kept = sorted(p.read_text(encoding="utf-8") for p in tmp_path.glob("settings.toml.bad-*"))
    assert kept == ["first = ", "second = "]


@pytest.mark.parametrize(
    ("line", "field", "default"),
    [
        ("display_name = 42", "display_name", ""),
        ("language = 'de'", "language", ""),
        ("language = true", "language", ""),
        ("caption_size = 'big'", "caption_size", 16),
        ("caption_size = 20.5", "caption_size", 16),
        ("caption_size = true", "caption_size", 16),
        ("captions_on = 'yes'", "captions_on", True),
        ("camera = ['a']", "camera", ""),
        ("server_url = 'ftp://files.example.org'", "server_url", ""),
        ("server_url = 'http://visio.example.org'", "server_url", ""),
        ("server_url = 'https://visio.example.org/some/path'", "server_url", ""),
        ("server_url = 12", "server_url", ""),
        ("known_hosts = 'visio.example.org'", "known_hosts", ()),
        ("recent = 3", "recent", ()),
    ],
)
def test_each_bad_value_falls_back_to_its_default_alone(
    tmp_path: Path, line: str, field: str, default: object
) -> None:
    path = write(
        tmp_path / "settings.toml", f"display_name_other = 1\nmicrophone = 'Mic'\n{line}\n"
    )
    settings, problems = load_settings(path)
    assert getattr(settings, field) == default
    assert settings.microphone == "Mic"  # the good value next to it survives
    assert any(p.startswith(f"{field}:") for p in problems)
    assert any("display_name_other" in p for p in problems)  # unknown key reported


def test_out_of_range_caption_size_is_clamped_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "caption_size = 300\n")
    settings, problems = load_settings(path)
    assert settings.caption_size == 48
    assert any("caption_size 300" in p for p in problems)
    assert load_settings(path) == (Settings(caption_size=48), [])  # repaired in place


def test_bad_entries_in_lists_are_dropped_one_by_one(tmp_path: Path) -> None:
    document: dict[str, Any] = {
        "known_hosts": ["visio.example.org", 7, "bad host!", "*.example.org", "visio.example.org"],
        "recent": [
            {
                "link": "https://a.example/abc-defg-hij",
                "room": "abc-defg-hij",
                "host": "a.example",
                "joined_at": 10,
            },
            {
                "link": "https://b.example/abc-defg-hij",
                "room": 5,
                "host": "b.example",
                "joined_at": 10.0,
            },
            {"link": "x", "room": "y", "host": "z", "joined_at": 1.0, "extra": 1},
            "not a table",
        ],
    }
    path = write(tmp_path / "settings.toml", tomli_w.dumps(document))
    settings, problems = load_settings(path)
    assert settings.known_hosts == ("visio.example.org",)
    assert [m.host for m in settings.recent] == ["a.example"]
    assert settings.recent[0].joined_at == 10.0
    assert any("known_hosts: 3 invalid" in p for p in problems)
    assert any("recent: 3 invalid" in p for p in problems)


def test_problems_keep_a_copy_and_repair_the_file_once(tmp_path: Path) -> None:
    original = "display_name = 'Camille'\ncaptions_on = 'maybe'\ncolour = 'blue'\n"
    path = write(tmp_path / "settings.toml", original)
    settings, problems = load_settings(path)
    assert settings == Settings(display_name="Camille")
    [kept] = tmp_path.glob("settings.toml.bad-*")
    assert kept.read_text(encoding="utf-8") == original
    assert any(kept.name in p for p in problems)
    assert load_settings(path) == (Settings(display_name="Camille"), [])
    assert leftovers(tmp_path) == [kept.name]


def test_a_newer_version_is_read_as_far_as_possible_and_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "version = 7\ndisplay_name = 'Ana'\nfuture = 1\n")
    settings, problems = load_settings(path)
    assert settings.display_name == "Ana"
    assert any("newer visio-desktop (version 7)" in p for p in problems)
    assert len(list(tmp_path.glob("settings.toml.bad-*"))) == 1


def test_a_file_without_version_is_taken_as_current(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "display_name = 'Ana'\n")
    assert load_settings(path) == (Settings(display_name="Ana"), [])
    assert leftovers(tmp_path) == []


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    if "name" in data:
        data.setdefault("display_name", data.pop("name"))
    return data


def test_an_old_version_is_migrated_with_a_copy_of_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(settings_file._MIGRATIONS, 0, _v0_to_v1)
    original = "version = 0\nname = 'Camille'\ncaption_size = 20\n"
    path = write(tmp_path / "settings.toml", original)
    assert load_settings(path) == (Settings(display_name="Camille", caption_size=20), [])
    assert (tmp_path / "settings.toml.v0").read_text(encoding="utf-8") == original
    assert tomllib.loads(path.read_text(encoding="utf-8"))["version"] == SETTINGS_VERSION
    assert load_settings(path) == (Settings(display_name="Camille", caption_size=20), [])


def test_a_version_without_migration_path_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "version = -3\ndisplay_name = 'Ana'\n")
    settings, problems = load_settings(path)
    assert settings.display_name == "Ana"
    assert any("cannot be upgraded" in p for p in problems)


def test_a_migration_that_chokes_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("name")

    monkeypatch.setitem(settings_file._MIGRATIONS, 0, broken)
    settings, problems = parse_settings({"version": 0, "display_name": "Ana"})
    assert settings.display_name == "Ana"
    assert any("failed" in p for p in problems)


def test_every_settings_field_has_a_reader() -> None:
    names = {f.name for f in dataclasses.fields(Settings)}
    assert set(settings_file._READERS) == names


toml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
junk = st.recursive(
    toml_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
keys = st.sampled_from([f.name for f in dataclasses.fields(Settings)] + ["version", "name", "x"])


@given(st.dictionaries(keys, junk, max_size=8))
def test_any_junk_document_never_raises(document: dict[str, object]) -> None:
    settings, problems = parse_settings(document)
    assert isinstance(settings, Settings)
    assert all(isinstance(p, str) for p in problems)
    assert clean_settings(settings) == settings


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(st.binary(max_size=200))
def test_any_file_content_never_raises(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    settings, _ = load_settings(path)
    assert isinstance(settings, Settings)
