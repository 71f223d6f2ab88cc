"""The LiveKit API key and secret a meeting server signs tokens with.

They come from the environment (LIVEKIT_API_KEY and LIVEKIT_API_SECRET, which LiveKit's own
tools read) or from a key file in LiveKit's format (one `key: secret` line per key, as
livekit-server's `key_file` holds them), never from the command line, where any local user
could read them in `ps`. The secret never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from visio_desktop.core.errors import VisioError

KEY_ENV = "LIVEKIT_API_KEY"
SECRET_ENV = "LIVEKIT_API_SECRET"
# livekit-server calls shorter secrets too short for security (tokens are HMAC-SHA256).
MIN_SECRET_LENGTH = 32


class LiveKitKeysError(VisioError):
    """The key or the secret is missing or unusable; the message says how to give them."""


@dataclass(frozen=True)
class LiveKitKeys:
    api_key: str
    api_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.api_key or any(ch.isspace() for ch in self.api_key):
            raise LiveKitKeysError("the LiveKit API key is empty or contains spaces")
        if len(self.api_secret) < MIN_SECRET_LENGTH:
            raise LiveKitKeysError(
                f"the LiveKit API secret for key {self.api_key!r} is shorter than "
                f"{MIN_SECRET_LENGTH} characters, too short for security (livekit-server says so)"
            )


def load_keys(
    keys_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> LiveKitKeys:
    """The keys from `keys_file` if given, else from the environment; LiveKitKeysError if
    neither has them. With several keys in the file, LIVEKIT_API_KEY names the one to use."""
    env = os.environ if environ is None else environ
    if keys_file is not None:
        keys = read_key_file(keys_file)
        wanted = env.get(KEY_ENV)
        if wanted:
            if wanted not in keys:
                raise LiveKitKeysError(f"{keys_file} has no key named {wanted!r} ({KEY_ENV})")
            return LiveKitKeys(wanted, keys[wanted])
        if len(keys) != 1:
            raise LiveKitKeysError(
                f"{keys_file} holds {len(keys)} keys: name the one to sign with in {KEY_ENV}"
            )
        ((key, secret),) = keys.items()
        return LiveKitKeys(key, secret)
    key, secret = env.get(KEY_ENV, ""), env.get(SECRET_ENV, "")
    if not key or not secret:
        raise LiveKitKeysError(
            f"a LiveKit-backed server needs its API key and secret: set {KEY_ENV} and "
            f"{SECRET_ENV}, or give --livekit-keys-file FILE (lines of `key: secret`)"
        )
    return LiveKitKeys(key, secret)


def read_key_file(path: Path) -> dict[str, str]:
    """The keys in a LiveKit key file: a flat YAML map of `key: secret` lines.

    Like livekit-server, refuse a file that other users may read or write.
    """
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LiveKitKeysError(f"cannot read the LiveKit key file {path}: {exc.strerror}") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LiveKitKeysError(
            f"the LiveKit key file {path} is open to other users: `chmod 600 {path}`"
        )
    keys: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, colon, secret = line.partition(":")
        key, secret = _unquote(key.strip()), _unquote(secret.strip())
        if not colon or not key or not secret:
            # The line may hold a secret: name the line, never quote it.
            raise LiveKitKeysError(f"{path}, line {number}: expected `key: secret`")
        if key in keys:
            raise LiveKitKeysError(f"{path}, line {number}: the key {key!r} appears twice")
        keys[key] = secret
    if not keys:
        raise LiveKitKeysError(f"the LiveKit key file {path} holds no key")
    return keys


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
