"""The text expert's eyes: Tesseract OCR words and lines with boxes.

Tesseract runs as the real binary through pytesseract. Sparse-text page
segmentation (psm 11) suits UI screenshots: labels scattered over the screen
rather than paragraphs. Digits, symbols and non-Latin scripts are kept as
Tesseract reads them; languages are configurable ("eng+chi_sim").
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from PIL import Image, ImageOps

from .errors import ExpertUnavailable
from .types import Box, Element

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "Tesseract OCR is not installed: run `bash packaging/install-system-deps.sh` "
    "(Debian/Ubuntu: apt-get install tesseract-ocr) and `pip install pytesseract`"
)


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One word and where Tesseract saw it; `line` identifies its text line."""

    text: str
    box: Box
    confidence: float
    line: tuple[int, int, int]

    def to_element(self) -> Element:
        return Element(self.box, "text", self.text, "tesseract", self.confidence)


class TextReader(Protocol):
    """An OCR engine that reads words with boxes (Tesseract, RapidOCR)."""

    name: str

    def read_words(self, image: Image.Image) -> list[OcrWord]: ...


@dataclass(frozen=True, slots=True)
class OcrConfig:
    lang: str = "eng"
    psm: int = 11
    # Each pass reads the image at one scale; words are merged. Tesseract
    # misreads UI fonts (~9-11 px) at 1x ("File" -> "Fi") and reads them well
    # at 2x, but at 2x it can lose a label that touches a field's border, which
    # 1x keeps. The passes run in parallel (separate tesseract processes).
    scales: tuple[float, ...] = (2.0, 1.0)
    min_confidence: float = 0.0


def check_languages(wanted: list[str], installed: set[str], where: str = "") -> None:
    """Raise ExpertUnavailable, naming the Debian packages, if a language is missing."""
    missing = [lang for lang in wanted if lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{m.replace('_', '-').lower()}" for m in missing)
        raise ExpertUnavailable(
            f"Tesseract has no language data for {', '.join(missing)}{where} "
            f"(installed: {', '.join(sorted(installed)) or 'none'}): "
            f"on Debian/Ubuntu run `apt-get install {packages}`, or choose another language"
        )


class TesseractOcr:
    """Reads words with boxes from an image with the Tesseract binary."""

    name = "tesseract"

    def __init__(self, config: OcrConfig | None = None) -> None:
        self.config = config or OcrConfig()
        try:
            import pytesseract
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ExpertUnavailable(INSTALL_HINT) from exc
        if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
            raise ExpertUnavailable(INSTALL_HINT)
        self._pytesseract = pytesseract
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._check_languages()

    def _check_languages(self) -> None:
        # A missing language pack would otherwise fail on the first read with
        # Tesseract's raw "Failed loading language" error.
        wanted = [lang for lang in self.config.lang.split("+") if lang]
        try:
            installed = set(self._pytesseract.get_languages(config=""))
        except (OSError, RuntimeError) as exc:  # not found / failed to run
            raise ExpertUnavailable(f"{INSTALL_HINT} (running tesseract failed: {exc})") from exc
        check_languages(wanted, installed)

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        words = read_in_passes(image, self.config.scales, self._read_pass)
        logger.debug("tesseract read %d words from a %dx%d image", len(words), *image.size)
        return words

    def _read_pass(self, gray: Image.Image, scale: float, index: int) -> list[OcrWord]:
        cfg = self.config
        data = self._pytesseract.image_to_data(
            gray,
            lang=cfg.lang,
            config=f"--psm {cfg.psm}",
            output_type=self._pytesseract.Output.DICT,
        )
        words: list[OcrWord] = []
        for i, text in enumerate(data["text"]):
            text = text.strip()
            conf = float(data["conf"][i])
            if not text or conf < cfg.min_confidence:
                continue
            left, top = data["left"][i], data["top"][i]
            box = Box(left, top, left + data["width"][i], top + data["height"][i])
            if scale != 1.0:
                box = box.scaled(1.0 / scale)
            line = (index, data["block_num"][i], data["par_num"][i] * 1000 + data["line_num"][i])
            words.append(OcrWord(text, box, max(conf, 0.0) / 100.0, line))
        return words

    def read(self, image: Image.Image) -> list[Element]:
        return [w.to_element() for w in self.read_words(image)]


def group_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Words grouped by Tesseract line, each line left to right, lines top to bottom."""
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    ordered = [sorted(ws, key=lambda w: w.box.left) for ws in lines.values()]
    return sorted(ordered, key=lambda ws: (ws[0].box.top, ws[0].box.left))


PassReader = Callable[[Image.Image, float, int], list[OcrWord]]


def read_in_passes(
    image: Image.Image, scales: tuple[float, ...], read_pass: PassReader
) -> list[OcrWord]:
    """Read a grayscale copy once per scale (in parallel) and merge the words.

    `read_pass(scaled_gray, scale, index)` returns words in unscaled pixels.
    """
    gray = ImageOps.grayscale(image)
    scales = scales or (1.0,)

    def one(scale: float, index: int) -> list[OcrWord]:
        scaled = gray
        if scale != 1.0:
            size = (round(gray.width * scale), round(gray.height * scale))
            scaled = gray.resize(size, Image.Resampling.LANCZOS)
        return read_pass(scaled, scale, index)

    if len(scales) == 1:
        return merge_passes([one(scales[0], 0)])
    with ThreadPoolExecutor(max_workers=len(scales)) as pool:
        passes = list(pool.map(one, scales, range(len(scales))))
    return merge_passes(passes)


def merge_passes(passes: list[list[OcrWord]]) -> list[OcrWord]:
    """Words of the first pass, plus words of later passes found nowhere earlier."""
    merged: list[OcrWord] = []
    for words in passes:
        earlier = list(merged)
        for word in words:
            if not any(word.box.intersection_area(w.box) > 0.3 * min(word.box.area, w.box.area)
                       for w in earlier):  # fmt: skip
                merged.append(word)
    return merged
