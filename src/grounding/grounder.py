"""The grounding entry point and router: a description and a screenshot in, a point out.

Cheapest first: OCR text matching and the element experts (accessibility
tree, detector) run on every frame, each at most once per frame; their
candidates are fused (text inside an element's box takes that element), and
scored with the description's role and position hints. The VLM is called only
when no local candidate is confident.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from .errors import GroundingError, TargetNotFound
from .experts import ElementExpert, VlmExpert
from .fusion import (
    Candidate,
    apply_role,
    attach_to_elements,
    from_elements,
    from_text_matches,
    merge_duplicates,
)
from .glyphs import (
    confirmed_by_vote,
    default_glyph_reader,
    glyph_boxes,
    glyph_candidates,
    lone_glyph_boxes,
    read_glyphs,
    voted_glyphs,
    wants_glyphs,
)
from .icon_candidates import (
    Matcher,
    RecognizedIcon,
    Recognizer,
    icon_candidates,
    recognize_icons,
    textless_boxes,
)
from .ocr import OcrWord, TextReader
from .query import Query, parse_query
from .registry import build_experts
from .text_match import match_text, normalize, visual_lines
from .types import Box, Element, GroundingResult

logger = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.8
_NAME_THRESHOLD = 0.75


def _fingerprint(image: Image.Image) -> str:
    # SHA-256 runs in hardware on current CPUs: ~4 ms for a 1920x1080 frame
    # (BLAKE2b takes ~10 ms), and a parse checks the frame once.
    digest = hashlib.sha256(image.tobytes())
    digest.update(f"{image.mode}{image.size}".encode())
    return digest.hexdigest()


class Grounder:
    """Finds described UI elements in screenshots, in image pixels."""

    def __init__(
        self,
        ocr: TextReader,
        *,
        experts: Sequence[ElementExpert] = (),
        vlm: VlmExpert | None = None,
        fallback: TextReader | None = None,
        icons: tuple[Recognizer, Matcher] | None = None,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.ocr = ocr
        # A second OCR asked only when nothing local is confident: RapidOCR
        # reads lone digits and symbols that Tesseract drops; Tesseract at 1x
        # keeps labels beside a field's border that it loses at 2x.
        self.fallback = fallback
        self._fallback_words: list[OcrWord] | None = None
        self.experts = list(experts)
        self.vlm = vlm
        # The icon recognizer names glyphs in detected boxes that carry no text.
        self.icons = icons
        self._recognized: list[RecognizedIcon] | None = None
        # Short labels read box by box: (boxes, reader) -> what each box says.
        self._glyphs: dict[tuple[str, str], tuple[list[Element], dict[Box, str]]] = {}
        self.min_confidence = min_confidence
        self.vlm_calls = 0
        self._lock = threading.Lock()
        self._frame: str | None = None
        self._words: list[OcrWord] | None = None
        self._elements: dict[str, list[Element]] = {}

    @classmethod
    def default(cls, *, lang: str = "eng", experts: Sequence[str] | None = None) -> Grounder:
        """The mixture from what works here: Tesseract, plus the accessibility tree
        when an AT-SPI bus answers, plus a VLM when an endpoint is configured.

        `experts` names them instead ("ocr,a11y"); a named expert that cannot
        run raises ExpertUnavailable saying how to install or enable it.
        """
        built = build_experts(experts, lang=lang)
        for name, why in built.skipped.items():
            logger.info("grounding without %s: %s", name, why)
        return cls(built.text, experts=built.elements, vlm=built.vlm, fallback=built.fallback,
                   icons=built.icons)  # fmt: skip

    # -- per-frame expert output, each computed at most once per frame ------

    def _use_frame(self, image: Image.Image) -> None:
        key = _fingerprint(image)
        with self._lock:
            if key != self._frame:
                self._frame, self._words, self._elements = key, None, {}
                self._fallback_words = self._recognized = None
                self._glyphs = {}

    def words(self, image: Image.Image) -> list[OcrWord]:
        """OCR words of `image`; an identical frame is never read twice in a row."""
        self._use_frame(image)
        return self._frame_words(image)

    # The _frame_* methods serve the frame _use_frame last saw: public entry
    # points check the frame once, not once per expert (a check hashes it).

    def _frame_words(self, image: Image.Image) -> list[OcrWord]:
        with self._lock:
            if self._words is not None:
                return self._words
        words = self.ocr.read_words(image)
        with self._lock:
            self._words = words
        return words

    def expert_elements(self, image: Image.Image) -> list[Element]:
        """Every element expert's elements for this frame (experts run in parallel)."""
        self._use_frame(image)
        return self._frame_elements(image)

    def _frame_elements(self, image: Image.Image) -> list[Element]:
        missing = [e for e in self.experts if e.name not in self._elements]
        if missing:
            with ThreadPoolExecutor(max_workers=len(missing) + 1) as pool:
                ocr_job = pool.submit(self._frame_words, image)  # overlaps OCR with the others
                results = list(pool.map(lambda e: self._safe_parse(e, image), missing))
                ocr_job.result()
            with self._lock:
                for expert, elements in zip(missing, results, strict=True):
                    self._elements[expert.name] = elements
        return [el for e in self.experts for el in self._elements.get(e.name, [])]

    @staticmethod
    def _safe_parse(expert: ElementExpert, image: Image.Image) -> list[Element]:
        try:
            return expert.parse(image)
        except GroundingError as exc:
            # One expert failing (an app hung on the a11y bus) must not blind the rest.
            logger.warning("expert %s failed on this frame: %s", expert.name, exc)
            return []

    def parse(self, image: Image.Image) -> list[Element]:
        """Every element found: OCR text lines, then each expert's elements."""
        self._use_frame(image)
        elements = self._frame_elements(image)
        lines = []
        for line in visual_lines(self._frame_words(image)):
            # Borders and icons misread as "|" or "=)" are not text anyone can name.
            line = [w for w in line if any(ch.isalnum() for ch in w.text)] or line
            box = line[0].box
            for w in line[1:]:
                box = box.union(w.box)
            text = " ".join(w.text for w in line)
            score = sum(w.confidence for w in line) / len(line)
            lines.append(Element(box, "text", text, self.ocr.name, score))
        return lines + elements

    # -- locating ------------------------------------------------------------

    def ranked(self, image: Image.Image, query: Query) -> list[Candidate]:
        """Fused candidates for a query, best first."""
        self._use_frame(image)
        return self._ranked(image, query)

    def _ranked(self, image: Image.Image, query: Query) -> list[Candidate]:
        elements = self._frame_elements(image)
        text = from_text_matches(
            match_text(self._frame_words(image), query.text, width=image.width), self.ocr.name
        )
        text = attach_to_elements(text, elements, image.width * image.height)
        named = from_elements(elements, query, threshold=_NAME_THRESHOLD)
        fused = apply_role(merge_duplicates(text + named), query.role)
        return sorted(fused, key=lambda c: (-c.score, c.element.box.top, c.element.box.left))

    def _with_fallback(
        self, image: Image.Image, query: Query, ranked: list[Candidate]
    ) -> list[Candidate]:
        assert self.fallback is not None
        with self._lock:
            words = self._fallback_words
        if words is None:
            words = self.fallback.read_words(image)
            with self._lock:
                self._fallback_words = words
        elements = self._frame_elements(image)
        extra = from_text_matches(
            match_text(words, query.text, width=image.width), self.fallback.name
        )
        extra = attach_to_elements(extra, elements, image.width * image.height)
        fused = apply_role(merge_duplicates(extra), query.role)
        return sorted([*ranked, *fused], key=lambda c: (-c.score, c.element.box.top,
                                                         c.element.box.left))  # fmt: skip

    def _with_icons(
        self, image: Image.Image, query: Query, description: str, ranked: list[Candidate]
    ) -> list[Candidate]:
        assert self.icons is not None
        recognizer, matcher = self.icons
        with self._lock:
            recognized = self._recognized
        if recognized is None:
            boxes = textless_boxes(self._frame_elements(image), self._frame_words(image))
            recognized = recognize_icons(image, boxes, recognizer)
            with self._lock:
                self._recognized = recognized
        found = apply_role(icon_candidates(description, recognized, matcher), query.role)
        return sorted([*ranked, *found], key=lambda c: (-c.score, c.element.box.top,
                                                        c.element.box.left))  # fmt: skip

    def _detected(self, image: Image.Image) -> bool:
        return any(e.source == "detector" for e in self._frame_elements(image))

    def _with_glyphs(
        self, image: Image.Image, query: Query, ranked: list[Candidate]
    ) -> list[Candidate]:
        """Short labels read box by box: the detected keys first, then marks
        standing alone on a plain area (a key the detector missed); each set by
        Tesseract, then by the second OCR, which reads a lone "+" that
        Tesseract takes for "oo"."""
        found: list[Candidate] = []
        readers = ["tesseract"] + (["second"] if self.fallback is not None else [])
        for kind, score in (("detected", 0.95), ("lone", 0.9)):
            for reader in readers:
                boxes, glyphs = self._glyph_readings(image, kind, reader)
                found = glyph_candidates(query.text, boxes, glyphs, score)
                if len(found) > 1 and kind == "detected":
                    found = confirmed_by_vote(image, query.text, found, score)
                if found:
                    break
            if found:
                break
        found = apply_role(found, query.role)
        return sorted([*ranked, *found], key=lambda c: (-c.score, c.element.box.top,
                                                        c.element.box.left))  # fmt: skip

    def _glyph_readings(
        self, image: Image.Image, kind: str, reader: str
    ) -> tuple[list[Element], dict[Box, str]]:
        with self._lock:
            cached = self._glyphs.get((kind, reader))
        if cached is not None:
            return cached
        with self._lock:  # the other reader's pass over the same boxes found them already
            known = next((b for (k, _), (b, _) in self._glyphs.items() if k == kind), None)
        if known is not None:
            boxes = known
        elif kind == "detected":
            boxes = glyph_boxes(self._frame_elements(image), self._frame_words(image))
        else:
            boxes = lone_glyph_boxes(image)
        if reader == "second":
            assert self.fallback is not None
            glyphs = read_glyphs(image, boxes, self.fallback, border=16)
        elif kind == "lone":
            glyphs = voted_glyphs(image, boxes)  # no key around it: ask for agreement
        else:
            glyphs = read_glyphs(image, boxes, default_glyph_reader())
        with self._lock:
            self._glyphs[(kind, reader)] = (boxes, glyphs)
        return boxes, glyphs

    def locate(
        self, image: Image.Image, description: str, *, whole_only: bool = False
    ) -> GroundingResult | None:
        """The best confident match for `description`, or None.

        `whole_only` accepts only text that is a whole label ("Save"), not part
        of a longer one ("Save As"); a caller waiting for a dialog uses it
        first, so a title is not clicked while the button is still appearing.
        """
        query = parse_query(description)
        self._use_frame(image)
        ranked = self._ranked(image, query)
        confident = [c for c in ranked if c.score >= self.min_confidence]
        if whole_only:
            confident = [c for c in confident if c.whole]
        if not confident and self.fallback is not None:
            ranked = self._with_fallback(image, query, ranked)
            confident = [c for c in ranked if c.score >= self.min_confidence]
            if whole_only:
                confident = [c for c in confident if c.whole]
        if (wants_glyphs(query.text) and self._detected(image)
                and not _on_detected_control(confident, query)):  # fmt: skip
            # A lone "5" read off a title-bar glyph or a "0" in a display is
            # weaker evidence than the key that shows it alone.
            ranked = self._with_glyphs(image, query, ranked)
            confident = [c for c in ranked if c.score >= self.min_confidence]
        if not confident and self.icons is not None and not whole_only:
            ranked = self._with_icons(image, query, description, ranked)
            confident = [c for c in ranked if c.score >= self.min_confidence]
        if confident:
            best = _pick(confident, query, image.size)
            return _result(best, ranked, best.evidence[0])
        if self.vlm is not None and not whole_only:
            return self._ask_vlm(image, description, ranked)
        logger.info("no confident match for %r (best %s)", description, _describe(ranked))
        return None

    def _ask_vlm(
        self, image: Image.Image, description: str, ranked: list[Candidate]
    ) -> GroundingResult | None:
        assert self.vlm is not None
        self.vlm_calls += 1
        try:
            if ranked:
                marks = [c.element for c in ranked[:20]]
                return self.vlm.choose(image, description, marks)
            return self.vlm.point(image, description)
        except GroundingError as exc:
            logger.warning("the VLM could not ground %r: %s", description, exc)
            return None

    def locate_or_raise(self, image: Image.Image, description: str) -> GroundingResult:
        result = self.locate(image, description)
        if result is None:
            seen = [e.text for e in self.parse(image) if normalize(e.text)]
            raise TargetNotFound(description, list(dict.fromkeys(seen)))
        return result


