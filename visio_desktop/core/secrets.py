"""Secrets the client keeps between runs (host secrets of the meetings it created): only in the
OS keyring, never in settings files or logs. With no usable keyring they live in memory for
this run, and `persistent` says so.
"""

from __future__ import annotations

import logging
from typing import Protocol

import keyring
import keyring.errors

from visio_desktop.core.links import MeetingLink

log = logging.getLogger(__name__)

SERVICE = "visio-desktop"


class SecretStore(Protocol):
    @property
    def persistent(self) -> bool:
        """False while secrets last only as long as this process."""
        ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


def host_secret_key(link: MeetingLink) -> str:
    """The keyring entry of a meeting's host secret: its server and its room."""
    return f"host:{link.server_base_url}/{link.room}"


class MemorySecrets:
    """A `SecretStore` for this process only."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    @property
    def persistent(self) -> bool:
        return False

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        self._values[key] = value

    def delete(self, key: str) -> None:
        self._values.pop(key, None)


class KeyringSecrets:
    """A `SecretStore` in the OS keyring (`keyring`: Secret Service, Windows Credential
    Manager, macOS Keychain). When the keyring fails (none installed, locked, refused), it
    warns once, without the secret, and keeps secrets in memory from then on."""

    def __init__(self, service: str = SERVICE) -> None:
        self._service = service
        self._memory: MemorySecrets | None = None

    @property
    def persistent(self) -> bool:
        return self._memory is None

    def _fall_back(self, exc: Exception) -> MemorySecrets:
        if self._memory is None:
            missing = isinstance(exc, keyring.errors.NoKeyringError)  # a server, CI: none at all
            log.log(
                logging.INFO if missing else logging.WARNING,
                "the OS keyring is not usable (%s); secrets are kept in memory for this run",
                type(exc).__name__,
            )
            self._memory = MemorySecrets()
        return self._memory

    def get(self, key: str) -> str | None:
        if self._memory is not None:
            return self._memory.get(key)
        try:
            return keyring.get_password(self._service, key)
        except Exception as exc:  # keyring's backends raise many kinds (D-Bus, OS errors)
            return self._fall_back(exc).get(key)

    def set(self, key: str, value: str) -> None:
        if self._memory is not None:
            self._memory.set(key, value)
            return
        try:
            keyring.set_password(self._service, key, value)
        except Exception as exc:
            self._fall_back(exc).set(key, value)

    def delete(self, key: str) -> None:
        if self._memory is not None:
            self._memory.delete(key)
            return
        try:
            keyring.delete_password(self._service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # there was none
        except Exception as exc:
            self._fall_back(exc).delete(key)
