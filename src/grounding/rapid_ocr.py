"""The text expert's second pair of eyes: RapidOCR (PP-OCR models run by onnxruntime).

The `rapidocr-onnxruntime` wheel ships its PP-OCRv4 detection, recognition
and angle models, so nothing is downloaded. RapidOCR reads text LINES with
quadrilateral boxes; the grounding API wants words (as TesseractOcr gives),
so each line is split into words here:

1. Character positions: RapidOCR's CTC decoder tells which output column
   each character came from (``return_word_box``), which places every
   character along the line. Where that is unavailable the line box width is
   distributed over the characters in proportion to their width (CJK glyphs
   count double), which is the fallback.
2. Word breaks: the PP-OCRv4 Chinese+English recognizer usually drops the
   spaces of small UI text ("Save As" -> "SaveAs"), so breaks come from the
   pixels: columns with no ink inside the line box, wider than a quarter of
   the ink height and than the line's typical letter gap, separate words.
   A space the recognizer did emit also breaks, and so does a change
   between CJK and other scripts ("打开Open" -> "打开", "Open"). CJK
   characters are otherwise kept together (CJK writes no spaces).

Each word keeps its line's id in `OcrWord.line`, so line grouping works as
for Tesseract.
"""

from __future__ import annotations

import itertools
import logging
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .errors import ExpertUnavailable
from .ocr import OcrWord
from .types import Box, Element

logger = logging.getLogger(__name__)

INSTALL_HINT = "RapidOCR is not installed: run `pip install rapidocr-onnxruntime`"

# A word gap is an ink-free run at least this fraction of the line's ink height.
WORD_GAP = 0.3
# ... and wider than this multiple of the line's median gap between ink runs.
LETTER_GAP_FACTOR = 1.8
# ... and never narrower than this many pixels (anti-aliasing opens 3 px letter gaps).
MIN_WORD_GAP = 3.5
# A gap between two CJK characters breaks a word only when it is this wide.
CJK_GAP = 1.0


@dataclass(frozen=True, slots=True)
class RapidOcrConfig:
    """RapidOCR options; the defaults suit 1080p screenshots on a few cores."""

    # onnxruntime threads for each model (det, cls, rec); RapidOCR sets them together.
    intra_op_threads: int = 2
    inter_op_threads: int = 1
    # Frames with a longer side are shrunk before anything runs (speed over tiny text).
    max_side: int = 2000
    # Detection input: with limit_type "min" the shorter side is raised to at
    # least det_limit_side (a 1080p frame runs at full size); with "max" the
    # longer side is capped at it (faster, loses small text).
    det_limit_side: int = 736
    det_limit_type: str = "min"
    # Lines read with a lower recognizer score are dropped.
    min_score: float = 0.5
    # UI text is upright; the 180-degree classifier only costs time.
    use_angle_cls: bool = False


class RapidOcr:
    """Reads words and lines with boxes using RapidOCR's ONNX PP-OCR models."""

    name = "rapidocr"

    def __init__(self, config: RapidOcrConfig | None = None) -> None:
        self.config = config or RapidOcrConfig()
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise ExpertUnavailable(f"{INSTALL_HINT} ({exc})") from exc
        cfg = self.config
        self._engine = RapidOCR(
            intra_op_num_threads=cfg.intra_op_threads,
            inter_op_num_threads=cfg.inter_op_threads,
            max_side_len=cfg.max_side,
            det_limit_side_len=cfg.det_limit_side,
            det_limit_type=cfg.det_limit_type,
            use_cls=cfg.use_angle_cls,
        )
        # The engine mutates its own settings on each call: one call at a time.
        self._lock = threading.Lock()

    def _run(self, image: Image.Image) -> list[Any]:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        with self._lock:
            result, _ = self._engine(bgr, text_score=self.config.min_score, return_word_box=True)
        return list(result or [])

    def read_lines(self, image: Image.Image) -> list[list[OcrWord]]:
        """Words grouped by RapidOCR line, each line left to right."""
        gray = np.asarray(image.convert("L"))
        lines = []
        for index, item in enumerate(self._run(image)):
            words = _split_line(gray, item, index)
            if words:
                lines.append(words)
        logger.debug("rapidocr read %d lines from a %dx%d image", len(lines), *image.size)
        return lines

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        return [w for line in self.read_lines(image) for w in line]

    def read(self, image: Image.Image) -> list[Element]:
        """One element per word, as TesseractOcr.read gives."""
        return [_element(w) for w in self.read_words(image)]

    def parse(self, image: Image.Image) -> list[Element]:
        """One element per text line (RapidOCR's own unit)."""
        elements = []
        for line in self.read_lines(image):
            box = line[0].box
            for w in line[1:]:
                box = box.union(w.box)
            score = sum(w.confidence for w in line) / len(line)
            text = " ".join(w.text for w in line)
            elements.append(Element(box, "text", text, self.name, round(score, 4)))
        return elements


