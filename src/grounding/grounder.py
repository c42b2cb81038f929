"""The grounding entry point: a description and a screenshot in, a point out.

This first version has one expert, OCR text matching (Tesseract); the
mixture (detector, accessibility tree, VLM, router) grows behind the same
`locate`/`parse` API.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from PIL import Image

from .errors import TargetNotFound
from .ocr import OcrConfig, OcrWord, TesseractOcr
from .text_match import TextMatch, match_text, normalize, text_query, visual_lines
from .types import Element, GroundingResult

logger = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.8


def _fingerprint(image: Image.Image) -> str:
    digest = hashlib.blake2b(image.tobytes(), digest_size=16)
    digest.update(f"{image.mode}{image.size}".encode())
    return digest.hexdigest()


class Grounder:
    """Finds described UI elements in screenshots, in image pixels."""

    def __init__(self, ocr: TesseractOcr, *, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.ocr = ocr
        self.min_confidence = min_confidence
        self._lock = threading.Lock()
        self._cache_key: str | None = None
        self._cache_words: list[OcrWord] = []

    @classmethod
    def default(cls, *, lang: str = "eng") -> Grounder:
        """The local mixture from what is installed (raises ExpertUnavailable with a fix)."""
        return cls(TesseractOcr(OcrConfig(lang=lang)))

    def words(self, image: Image.Image) -> list[OcrWord]:
        """OCR words of `image`; an identical frame is never read twice in a row."""
        key = _fingerprint(image)
        with self._lock:
            if key == self._cache_key:
                return self._cache_words
        words = self.ocr.read_words(image)
        with self._lock:
            self._cache_key, self._cache_words = key, words
        return words

    def parse(self, image: Image.Image) -> list[Element]:
        """Every element found: one text element per visual line."""
        elements = []
        for line in visual_lines(self.words(image)):
            # Borders and icons misread as "|" or "=)" are not text anyone can name.
            line = [w for w in line if any(ch.isalnum() for ch in w.text)] or line
            box = line[0].box
            for w in line[1:]:
                box = box.union(w.box)
            text = " ".join(w.text for w in line)
            score = sum(w.confidence for w in line) / len(line)
            elements.append(Element(box, "text", text, self.ocr.name, score))
        return elements

    def candidates(self, image: Image.Image, description: str) -> list[TextMatch]:
        return match_text(self.words(image), text_query(description))

    def locate(
        self, image: Image.Image, description: str, *, whole_only: bool = False
    ) -> GroundingResult | None:
        """The best confident match for `description`, or None.

        `whole_only` accepts only text that is a whole label ("Save"), not part
        of a longer one ("Save As"); a caller waiting for a dialog uses it
        first, so a title is not clicked while the button is still appearing.
        """
        matches = self.candidates(image, description)
        if whole_only:
            matches = [m for m in matches if m.whole_line]
        if not matches or matches[0].score < self.min_confidence:
            logger.info("no confident match for %r (best %s)", description, _best(matches))
            return None
        best = matches[0]
        elements = tuple(
            Element(m.box, "label" if m.is_label else "text", m.text, self.ocr.name, m.score)
            for m in matches[:5]
        )
        return GroundingResult(
            point=best.box.center,
            box=best.box,
            expert=self.ocr.name,
            confidence=round(best.score, 4),
            candidates=elements,
        )

    def locate_or_raise(self, image: Image.Image, description: str) -> GroundingResult:
        result = self.locate(image, description)
        if result is None:
            seen = [e.text for e in self.parse(image) if normalize(e.text)]
            raise TargetNotFound(description, seen)
        return result


def _best(matches: list[TextMatch]) -> str:
    return f"{matches[0].text!r} at {matches[0].score:.2f}" if matches else "none"
