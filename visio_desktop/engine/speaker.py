"""Who is speaking, from the audio levels the engine reports a few times a second: the
loudest voice over a threshold, kept while it speaks and for a moment after, and replaced only
by a clearly louder one (no flicker between voices of about the same level)."""

from __future__ import annotations

from collections.abc import Mapping

from visio_desktop.core.kinds import TileKey

SPEAKING_LEVEL = 0.35  # about -39 dBFS
SWITCH_MARGIN = 0.08
QUIET_REPORTS = 6  # the highlight stays this many quiet reports (about 1.5 s)


class ActiveSpeaker:
    def __init__(self) -> None:
        self.current: TileKey | None = None
        self._quiet = 0

    def hear(self, levels: Mapping[TileKey, float]) -> bool:
        """One report of levels; True when the active speaker changed."""
        loud = {key: level for key, level in levels.items() if level >= SPEAKING_LEVEL}
        if not loud:
            self._quiet += 1
            if self.current is not None and self._quiet >= QUIET_REPORTS:
                self.current = None
                return True
            return False
        self._quiet = 0
        loudest = max(loud, key=lambda key: loud[key])
        current = self.current
        if current in loud and loud[loudest] < loud[current] + SWITCH_MARGIN:
            return False
        changed = loudest != current
        self.current = loudest
        return changed

    def forget(self, key: TileKey) -> bool:
        """The tile went away; True if it was the active speaker."""
        if self.current != key:
            return False
        self.current = None
        return True
