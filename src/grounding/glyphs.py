"""Short labels read inside detected boxes: a lone "7" or "=" on a big calculator key.

A whole-screen OCR pass drops single characters that sit alone in a large
button, and reads stray ones off title-bar glyphs and displays. When a short
label was not found that way on a detected control of the role asked for,
each text-less box the detector found is read on its own: the ink inside the
box is cropped tight and read as one character (or one line) at 3x. A match
made this way outranks a lone character read off the whole screen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache

import numpy as np
from PIL import Image, ImageChops, ImageOps

from .fusion import Candidate
from .icon_candidates import has_text
from .ocr import OcrConfig, OcrWord, TesseractOcr, TextReader
from .tess_inproc import InProcessTesseract
from .text_match import normalize
from .types import Box, Element

logger = logging.getLogger(__name__)

MAX_GLYPH_LABEL = 3  # characters: longer labels are whole-screen OCR's job
_INK_CONTRAST = 40
_PAD = 4


def ink_box(crop: Image.Image) -> tuple[int, int, int, int] | None:
    """The box of the pixels that differ from the crop's corner colour (the glyphs)."""
    gray = ImageOps.grayscale(crop)
    background = Image.new("L", gray.size, gray.getpixel((0, 0)))
    diff = ImageChops.difference(gray, background)
    return diff.point(lambda v: 255 if v > _INK_CONTRAST else 0).getbbox()


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _label_columns(mask: np.ndarray) -> tuple[int, int] | None:
    """The run of inked columns nearest the middle, frame lines left out.

    Frame lines of neighbouring keys run the whole height of the crop; a
    label does not.
    """
    profile = mask.sum(axis=0)
    runs = [(a, b) for a, b in _runs(profile > 0) if profile[a:b].max() < 0.9 * mask.shape[0]]
    if not runs:
        return None
    middle = mask.shape[1] / 2
    return min(runs, key=lambda r: abs((r[0] + r[1]) / 2 - middle))


def tight_crop(image: Image.Image, box: Box) -> Image.Image | None:
    """The label in the middle of a box, cropped tight and padded a little; None if blank.

    Detected boxes can be off by a few pixels, so only the middle of the box
    is searched, and the ink run nearest its centre is taken.
    """
    dx, dy = box.width // 5, box.height // 5
    inner = image.crop((box.left + dx, box.top + dy, box.right - dx, box.bottom - dy))
    if inner.width < 3 or inner.height < 3:
        return None
    gray = np.asarray(ImageOps.grayscale(inner), dtype=np.int16)
    background = int(np.median(gray))
    mask = np.abs(gray - background) > _INK_CONTRAST
    cols = _label_columns(mask)
    if cols is None:
        return None
    # Rows inked inside the label's columns, less full-width frame lines ("=" has two bars).
    frame_rows = mask.sum(axis=1) >= 0.9 * mask.shape[1]
    inked = np.flatnonzero(mask[:, cols[0] : cols[1]].any(axis=1) & ~frame_rows)
    if inked.size == 0:
        return None
    left, right = max(0, cols[0] - _PAD), min(inner.width, cols[1] + _PAD)
    top, bottom = max(0, int(inked[0]) - _PAD), min(inner.height, int(inked[-1]) + 1 + _PAD)
    return inner.crop((left, top, right, bottom))


@cache
def default_glyph_reader() -> TextReader:
    config = OcrConfig(psm=10, scales=(3.0,))
    return InProcessTesseract(config) if InProcessTesseract.available() else TesseractOcr(config)


_GLYPH_ROLES = frozenset({"button", "toggle", "radio", "tab", "checkbox", "menu_item", "icon"})
_MAX_SIDE = 400  # px: a calculator key on a maximised window is big; a panel is bigger


def glyph_boxes(elements: Sequence[Element], words: Sequence[OcrWord]) -> list[Element]:
    """Detected controls with no confidently read word on them."""
    return [
        e
        for e in elements
        if e.source == "detector"
        and e.role in _GLYPH_ROLES
        and e.box.width <= _MAX_SIDE
        and e.box.height <= _MAX_SIDE
        and not has_text(e.box, words)
    ]


def read_glyphs(image: Image.Image, boxes: Sequence[Element], reader: TextReader,
                border: int = 0) -> dict[Box, str]:  # fmt: skip
    """What each box says when read on its own ("" when nothing legible).

    `border` pads the crop with its background: a text detector (RapidOCR)
    finds nothing in a crop that its text fills edge to edge.
    """
    out: dict[Box, str] = {}
    for element in boxes:
        crop = tight_crop(image, element.box)
        if crop is not None and border:
            corner = crop.convert("RGB").getpixel((0, 0))
            fill = corner if isinstance(corner, tuple) else (255, 255, 255)
            crop = ImageOps.expand(crop.convert("RGB"), border=border, fill=fill)
        text = "" if crop is None else " ".join(w.text for w in reader.read_words(crop))
        out[element.box] = text.strip()
    return out


def glyph_candidates(query_text: str, boxes: Sequence[Element],
                     glyphs: dict[Box, str]) -> list[Candidate]:  # fmt: skip
    """Boxes whose own reading is exactly the (short) query text."""
    target = normalize(query_text)
    out = []
    for element in boxes:
        if normalize(glyphs.get(element.box, "")) == target:
            found = Element(element.box, element.role, query_text, "detector", element.score)
            out.append(Candidate(found, 0.95, True, ("detector", "glyph-ocr")))
    return out


def wants_glyphs(query_text: str) -> bool:
    return 0 < len(normalize(query_text)) <= MAX_GLYPH_LABEL
