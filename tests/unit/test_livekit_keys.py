"""The LiveKit key and secret of a server that fronts LiveKit: from the environment or LiveKit's
key file, refused with a message that never quotes the secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from visio_desktop.server.livekit_keys import LiveKitKeys, LiveKitKeysError, load_keys

SECRET = "s" * 40
OTHER = "t" * 40


def _file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "keys.yaml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_from_the_environment() -> None:
    keys = load_keys(None, {"LIVEKIT_API_KEY": "key", "LIVEKIT_API_SECRET": SECRET})
    assert keys == LiveKitKeys("key", SECRET)
    assert SECRET not in repr(keys)


@pytest.mark.parametrize("env", [{}, {"LIVEKIT_API_KEY": "key"}, {"LIVEKIT_API_SECRET": SECRET}])
def test_missing_from_the_environment(env: dict[str, str]) -> None:
    with pytest.raises(LiveKitKeysError, match="LIVEKIT_API_SECRET"):
        load_keys(None, env)


def test_a_key_file_in_livekits_format(tmp_path: Path) -> None:
    path = _file(tmp_path, f"# comment\n\nkey: {SECRET}\n")
    assert load_keys(path, {}) == LiveKitKeys("key", SECRET)
    quoted = _file(tmp_path, f"'key': \"{SECRET}\"\n")
    assert load_keys(quoted, {}) == LiveKitKeys("key", SECRET)


def test_several_keys_need_a_name(tmp_path: Path) -> None:
    path = _file(tmp_path, f"one: {SECRET}\ntwo: {OTHER}\n")
    with pytest.raises(LiveKitKeysError, match="holds 2 keys"):
        load_keys(path, {})
    assert load_keys(path, {"LIVEKIT_API_KEY": "two"}) == LiveKitKeys("two", OTHER)
    with pytest.raises(LiveKitKeysError, match="no key named 'three'"):
        load_keys(path, {"LIVEKIT_API_KEY": "three"})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"{SECRET}\n", "line 1: expected `key: secret`"),
        ("key:\n", "line 1: expected `key: secret`"),
        (f"key: {SECRET}\nkey: {OTHER}\n", "appears twice"),
        ("# nothing\n", "holds no key"),
        ("key: short\n", "shorter than 32"),
    ],
)
def test_bad_key_files_are_refused_without_the_secret(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(LiveKitKeysError) as refused:
        load_keys(_file(tmp_path, text), {})
    assert says in refused.value.message
    assert SECRET not in refused.value.message and OTHER not in refused.value.message


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    with pytest.raises(LiveKitKeysError, match="chmod 600"):
        load_keys(_file(tmp_path, f"key: {SECRET}\n", mode), {})


def test_a_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(LiveKitKeysError, match="cannot read"):
        load_keys(tmp_path / "absent.yaml", {})
