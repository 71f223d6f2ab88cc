"""The .desktop entry the .deb installs: valid, a handler for visio:// links, and its command
line, expanded the way a desktop launcher expands `%u`, never turns a link into options.

Without a display the window refuses to open and says so: reaching that message shows that the
arguments were parsed as a link to open, not as options such as --version."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from installers.linux.build_deb import DESKTOP_ENTRY
from visio_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]


def expand(link: str | None) -> list[str]:
    """The Exec line's arguments after the program, as a launcher builds them."""
    exec_line = next(line for line in DESKTOP_ENTRY.splitlines() if line.startswith("Exec="))
    words = shlex.split(exec_line.removeprefix("Exec="))
    assert words[0] == "visio-desktop"
    return [w for w in (link if w == "%u" else w for w in words[1:]) if w is not None]


def launch(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM") and not k.startswith("VISIO")
    }
    return subprocess.run(
        [sys.executable, "-m", "visio_desktop", *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_entry_handles_visio_links() -> None:
    assert "MimeType=x-scheme-handler/visio;\n" in DESKTOP_ENTRY
    assert "Exec=visio-desktop open -- %u\n" in DESKTOP_ENTRY
    assert "Icon=visio-desktop\n" in DESKTOP_ENTRY


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_the_entry_is_valid(tmp_path: Path) -> None:
    entry = tmp_path / "visio-desktop.desktop"
    entry.write_text(DESKTOP_ENTRY, encoding="utf-8")
    result = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout


@pytest.mark.parametrize(
    "link",
    [
        "visio://visio.gouv.fr/abc-defg-hij",
        "--version",
        "-h",
        "--help visio://visio.gouv.fr/abc-defg-hij",
        "visio://visio.gouv.fr/abc-defg-hij --version",
        "visio://evil.fr/abc-defg-hij' --version '",
        '"; --version',
    ],
)
def test_a_link_never_becomes_options(link: str) -> None:
    result = launch(expand(link))
    assert __version__ not in result.stdout
    assert "usage:" not in result.stdout + result.stderr
    assert "no graphical display" in result.stderr


def test_a_menu_launch_without_a_link_opens_the_window() -> None:
    assert expand(None) == ["open", "--"]
    result = launch(expand(None))
    assert "no graphical display" in result.stderr
