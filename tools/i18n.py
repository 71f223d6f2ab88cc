#!/usr/bin/env python3
"""Refresh and compile the user-interface translations.

    python tools/i18n.py update   extract every `self.tr("...")` of visio_desktop/ui/*.py into
                                  resources/translations/visio_desktop_<lang>.ts, keeping the
                                  existing translations and dropping strings no longer used
    python tools/i18n.py build    compile each .ts into a .qm beside it (or into --output-dir);
                                  `./dev setup` runs this, and the .qm files are not committed

The Qt tools are looked up beside this Python (the virtual environment's bin/ or Scripts/) and
then on PATH. Source strings are English; the .ts files store no line numbers, so that moving
code does not churn them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "visio_desktop" / "ui"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("fr",)  # one visio_desktop_<lang>.ts per language; English is the source


class ToolMissingError(Exception):
    """A Qt Linguist tool is not installed."""


def find_tool(name: str) -> Path:
    """The path of a Qt tool beside `sys.executable` (without resolving the venv's symlink)
    or on PATH; raises ToolMissingError naming what to install."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    if found is None:
        raise ToolMissingError(
            f"{name} was not found beside {sys.executable} or on PATH; it comes with "
            "PySide6-Essentials: run ./dev setup, or pip install PySide6-Essentials."
        )
    return Path(found)


def update(translations: Path = TRANSLATIONS, sources: Path = SOURCES) -> int:
    lupdate = find_tool("pyside6-lupdate")
    files = sorted(str(path) for path in sources.glob("*.py"))
    translations.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        ts = translations / f"visio_desktop_{language}.ts"
        command = [str(lupdate), *files, "-ts", str(ts), "-no-obsolete", "-locations", "none"]
        command += ["-source-language", "en", "-target-language", language]
        result = subprocess.run(command, check=False)
        if result.returncode != 0:
            print(f"i18n: pyside6-lupdate failed for {ts.name}", file=sys.stderr)
            return result.returncode
    return 0


def build(translations: Path = TRANSLATIONS, output_dir: Path | None = None) -> int:
    lrelease = find_tool("pyside6-lrelease")
    sources = sorted(translations.glob("*.ts"))
    if not sources:
        print(f"i18n: no .ts file in {translations}", file=sys.stderr)
        return 1
    for ts in sources:
        folder = ts.parent if output_dir is None else output_dir
        folder.mkdir(parents=True, exist_ok=True)
        qm = folder / f"{ts.stem}.qm"
        result = subprocess.run([str(lrelease), str(ts), "-qm", str(qm)], check=False)
        if result.returncode != 0 or not qm.is_file():
            print(f"i18n: pyside6-lrelease could not build {qm}", file=sys.stderr)
            return result.returncode or 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("update", help="refresh the .ts files from the sources")
    build_parser = commands.add_parser("build", help="compile the .ts files into .qm files")
    build_parser.add_argument(
        "--output-dir", type=Path, help="write the .qm files here instead of beside the .ts"
    )
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "update":
            return update()
        return build(output_dir=arguments.output_dir)
    except ToolMissingError as error:
        print(f"i18n: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
