"""Tesseract in this process (tesserocr): the same reads as TesseractOcr without a process per call.

`TesseractOcr` starts the `tesseract` binary for every pass (~60 ms of process
start and model load each). `InProcessTesseract` keeps loaded engines
(tesserocr's PyTessBaseAPI) in a small pool and reuses them. An engine is not
thread-safe, so each read borrows one for its whole pass; tesserocr releases
the GIL while recognising, so the passes of one read (and concurrent reads)
run in parallel on separate engines.

Words come from Tesseract's own TSV renderer, the output pytesseract parses,
so block/paragraph/line ids and boxes mean the same as in `TesseractOcr`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from .errors import ExpertUnavailable
from .ocr import OcrConfig, OcrWord, check_languages, read_in_passes
from .types import Box

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "in-process Tesseract needs the tesserocr package: run `pip install tesserocr` "
    "(its Linux wheels bundle Tesseract) and install the language data "
    "(Debian/Ubuntu: apt-get install tesseract-ocr)"
)

# Where distributions put traineddata files; TESSDATA_PREFIX wins when set.
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/usr/local/share/tesseract-ocr/tessdata",
    "/opt/homebrew/share/tessdata",
)


def _import_tesserocr() -> Any:
    # The bundled Tesseract may use OpenMP; one thread per engine keeps two
    # parallel passes from oversubscribing the cores (read once, at load).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import tesserocr
    except ImportError as exc:
        raise ExpertUnavailable(INSTALL_HINT) from exc
    return tesserocr


def _languages_in(directory: Path) -> set[str]:
    try:
        return {p.name.removesuffix(".traineddata") for p in directory.glob("*.traineddata")}
    except OSError:
        return set()


def find_tessdata(langs: list[str]) -> tuple[str, set[str]]:
    """The tessdata directory holding most of `langs` (first wins a tie), and its languages."""
    candidates: list[Path] = []
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        candidates += [Path(prefix), Path(prefix) / "tessdata"]
    candidates += [Path(d) for d in _TESSDATA_DIRS]
    best: tuple[str, set[str]] | None = None
    best_hits = -1
    for directory in candidates:
        installed = _languages_in(directory)
        if not installed:
            continue
        hits = sum(lang in installed for lang in langs)
        if hits > best_hits:
            best, best_hits = (str(directory), installed), hits
        if hits == len(langs):
            break
    if best is None:
        raise ExpertUnavailable(
            "no Tesseract language data found (looked in TESSDATA_PREFIX and "
            f"{', '.join(_TESSDATA_DIRS)}): on Debian/Ubuntu run `apt-get install tesseract-ocr`, "
            "or set TESSDATA_PREFIX to the folder holding eng.traineddata"
        )
    return best


class InProcessTesseract:
    """Reads words with boxes like `TesseractOcr`, with Tesseract loaded in this process.

    `max_engines` caps the loaded engines (each holds its model, ~20 MB);
    the default, one per scale and at least two, lets one read's passes, or
    two reads (two changed regions of a frame), run in parallel.
    Engines load lazily except the first, which also checks the languages.
    """

    name = "tesseract"

    def __init__(self, config: OcrConfig | None = None, *, max_engines: int | None = None) -> None:
        self.config = config or OcrConfig()
        self._tesserocr = _import_tesserocr()
        wanted = [lang for lang in self.config.lang.split("+") if lang]
        self._tessdata, installed = find_tessdata(wanted)
        check_languages(wanted, installed, f" in {self._tessdata}")
        self.max_engines = max(1, max_engines or max(2, len(self.config.scales)))
        self._cond = threading.Condition()
        self._idle: list[Any] = [self._new_engine()]
        self._count = 1  # engines loaded or loading
        self._closed = False

    @staticmethod
    def available() -> bool:
        """True when tesserocr imports and English language data is found."""
        try:
            _import_tesserocr()
            find_tessdata(["eng"])
        except ExpertUnavailable:
            return False
        return True

    def _new_engine(self) -> Any:
        try:
            # The path needs its trailing slash: Tesseract appends file names to it.
            return self._tesserocr.PyTessBaseAPI(
                path=self._tessdata.rstrip("/") + "/", lang=self.config.lang, psm=self.config.psm
            )
        except RuntimeError as exc:
            raise ExpertUnavailable(
                f"Tesseract failed to load {self.config.lang!r} from {self._tessdata}: {exc}"
            ) from exc

    @contextmanager
    def _engine(self) -> Iterator[Any]:
        """Borrow an idle engine, loading a new one while under `max_engines`."""
        api = None
        with self._cond:
            while not self._idle and self._count >= self.max_engines and not self._closed:
                self._cond.wait()
            if self._closed:
                raise RuntimeError("InProcessTesseract is closed")
            if self._idle:
                api = self._idle.pop()
            else:
                self._count += 1
        if api is None:
            try:
                api = self._new_engine()  # outside the lock: loading takes ~50 ms
            except BaseException:
                with self._cond:
                    self._count -= 1
                    self._cond.notify()
                raise
        try:
            yield api
        finally:
            with self._cond:
                if self._closed:
                    api.End()
                else:
                    self._idle.append(api)
                    self._cond.notify()

    def close(self) -> None:
        """Free the engines' models (busy ones when their pass ends); later reads raise."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for api in idle:
            api.End()

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        words = read_in_passes(image, self.config.scales, self._read_pass)
        logger.debug("tesserocr read %d words from a %dx%d image", len(words), *image.size)
        return words

    def _read_pass(self, gray: Image.Image, scale: float, index: int) -> list[OcrWord]:
        with self._engine() as api:
            try:
                api.SetImage(gray)
                api.Recognize()  # releases the GIL
                tsv: str = api.GetTSVText(0)
            finally:
                api.Clear()  # drop the image and results; the model stays loaded
        return _parse_tsv(tsv, scale, index, self.config.min_confidence)


def _parse_tsv(tsv: str, scale: float, index: int, min_confidence: float) -> list[OcrWord]:
    """Words (level 5 rows) of Tesseract's TSV, boxes scaled back to the unscaled image."""
    words: list[OcrWord] = []
    for row in tsv.splitlines():
        # level page block par line word left top width height conf text
        cols = row.split("\t", 11)
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        conf = float(cols[10])
        if not text or conf < min_confidence:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        box = Box(left, top, left + width, top + height)
        if scale != 1.0:
            box = box.scaled(1.0 / scale)
        line = (index, int(cols[2]), int(cols[3]) * 1000 + int(cols[4]))
        words.append(OcrWord(text, box, max(conf, 0.0) / 100.0, line))
    return words
