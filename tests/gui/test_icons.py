"""The icon set: every icon the UI names renders, recolours, and a missing one never crashes."""

from __future__ import annotations

import logging
import re

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from pytestqt.qtbot import QtBot

from visio_desktop.core.resources import resource
from visio_desktop.ui import icons


def _opaque_colours(pixmap: QPixmap) -> list[QColor]:
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    colours = []
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255:
                colours.append(colour)
    return colours


@pytest.mark.parametrize("name", icons.ICON_NAMES)
def test_every_icon_renders_with_opaque_pixels(qtbot: QtBot, name: str) -> None:
    drawn = icons.pixmap(name, 32)
    assert not drawn.isNull()
    assert drawn.deviceIndependentSize().toSize() == QSize(32, 32)
    assert _opaque_colours(drawn)

    from_icon = icons.icon(name).pixmap(QSize(24, 24))
    assert not from_icon.isNull()
    assert _opaque_colours(from_icon)


def test_every_svg_file_is_a_named_24px_icon() -> None:
    files = sorted(path.stem for path in resource("icons").glob("*.svg"))
    assert files == sorted(icons.ICON_NAMES)
    for name in files:
        text = resource("icons", f"{name}.svg").read_text(encoding="utf-8")
        assert 'viewBox="0 0 24 24"' in text
        assert "currentColor" not in text


def test_recolouring_draws_in_the_requested_colour(qtbot: QtBot) -> None:
    white = _opaque_colours(icons.pixmap("mic", 32))
    red = _opaque_colours(icons.pixmap("mic", 32, color="#ff0000"))
    assert {c.name() for c in white} == {"#ffffff"}
    assert {c.name() for c in red} == {"#ff0000"}
    dark = icons.icon("settings", "#161616").pixmap(QSize(32, 32))
    assert {c.name() for c in _opaque_colours(dark)} == {"#161616"}


def test_the_app_icon_keeps_its_own_colours(qtbot: QtBot) -> None:
    recoloured = {c.name() for c in _opaque_colours(icons.pixmap("app", 48, color="#00ff00"))}
    assert "#000091" in recoloured
    assert "#ffffff" in recoloured
    assert "#00ff00" not in recoloured


def test_an_invalid_colour_falls_back_to_the_default(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        drawn = icons.pixmap("chat", 24, color='"/><script/>')
    assert {c.name() for c in _opaque_colours(drawn)} == {"#ffffff"}
    assert "not a colour" in caplog.text


@pytest.mark.parametrize("name", ["no-such-icon", "../settings", "", "Mic"])
def test_an_unknown_icon_is_empty_and_logged(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    icons._svg_text.cache_clear()
    icons._renderer.cache_clear()
    with caplog.at_level(logging.WARNING):
        assert icons.icon(name).isNull()
        assert icons.pixmap(name, 24).isNull()
    assert re.search(r"icon .* (not a valid icon name|could not be read)", caplog.text)


def test_disabled_mode_renders_faded(qtbot: QtBot) -> None:
    camera = icons.icon("camera")
    normal = camera.pixmap(QSize(24, 24)).toImage()
    disabled = camera.pixmap(QSize(24, 24), QIcon.Mode.Disabled).toImage()
    assert normal.pixelColor(2, 12).alpha() == 255
    assert 0 < disabled.pixelColor(2, 12).alpha() < 128
