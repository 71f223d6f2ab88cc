#!/usr/bin/env python3
"""Render the application icon (resources/icons/app.svg) for the installers, with Qt.

    python installers/icons.py hicolor DIR      DIR/<N>x<N>/apps/visio-desktop.png and
                                                DIR/scalable/apps/visio-desktop.svg (the .deb)
    python installers/icons.py png SIZE OUT.png one square PNG
    python installers/icons.py ico OUT.ico      a Windows icon with 16 to 256 pixel images

PNG output holds no time stamp, so rendering twice gives the same bytes (reproducible builds).
Qt runs offscreen: no display is needed. Build scripts call `hicolor_icons` and `windows_icon`,
which render in a child process: a Qt application created inside a build (or a test run) would
stay behind and get in the way of the next one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_SVG = ROOT / "resources" / "icons" / "app.svg"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _ensure_gui() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication  # noqa: PLC0415 (Qt only when rendering)

    if QGuiApplication.instance() is None:
        _keep.append(QGuiApplication(sys.argv[:1]))


_keep: list[object] = []


def render_png(size: int, target: Path, svg: Path = APP_SVG) -> None:
    """Write `svg` as a `size` x `size` PNG with a transparent background."""
    _ensure_gui()
    from PySide6.QtCore import Qt  # noqa: PLC0415
    from PySide6.QtGui import QImage, QPainter  # noqa: PLC0415
    from PySide6.QtSvg import QSvgRenderer  # noqa: PLC0415

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target)):  # the format follows the .png suffix
        raise OSError(f"could not write {target}")


def write_ico(target: Path, svg: Path = APP_SVG) -> None:
    """Write a .ico holding PNG images at ICO_SIZES (Windows Vista and later read these)."""
    images: list[bytes] = []
    folder = target.parent / f".{target.stem}-sizes"
    for size in ICO_SIZES:
        png = folder / f"{size}.png"
        render_png(size, png, svg)
        images.append(png.read_bytes())
        png.unlink()
    folder.rmdir()
    header = (0).to_bytes(2, "little") + (1).to_bytes(2, "little")
    header += len(images).to_bytes(2, "little")
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in zip(ICO_SIZES, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += bytes([side, side, 0, 0]) + (1).to_bytes(2, "little")
        entries += (32).to_bytes(2, "little") + len(data).to_bytes(4, "little")
        entries += offset.to_bytes(4, "little")
        offset += len(data)
        blobs += data
    target.write_bytes(header + entries + blobs)


def write_hicolor(folder: Path, name: str = "visio-desktop") -> None:
    for size in HICOLOR_SIZES:
        render_png(size, folder / f"{size}x{size}" / "apps" / f"{name}.png")
    scalable = folder / "scalable" / "apps" / f"{name}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(APP_SVG, scalable)


def hicolor_icons(folder: Path) -> None:
    """`write_hicolor` in a child process (see the module docstring)."""
    _child("hicolor", str(folder))


def windows_icon(target: Path) -> None:
    """`write_ico` in a child process (see the module docstring)."""
    _child("ico", str(target))


def _child(*args: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], check=True, env=env)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "hicolor":
        write_hicolor(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "png":
        render_png(int(argv[1]), Path(argv[2]))
        return 0
    if len(argv) == 2 and argv[0] == "ico":
        write_ico(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
