"""Qt runs offscreen in these tests: no display is needed, and without this a missing display
aborts the process before pytest can report anything."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
