"""Icon candidates: detected elements with no text on them, named by the icon model.

"the Save button" may be a floppy glyph with no label anywhere. The detector
finds the button; the icon recognizer says what its glyph means
("document-save"); the icon matcher scores how well the description's words
fit that meaning. This runs only after OCR found nothing confident, and only
for descriptions that name an icon the vocabulary knows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from PIL import Image

from .fusion import Candidate
from .ocr import OcrWord
from .types import Box, Element

logger = logging.getLogger(__name__)

# Detected kinds that can carry a glyph instead of a label.
ICON_ROLES = frozenset({"button", "icon", "toggle", "radio", "tab", "menu_item", "checkbox"})
MAX_ICON_SIDE = 160  # px: bigger boxes are panels or rows, not glyph buttons
# An icon match of 0.5 (say, 0.6 sure of a meaning that the description names
# nearly exactly) is as good as a confident text match.
_SCORE_OFFSET = 0.3
# Past a sure match, a surer reading of the glyph says little about which of
# two same-meaning icons is meant (a toolbar's New button or a big "new
# document" picture in an icon view): such fits end up near-equal, and the
# role the description names decides.
SURE_FIT = 0.6
_SURE_SLOPE = 0.2
# The recognizer spreads probability over look-alike meanings (document-new,
# address-book-new, ...), so a glyph it reads right can still get only 0.3.
# A reading whose first meaning is this many times likelier than its second is
# as sure as a fit of SURE_FIT, when that first meaning is what is named. (On
# the held-out icon theme, such a first meaning is right 78% of the time, as
# often as one read at 0.5.)
SURE_LEAD = 4.0


class Recognizer(Protocol):
    def recognize(
        self, crops: Sequence[Image.Image], top_k: int = 5
    ) -> list[list[tuple[str, float]]]: ...


class Matcher(Protocol):
    def fit(self, description: str, meaning: str) -> float: ...

    def match(self, description: str, meanings: Sequence[tuple[str, float]]) -> float: ...

    def named(self, description: str, minimum: float = 0.5) -> list[tuple[str, float]]: ...


@dataclass(frozen=True, slots=True)
class RecognizedIcon:
    element: Element
    meanings: tuple[tuple[str, float], ...]


MIN_WORD_CONFIDENCE = 0.6  # (0..1) OCR reads glyphs as short low-confidence "words"
# Two-character readings need more: Tesseract forces a small glyph into a pair
# of letters ("Cc" for a refresh arrow, "Oo", "GP") at 0.6-0.75, while real
# short labels ("de", "of", "50") come at 0.8 and more.
SHORT_WORD_CONFIDENCE = 0.8


def has_text(box: Box, words: Sequence[OcrWord]) -> bool:
    """A real word (two letters or digits or more, read with confidence) centred in the box."""
    for word in words:
        if not box.contains(*word.box.center):
            continue
        length = sum(ch.isalnum() for ch in word.text)
        needed = SHORT_WORD_CONFIDENCE if length == 2 else MIN_WORD_CONFIDENCE
        if length >= 2 and word.confidence >= needed:
            return True
    return False


def textless_boxes(elements: Sequence[Element], words: Sequence[OcrWord]) -> list[Element]:
    """Detected elements that may be icons: right kind and size, no word on them."""
    return [
        e
        for e in elements
        if e.source == "detector"
        and e.role in ICON_ROLES
        and 6 <= e.box.width <= MAX_ICON_SIDE
        and 6 <= e.box.height <= MAX_ICON_SIDE
        and not has_text(e.box, words)
    ]


# Each small box is read as detected and with a margin around it. A tight box
# whose rim cuts the glyph misleads the background estimate (light glyphs on
# dark themes read as noise); the padded view sees the real background, but
# around a glyph inside a field or a combo it takes in the frame instead. The
# view the recognizer is surer of is the one that frames the glyph: its reading
# is kept whole. (Averaging the two let a bad view halve a good reading: on the
# grounding bench, image only, 131 -> 133 of 187 icon queries with the detector
# shipped before, 129 -> 134 with the one shipped with this change, whose boxes
# are a little tighter.)
VIEW_MARGINS = (0.0, 0.25)
SMALL_ICON = 24
_TOP_K = 5


def _views(image: Image.Image, box: Box) -> list[Image.Image]:
    crops = []
    for margin in VIEW_MARGINS if min(box.width, box.height) < SMALL_ICON else VIEW_MARGINS[:1]:
        pad = round(margin * min(box.width, box.height))
        crops.append(
            image.crop((max(0, box.left - pad), max(0, box.top - pad),
                        min(image.width, box.right + pad), min(image.height, box.bottom + pad)))
        )  # fmt: skip
    return crops


def _surest(readings: Sequence[Sequence[tuple[str, float]]]) -> tuple[tuple[str, float], ...]:
    """The reading of the view whose first meaning is the most probable (the first on a tie)."""
    best: Sequence[tuple[str, float]] = ()
    for reading in readings:
        if reading and (not best or reading[0][1] > best[0][1]):
            best = reading
    return tuple(best[:_TOP_K])


def recognize_icons(
    image: Image.Image, boxes: Sequence[Element], recognizer: Recognizer
) -> list[RecognizedIcon]:
    """Every candidate box's meanings, all views in one batch."""
    if not boxes:
        return []
    views = [_views(image, b.box) for b in boxes]
    recognized = recognizer.recognize([c for v in views for c in v], top_k=_TOP_K)
    out, start = [], 0
    for b, v in zip(boxes, views, strict=True):
        out.append(RecognizedIcon(b, _surest(recognized[start : start + len(v)])))
        start += len(v)
    return out


def _leads(meanings: Sequence[tuple[str, float]]) -> bool:
    """The first meaning far ahead of the second (or alone)."""
    if not meanings:
        return False
    second = meanings[1][1] if len(meanings) > 1 else 0.0
    return meanings[0][1] >= SURE_LEAD * second


def _damped(fit: float) -> float:
    return fit if fit <= SURE_FIT else SURE_FIT + _SURE_SLOPE * (fit - SURE_FIT)


def icon_candidates(
    description: str, icons: Sequence[RecognizedIcon], matcher: Matcher
) -> list[Candidate]:
    """Candidates for a description among recognised icons (empty if it names no icon)."""
    if not icons or not matcher.named(description):
        return []
    out = []
    for icon in icons:
        fit = matcher.match(description, icon.meanings)
        if fit <= 0.0:
            continue
        if _leads(icon.meanings) and matcher.fit(description, icon.meanings[0][0]) >= SURE_FIT:
            fit = max(fit, SURE_FIT)
        meaning = icon.meanings[0][0]
        element = replace(icon.element, text=meaning, source="detector")
        out.append(Candidate(element, _SCORE_OFFSET + _damped(fit), False, ("detector", "icons")))
    logger.debug("icon candidates for %r: %d of %d icons", description, len(out), len(icons))
    return out