def _element(word: OcrWord) -> Element:
    return Element(word.box, "text", word.text, RapidOcr.name, round(word.confidence, 4))


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _split_line(gray: np.ndarray, item: list[Any], index: int) -> list[OcrWord]:
    quad, text, score = item[0], str(item[1]), float(item[2])
    height, width = gray.shape
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    left, right = max(0, int(min(xs))), min(width, int(np.ceil(max(xs))))
    top, bottom = max(0, int(min(ys))), min(height, int(np.ceil(max(ys))))
    if not text.strip() or right <= left or bottom <= top:
        return []
    line_box = Box(left, top, right, bottom)
    centers, confs = _char_centers(item, text, line_box)
    segments, ink_height = _ink_segments(gray[top:bottom, left:right])
    spans = _merge_segments(segments, _word_gap(segments, ink_height))
    groups = _group_chars(text, centers, confs, spans, ink_height)
    owners: dict[int, int] = {}  # how many words each ink span holds
    for _, xs_, _ in groups:
        for k in {_word_index(spans, x) for x in xs_}:
            if k is not None:
                owners[k] = owners.get(k, 0) + 1
    words = []
    for g, (chars, xs_, cs) in enumerate(groups):
        word_text = "".join(chars).strip()
        if not word_text:
            continue
        found = [(k, spans[k]) for k in (_word_index(spans, x) for x in xs_) if k is not None]
        if found:
            wl, wr = min(s[0] for _, s in found), max(s[1] for _, s in found)
            # A span shared with another word (split at a space or a script
            # change) is cut midway between the neighbouring characters.
            if owners.get(found[0][0], 0) > 1 and g > 0:
                wl = max(wl, round((groups[g - 1][1][-1] + xs_[0]) / 2))
            if owners.get(found[-1][0], 0) > 1 and g + 1 < len(groups):
                wr = min(wr, round((xs_[-1] + groups[g + 1][1][0]) / 2))
            wl, wr = left + wl, left + wr
        else:  # no ink seen: a box around the character positions
            pitch = line_box.width / max(len(text), 1)
            wl = max(left, round(left + min(xs_) - pitch / 2))
            wr = min(right, round(left + max(xs_) + pitch / 2))
        conf = sum(cs) / len(cs) if cs else score
        words.append(OcrWord(word_text, Box(wl, top, max(wr, wl + 1), bottom), conf, (0, index, 0)))
    return words


def _char_centers(item: list[Any], text: str, line: Box) -> tuple[list[float], list[float]]:
    """Each character's x center (line-relative) and confidence."""
    if len(item) >= 6 and item[3] and len(item[3]) == len(item[4]) == len(text):
        centers = [(b[0][0] + b[1][0]) / 2 - line.left for b in item[3]]
        return centers, [float(c) for c in item[5]][: len(text)]
    # Fallback: the line width distributed over characters by their width.
    weights = [2.0 if _is_wide(ch) else 1.0 for ch in text]
    unit = line.width / sum(weights)
    centers, x = [], 0.0
    for w in weights:
        centers.append(x + w * unit / 2)
        x += w * unit
    return centers, []


def _ink_segments(crop: np.ndarray) -> tuple[list[tuple[int, int]], int]:
    """Runs of columns holding ink (text pixels unlike the background)."""
    if crop.size == 0:
        return [], 0
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]]).astype(np.int16)
    background = int(np.median(border))
    diff = np.abs(crop.astype(np.int16) - background)
    contrast = int(diff.max())
    if contrast < 30:
        return [], 0
    ink = diff > max(30, contrast // 3)
    rows = np.flatnonzero(ink.any(axis=1))
    ink_height = int(rows[-1] - rows[0] + 1) if rows.size else 0
    cols: list[bool] = np.asarray(ink.any(axis=0), dtype=bool).tolist()
    segments: list[tuple[int, int]] = []
    start = None
    for x, on in enumerate(cols):
        if on and start is None:
            start = x
        elif not on and start is not None:
            segments.append((start, x))
            start = None
    if start is not None:
        segments.append((start, len(cols)))
    return segments, ink_height


def _word_gap(segments: list[tuple[int, int]], ink_height: int) -> float:
    """The narrowest ink-free run that separates words in this line.

    Letter gaps grow with thin (light-on-dark) strokes, so a gap must also
    clearly exceed the line's typical letter gap.
    """
    gaps = sorted(b[0] - a[1] for a, b in itertools.pairwise(segments))
    typical = gaps[len(gaps) // 2] if gaps else 0
    return max(MIN_WORD_GAP, WORD_GAP * ink_height, LETTER_GAP_FACTOR * typical)


def _merge_segments(segments: list[tuple[int, int]], min_gap: float) -> list[tuple[int, int]]:
    """Ink runs closer than a word gap joined: one span per word."""
    spans: list[tuple[int, int]] = []
    for seg in segments:
        if spans and seg[0] - spans[-1][1] < min_gap:
            spans[-1] = (spans[-1][0], seg[1])
        else:
            spans.append(seg)
    return spans


def _group_chars(
    text: str,
    centers: list[float],
    confs: list[float],
    words: list[tuple[int, int]],
    ink_height: int,
) -> list[tuple[list[str], list[float], list[float]]]:
    """Characters grouped into words at spaces and at the word spans' borders."""
    groups: list[tuple[list[str], list[float], list[float]]] = []
    last_word: int | None = None
    last_right = 0.0
    for i, ch in enumerate(text):
        if ch.isspace():
            last_word = None
            continue
        x = centers[i]
        word = _word_index(words, x)
        breaks = last_word is None or (word is not None and word != last_word)
        if last_word is not None and groups:
            prev = groups[-1][0][-1]
            gap = words[word][0] - last_right if word is not None else 0.0
            if _is_wide(prev) != _is_wide(ch):  # CJK next to Latin: two words
                breaks = True
            elif breaks and _is_wide(prev) and gap < CJK_GAP * ink_height:
                breaks = False
        if breaks or not groups:
            groups.append(([], [], []))
        groups[-1][0].append(ch)
        groups[-1][1].append(x)
        if i < len(confs):
            groups[-1][2].append(confs[i])
        last_word = word if word is not None else -1
        if word is not None:
            last_right = words[word][1]
    return groups


def _word_index(words: list[tuple[int, int]], x: float) -> int | None:
    if not words:
        return None
    best = min(
        range(len(words)),
        key=lambda k: 0.0 if words[k][0] <= x < words[k][1] else min(abs(x - words[k][0]),
                                                                     abs(x - words[k][1])),
    )  # fmt: skip
    return best
