"""A tiny 5x7 bitmap font drawn straight into a numpy luma plane.

It covers what synthetic video needs to label itself: A-Z, 0-9, space and - : . ( ) ' , /.
Lower-case letters are drawn as capitals and accented ones without their accent (É as E); any
other character is drawn as a hollow box, so a missing glyph shows instead of vanishing.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import numpy.typing as npt

GLYPH_WIDTH = 5
GLYPH_HEIGHT = 7
SPACING = 1
"""Blank columns between two characters, in font pixels (multiplied by the scale)."""

_FONT_ROWS: dict[str, str] = {
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "####. #...# #...# #...# #...# #...# ####.",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
    "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####",
    "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.",
    "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.",
    "9": ".###. #...# #...# .#### ....# ...#. .##..",
    " ": "..... ..... ..... ..... ..... ..... .....",
    "-": "..... ..... ..... .###. ..... ..... .....",
    ":": "..... ..#.. ..#.. ..... ..#.. ..#.. .....",
    ".": "..... ..... ..... ..... ..... .##.. .##..",
    "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
    ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
    "'": "..#.. ..#.. .#... ..... ..... ..... .....",
    ",": "..... ..... ..... ..... .##.. ..#.. .#...",
    "/": "....# ...#. ...#. ..#.. .#... .#... #....",
}
_MISSING_ROWS = "##### #...# #...# #...# #...# #...# #####"

BoolArray = npt.NDArray[np.bool_]
LumaPlane = npt.NDArray[np.uint8]


def _parse(rows: str) -> BoolArray:
    lines = rows.split()
    bitmap = np.array([[c == "#" for c in line] for line in lines], dtype=np.bool_)
    if bitmap.shape != (GLYPH_HEIGHT, GLYPH_WIDTH):
        raise ValueError(f"glyph has shape {bitmap.shape}, expected 7x5")
    return bitmap


_GLYPHS: dict[str, BoolArray] = {char: _parse(rows) for char, rows in _FONT_ROWS.items()}
_MISSING = _parse(_MISSING_ROWS)

SUPPORTED_CHARACTERS = frozenset(_GLYPHS)


def glyph(char: str) -> BoolArray:
    """The 7x5 bitmap of one character (True is ink); a hollow box if it is not in the font."""
    upper = char.upper()
    if upper not in _GLYPHS:
        upper = unicodedata.normalize("NFKD", upper)[:1] or upper
    return _GLYPHS.get(upper, _MISSING)


def text_size(text: str, scale: int) -> tuple[int, int]:
    """Width and height in pixels of `text` drawn at `scale` (0x0 for an empty string)."""
    if not text:
        return 0, 0
    width = len(text) * (GLYPH_WIDTH + SPACING) - SPACING
    return width * scale, GLYPH_HEIGHT * scale


def render_text(text: str, scale: int) -> BoolArray:
    """A boolean ink mask of `text`, each font pixel drawn as a `scale` x `scale` block."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    width, height = text_size(text, 1)
    mask = np.zeros((height, width), dtype=np.bool_)
    for index, char in enumerate(text):
        left = index * (GLYPH_WIDTH + SPACING)
        mask[:, left : left + GLYPH_WIDTH] = glyph(char)
    if scale == 1:
        return mask
    return np.repeat(np.repeat(mask, scale, axis=0), scale, axis=1)


def draw_text(plane: LumaPlane, text: str, x: int, y: int, *, scale: int, value: int = 235) -> None:
    """Draw `text` into `plane` with its top-left corner at (x, y), clipped to the plane."""
    mask = render_text(text, scale)
    height, width = mask.shape
    top, left = max(y, 0), max(x, 0)
    bottom, right = min(y + height, plane.shape[0]), min(x + width, plane.shape[1])
    if bottom <= top or right <= left:
        return
    visible = mask[top - y : bottom - y, left - x : right - x]
    plane[top:bottom, left:right][visible] = value