def _on_detected_control(confident: list[Candidate], query: Query) -> bool:
    """The best match lies on a detected control of the role asked for (any, if none is)."""
    if not confident:
        return False
    best = confident[0]
    on_box = "detector" in best.evidence or best.element.source == "detector"
    return on_box and (query.role is None or best.element.role == query.role)


def _pick(confident: list[Candidate], query: Query, size: tuple[int, int]) -> Candidate:
    """Use ordinal and position words to choose among confident candidates."""
    best_score = confident[0].score
    # Only near-equal candidates compete on position: a clearly better match wins.
    pool = [c for c in confident if c.score >= best_score - 0.06]
    if query.role is not None:
        # Near-equal matches: the one on an element of the role asked for wins
        # ("the '0' button" is the key, not the "0" in the display above it).
        exact = [c for c in pool if c.element.role == query.role and c.whole >= pool[0].whole]
        if exact:
            pool = exact
    if query.ordinal is not None and len(pool) > 1:
        order = sorted(pool, key=lambda c: (c.element.box.top // 10, c.element.box.left))
        index = query.ordinal - 1 if query.ordinal > 0 else len(order) + query.ordinal
        return order[min(max(index, 0), len(order) - 1)]
    if (query.vertical or query.horizontal) and len(pool) > 1:
        width, height = size
        tx = {"left": 0, "right": width}.get(query.horizontal or "", width / 2)
        ty = {"top": 0, "bottom": height}.get(query.vertical or "", height / 2)

        def distance(c: Candidate) -> float:
            x, y = c.element.box.center
            dx = (x - tx) if query.horizontal else 0
            dy = (y - ty) if query.vertical else 0
            return float(dx * dx + dy * dy)

        return min(pool, key=distance)
    return pool[0]


def _result(best: Candidate, ranked: list[Candidate], expert: str) -> GroundingResult:
    others = [c for c in ranked if c is not best][:4]
    return GroundingResult(
        point=best.element.box.center,
        box=best.element.box,
        expert="+".join(best.evidence) if len(best.evidence) > 1 else expert,
        confidence=round(min(best.score, 1.0), 4),
        candidates=tuple(c.element for c in [best, *others]),
    )


def _describe(ranked: list[Candidate]) -> str:
    if not ranked:
        return "none"
    return f"{ranked[0].element.text!r} at {ranked[0].score:.2f}"
