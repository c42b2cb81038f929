"""The text expert's eyes: Tesseract OCR words and lines with boxes.

Tesseract runs as the real binary through pytesseract. Sparse-text page
segmentation (psm 11) suits UI screenshots: labels scattered over the screen
rather than paragraphs. Digits, symbols and non-Latin scripts are kept as
Tesseract reads them; languages are configurable ("eng+chi_sim").
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class OcrConfig:
    lang: str = "eng"
    psm: int = 11
    # Upscale small screenshots: Tesseract reads UI fonts (~9-11 px) better
    # when glyphs are taller than ~20 px.
    scale: float = 1.0
    min_confidence: float = 0.0


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

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        cfg = self.config
        gray = ImageOps.grayscale(image)
        if cfg.scale != 1.0:
            size = (round(gray.width * cfg.scale), round(gray.height * cfg.scale))
            gray = gray.resize(size, Image.Resampling.LANCZOS)
        data = self._pytesseract.image_to_data(
            gray,
            lang=cfg.lang,
            config=f"--psm {cfg.psm}",
            output_type=self._pytesseract.Output.DICT,
        )
        words: list[OcrWord] = []
        inv = 1.0 / cfg.scale
        for i, text in enumerate(data["text"]):
            text = text.strip()
            conf = float(data["conf"][i])
            if not text or conf < cfg.min_confidence:
                continue
            left, top = data["left"][i], data["top"][i]
            box = Box(left, top, left + data["width"][i], top + data["height"][i])
            if cfg.scale != 1.0:
                box = box.scaled(inv)
            line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            words.append(OcrWord(text, box, max(conf, 0.0) / 100.0, line))
        logger.debug("tesseract read %d words from a %dx%d image", len(words), *image.size)
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
