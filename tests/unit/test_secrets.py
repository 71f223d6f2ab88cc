"""Secrets in the OS keyring (`core.secrets`), and in memory when the keyring fails."""

from __future__ import annotations

import logging

import keyring
import pytest

from tests.memory_keyring import BrokenKeyring, MemoryKeyring
from visio_desktop.core.links import parse_link
from visio_desktop.core.secrets import SERVICE, KeyringSecrets, MemorySecrets, host_secret_key


def test_host_secrets_are_kept_per_server_and_room() -> None:
    a = host_secret_key(parse_link("https://visio.example.fr/abc-defg-hij"))
    b = host_secret_key(parse_link("https://visio.example.fr:8443/abc-defg-hij"))
    c = host_secret_key(parse_link("visio://visio.example.fr/abc-defg-hik"))
    assert a == "host:https://visio.example.fr/abc-defg-hij"
    assert len({a, b, c}) == 3


def test_the_keyring_keeps_secrets_across_stores(memory_keyring: MemoryKeyring) -> None:
    KeyringSecrets().set("host:x", "s3cret")
    again = KeyringSecrets()  # another run of the application
    assert again.get("host:x") == "s3cret"
    assert again.persistent
    assert memory_keyring.values == {(SERVICE, "host:x"): "s3cret"}
    again.delete("host:x")
    again.delete("host:x")  # gone already: nothing to do
    assert again.get("host:x") is None


def test_a_failing_keyring_falls_back_to_memory_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())  # type: ignore[no-untyped-call]
    try:
        store = KeyringSecrets()
        with caplog.at_level(logging.INFO):
            store.set("host:x", "s3cret")
        assert not store.persistent
        assert store.get("host:x") == "s3cret"
        assert "kept in memory" in caplog.text
        assert "s3cret" not in caplog.text
    finally:
        keyring.set_keyring(previous)


def test_memory_secrets_last_for_the_process() -> None:
    store = MemorySecrets()
    store.set("k", "v")
    assert (store.get("k"), store.persistent) == ("v", False)
    store.delete("k")
    assert store.get("k") is None
