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


# Tesseract reads a lone sign differently at different scales ("=" at 2x and
# 4x, "—" at 3x); marks found without a detected key are read at each and
# take the reading most scales agree on.
VOTING_SCALES = (3.0, 2.0, 4.0)


@cache
def default_glyph_reader(scale: float = 3.0) -> TextReader:
    config = OcrConfig(psm=10, scales=(scale,))
    return InProcessTesseract(config) if InProcessTesseract.available() else TesseractOcr(config)


_GLYPH_ROLES = frozenset({"button", "toggle", "radio", "tab", "checkbox", "menu_item", "icon"})
_MAX_SIDE = 440  # px: a calculator key on a maximised window is big (377 px at 1920x1080,
# boxed up to a tenth wider by the detector); a panel is bigger


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


def voted_glyphs(image: Image.Image, boxes: Sequence[Element]) -> dict[Box, str]:
    """What each box says by most of VOTING_SCALES (the first scale's reading on a tie)."""
    readings = [read_glyphs(image, boxes, default_glyph_reader(s)) for s in VOTING_SCALES]
    out = {}
    for element in boxes:
        texts = [r[element.box] for r in readings]
        out[element.box] = max(texts, key=lambda t: (texts.count(t), t == texts[0]))
    return out


def glyph_candidates(query_text: str, boxes: Sequence[Element], glyphs: dict[Box, str],
                     score: float = 0.95) -> list[Candidate]:  # fmt: skip
    """Boxes whose own reading is exactly the (short) query text."""
    target = normalize(query_text)
    out = []
    for element in boxes:
        if normalize(glyphs.get(element.box, "")) == target:
            found = Element(element.box, element.role, query_text, element.source, element.score)
            out.append(Candidate(found, score, True, (element.source, "glyph-ocr")))
    return out


def confirmed_by_vote(image: Image.Image, query_text: str, found: Sequence[Candidate],
                      score: float) -> list[Candidate]:  # fmt: skip
    """Of several keys read as the same short label, those the scales agree on.

    One scale can read two keys alike ("-" and "=" both as "=" at 3x); when
    more than one key matched, each is read at every voting scale, and the
    keys whose majority reading still matches are kept (all of them if none is).
    """
    boxes = [c.element for c in found]
    confirmed = glyph_candidates(query_text, boxes, voted_glyphs(image, boxes), score)
    for cand in confirmed:
        logger.debug("glyph %r confirmed by vote at %s", query_text, cand.element.box)
    return confirmed or list(found)


# Lone glyphs: a mark of at most this size (px) ...
_LONE_MAX_SIDE = 48
_LONE_MIN_SIDE = 3  # a "-" may be one pixel thin, but not this short
# ... with no other ink within this many of its sides around it (a "=" alone
# on a big key; a letter of a word has neighbours).
_LONE_CLEARANCE = 1.5
_LONE_JOIN = 7  # px: strokes closer than this are one mark ("=" has two bars, "%" three parts)
_BACKGROUND_WINDOW = 31  # px: the local background is the mean over this window


def lone_glyph_boxes(image: Image.Image) -> list[Element]:
    """Small marks standing alone on a plain area, each in a box three times its size.

    These are the keys a detector may miss: a calculator key on a maximised
    window is a plain panel hundreds of pixels wide with one small sign in
    it. The box is the mark's surroundings, so that `tight_crop` finds the
    mark in its middle and the point acted on lies on the key.
    """
    import cv2  # opencv comes with RapidOCR; imported here, as only this path needs it

    gray = np.asarray(ImageOps.grayscale(image), dtype=np.uint8)
    background = cv2.blur(gray, (_BACKGROUND_WINDOW, _BACKGROUND_WINDOW))
    ink = (np.abs(gray.astype(np.int16) - background) > _INK_CONTRAST).astype(np.uint8)
    joined = cv2.dilate(ink, np.ones((_LONE_JOIN, _LONE_JOIN), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    height, width = gray.shape
    out = []
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index, :4])
        # The dilation grew the mark by half the join window on each side.
        inner_w, inner_h = w - (_LONE_JOIN - 1), h - (_LONE_JOIN - 1)
        if not (_LONE_MIN_SIDE <= max(inner_w, inner_h) <= _LONE_MAX_SIDE):
            continue
        reach = round(_LONE_CLEARANCE * max(w, h))
        x0, y0 = max(0, x - reach), max(0, y - reach)
        x1, y1 = min(width, x + w + reach), min(height, y + h + reach)
        around = labels[y0:y1, x0:x1]
        if np.any((around != 0) & (around != index)):
            continue
        side = max(w, h)
        cx, cy = x + w // 2, y + h // 2
        box = Box(max(0, cx - side * 3 // 2), max(0, cy - side * 3 // 2),
                  min(width, cx + side * 3 // 2), min(height, cy + side * 3 // 2))  # fmt: skip
        out.append(Element(box, "button", "", "glyphs", 0.5))
    return out


def wants_glyphs(query_text: str) -> bool:
    return 0 < len(normalize(query_text)) <= MAX_GLYPH_LABEL
