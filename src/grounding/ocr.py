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
    # Each pass reads the image at one scale; words are merged (the first
    # pass wins where two overlap). Tesseract misreads UI fonts (~9-11 px) at
    # 1x ("File" -> "Fi") and reads them well at 2x. At 2x it can lose a label
    # close to a field's border, which 1x keeps; the grounders ask a second
    # reader (RapidOCR, or Tesseract at 1x) for that only when nothing is
    # confident, as reading 1x on every frame cost ~90 ms of a cold parse.
    scales: tuple[float, ...] = (2.0,)
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


_RESIZE_SLICES = 2
_MIN_SLICE_ROWS = 256
_SLICE_OVERLAP = 8  # source rows: Lanczos reaches 3 rows when enlarging

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
        return read_pass(upscaled(gray, scale), scale, index)

    if len(scales) == 1:
        return merge_passes([one(scales[0], 0)])
    with ThreadPoolExecutor(max_workers=len(scales)) as pool:
        passes = list(pool.map(one, scales, range(len(scales))))
    return merge_passes(passes)


def upscaled(gray: Image.Image, scale: float) -> Image.Image:
    """`gray` resized by `scale` with Lanczos, a large image in slices on the cores.

    Tesseract reads are sensitive to the filter (OpenCV's bicubic, 12x faster,
    lost 3 text and 4 icon queries of the grounding bench), so the filter
    stays and the work is split: the resize of a 1920x1080 frame to 2x is
    ~60 ms, a tenth of a cold parse. Slices overlap by more than the filter's
    reach, so the result is identical to one resize.
    """
    if scale == 1.0:
        return gray
    size = (round(gray.width * scale), round(gray.height * scale))
    slices = min(_RESIZE_SLICES, os.cpu_count() or 1)
    # Slices line up with the whole image's rows only at a whole enlargement.
    if not scale.is_integer() or slices < 2 or gray.height < _MIN_SLICE_ROWS * slices:
        return gray.resize(size, Image.Resampling.LANCZOS)
    factor = int(scale)
    bounds = [gray.height * i // slices for i in range(slices + 1)]

    def one(top: int, bottom: int) -> Image.Image:
        start, end = max(0, top - _SLICE_OVERLAP), min(gray.height, bottom + _SLICE_OVERLAP)
        part = gray.crop((0, start, gray.width, end))
        part = part.resize((size[0], (end - start) * factor), Image.Resampling.LANCZOS)
        return part.crop((0, (top - start) * factor, size[0], (bottom - start) * factor))

    out = Image.new(gray.mode, size)
    with ThreadPoolExecutor(max_workers=slices) as pool:  # Pillow resizes without the GIL
        for top, part in zip(bounds[:-1], pool.map(one, bounds[:-1], bounds[1:]), strict=True):
            out.paste(part, (0, top * factor))
    return out


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
