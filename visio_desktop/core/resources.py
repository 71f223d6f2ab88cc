"""Where the read-only resources (icons, translations, style sheet) are found.

In a source checkout they are in the top-level `resources/` folder; a PyInstaller bundle
carries them as `resources/` beside the code; VISIO_RESOURCES overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("VISIO_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
