"""The real window on a real X server (Xvfb, started here): the demo meeting's tiles are not
blank and the caption line shows. The picture is kept in artifacts/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.gui.test_french import french, french_resources  # noqa: F401 - fixtures
from tests.xvfb import running_xvfb

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture
def x_display() -> Iterator[str]:
    with running_xvfb() as display:
        yield display


def pixels(image: QImage) -> np.ndarray:
    """The image as an H x W x 3 array of its own (the QImage's buffer dies with it)."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), dtype=np.uint8).copy()
    rows = data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    return rows.reshape(image.height(), image.width(), 4)[:, :, :3]


def run_driver(module: str, x_display: str, out: Path, *args: str) -> None:
    """Run a window-driving module on the X display; it writes its pictures into `out`."""
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    env["XDG_CONFIG_HOME"] = str(out / "config")
    env["XDG_DATA_HOME"] = str(out / "data")
    env["XDG_RUNTIME_DIR"] = str(out)
    done = subprocess.run(
        [sys.executable, "-m", module, str(out), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_demo_window_shows_moving_tiles_and_captions(
    qapp: object, x_display: str, tmp_path: Path
) -> None:
    run_driver("tests.gui.screenshot_driver", x_display, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "call-window.png", ARTIFACTS / "call-window.png")
    layout = json.loads((tmp_path / "call-window.json").read_text())
    picture = pixels(QImage(str(tmp_path / "call-window.png")))
    ratio = layout["device_pixel_ratio"]

    def region(rect: list[int]) -> np.ndarray:
        x, y, w, h = (round(v * ratio) for v in rect)
        return picture[y : y + h, x : x + w]

    assert len(layout["tiles"]) == 3
    for name, rect in layout["tiles"].items():
        tile = region(rect)
        assert tile.size > 0, name
        # A test pattern has many colours and strong contrast; a blank tile has one colour.
        assert tile.std() > 30, f"the tile of {name} looks blank"
        assert len(np.unique(tile.reshape(-1, 3), axis=0)) > 50, name
    caption = region(layout["captions"])
    assert layout["caption_text"].strip()
    bright = (caption.min(axis=2) > 200).sum()  # white caption text on a dark strip
    assert bright > 100, "no caption text is drawn"


@pytest.mark.parametrize(
    ("prefix", "args"), [("newcomer", ()), ("newcomer-sfu", ("--sfu",))], ids=["mesh", "sfu"]
)
def test_a_newcomer_types_a_name_and_enters_a_room_in_progress(
    qapp: object, x_display: str, tmp_path: Path, prefix: str, args: tuple[str, ...]
) -> None:
    """On the embedded server's mesh, and on LiveKit behind our server (`serve --livekit-url`),
    where the window receives only the video it shows."""
    run_driver("tests.gui.newcomer_driver", x_display, tmp_path, *args)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in (f"{prefix}-prejoin.png", f"{prefix}-call.png"):
        shutil.copy(tmp_path / name, ARTIFACTS / name)
    layout = json.loads((tmp_path / f"{prefix}-call.json").read_text())
    assert not layout["banner_visible"], layout["banner_text"]
    assert len(layout["participants"]) == 3
    assert any("Agent d'accueil" in row for row in layout["participants"])
    picture = pixels(QImage(str(tmp_path / f"{prefix}-call.png")))
    ratio = layout["device_pixel_ratio"]
    assert sorted(layout["tiles"]) == ["Bot 1", "Bot 2"]
    for name, rect in layout["tiles"].items():
        x, y, w, h = (round(v * ratio) for v in rect)
        tile = picture[y : y + h, x : x + w]
        assert tile.size > 0, name
        assert tile.std() > 30, f"the tile of {name} looks blank"


LOBBY_TEXTS = {
    "en": ("Waiting for a host to let you in", "Waiting in the lobby (2)", "Admit Mairie de Lyon"),
    "fr": (
        "En attente qu’un organisateur vous fasse entrer",
        "Dans la salle d’attente (2)",
        "Admettre Mairie de Lyon",
    ),
}


@pytest.mark.usefixtures("french")  # VISIO_RESOURCES names the compiled French
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_waiting_screen_and_the_hosts_lobby_list(
    qapp: object, x_display: str, tmp_path: Path, language: str
) -> None:
    """The waiting screen (with the camera) and a host's lobby list with two people waiting,
    in English and in French."""
    run_driver("tests.gui.lobby_driver", x_display, tmp_path, language)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    status, header, admit = LOBBY_TEXTS[language]
    waiting = json.loads((tmp_path / f"lobby-waiting-{language}.json").read_text())
    assert waiting["shown"]
    assert waiting["status"] == status
    host = json.loads((tmp_path / f"lobby-host-{language}.json").read_text())
    assert host["lobby_visible"]
    assert host["header"] == header
    assert host["admit"][0] == admit
    for name in (f"lobby-waiting-{language}.png", f"lobby-host-{language}.png"):
        shutil.copy(tmp_path / name, ARTIFACTS / name)
    picture = pixels(QImage(str(tmp_path / f"lobby-waiting-{language}.png")))
    x, y, w, h = (round(v * waiting["device_pixel_ratio"]) for v in waiting["preview"])
    camera = picture[y : y + h, x : x + w]
    assert camera.std() > 30, "the camera preview looks blank"
