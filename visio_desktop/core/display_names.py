"""Display names as a meeting shows them: one normal form, and never two alike in a room.

A hostile participant impersonates another by joining as "Victim\u00a0", "Victim\u200b" or
" Victim ", which look the same on screen. The server therefore normalises every name it is
given (NFC, invisible and control characters dropped, white space collapsed) and, within a
room, compares names casefolded and marks later ones "Victim (2)", "Victim (3)". Pure
functions: the server stamps the result, and every roster entry, chat and caption carries it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

DEFAULT_NAME = "Guest"

# Invisible characters that are not all of category Cf in every Unicode version, and the
# bidi controls, named here so the rule reads as the threat it answers.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u180e\u3164\u115f\u1160\uffa0"  # Mongolian vowel separator, Hangul fillers
)


def _visible(ch: str) -> bool:
    return ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def normalise_display_name(text: str, max_len: int = 64) -> str:
    """`text` in NFC, without invisible or control characters, white space collapsed to single
    spaces and stripped, at most `max_len` characters; DEFAULT_NAME if nothing is left.

    Control characters (tabs, newlines) count as white space before they go, so "A\\tB" reads
    "A B" rather than "AB".
    """
    composed = unicodedata.normalize("NFC", text)
    spaced = "".join(" " if ch.isspace() else ch for ch in composed)
    kept = "".join(ch for ch in spaced if _visible(ch))
    name = " ".join(kept.split())[:max_len].rstrip()
    return name or DEFAULT_NAME


def name_key(name: str) -> str:
    """What two names are compared by: they clash when their keys are equal."""
    return unicodedata.normalize("NFC", name.casefold())


def unique_display_name(name: str, taken: Iterable[str], max_len: int = 64) -> str:
    """`name`, or "name (n)" with the smallest n >= 2 that no name in `taken` already is.

    The base is shortened when needed so that the mark always fits in `max_len`.
    """
    keys = {name_key(other) for other in taken}
    if name_key(name) not in keys:
        return name
    number = 2
    while True:
        mark = f" ({number})"
        candidate = name[: max_len - len(mark)].rstrip() + mark
        if name_key(candidate) not in keys:
            return candidate
        number += 1
