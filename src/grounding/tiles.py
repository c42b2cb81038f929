"""Incremental OCR: re-read only the horizontal bands of a frame that changed.

An agent's consecutive screenshots mostly differ in one small region (a typed
character, a toggled switch). `TiledReader` cuts each frame into full-width
bands that overlap their neighbours, hashes each band's pixels, and calls the
wrapped reader only on bands whose pixels differ from the previous frame of
the same size; words of unchanged bands are reused.

Each word belongs to exactly one band: the band whose *core* (the band less
half the overlap on each side) holds the word's vertical centre. Cores tile
the frame, so merged output has no duplicates, and a text line no taller than
the overlap always lies whole inside the band that owns it.

Adjacent changed bands are read as one strip: every Tesseract call starts a
process and loads its model (~60 ms here), so one call on two bands beats two
calls. For the same reason a cold frame is read whole (measured on 2 cores:
~0.9 s whole with two passes vs ~2.5 s as 17 bands in parallel; see
bench/parse_latency.py).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from .ocr import OcrWord, TextReader
from .types import Box

logger = logging.getLogger(__name__)

# Pass indices of one read stay below this, so (read id, pass) packs into one int.
_PASS_SLOTS = 1000


@dataclass(frozen=True, slots=True)
class Band:
    """Rows [top, bottom) of the frame; words centred in [core_top, core_bottom) are its own."""

    index: int
    top: int
    bottom: int
    core_top: int
    core_bottom: int


def cut_bands(height: int, band_height: int, overlap: int) -> list[Band]:
    """Full-width bands of `band_height` rows, each overlapping the next by `overlap`."""
    if height <= 0:
        return []
    stride = band_height - overlap
    spans: list[tuple[int, int]] = []
    top = 0
    while True:
        bottom = min(top + band_height, height)
        spans.append((top, bottom))
        if bottom >= height:
            break
        top += stride
    # A short last band is moved up to full height (more overlap, same cores rule).
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < band_height:
        spans[-1] = (max(0, height - band_height), height)
    # Core borders sit in the middle of each overlap, so the cores tile the frame.
    borders = [0] + [(spans[i][1] + spans[i + 1][0]) // 2 for i in range(len(spans) - 1)] + [height]
    return [
        Band(i, top, bottom, borders[i], borders[i + 1]) for i, (top, bottom) in enumerate(spans)
    ]


@dataclass(frozen=True, slots=True)
class _Frame:
    size: tuple[int, int]
    mode: str
    hashes: tuple[bytes, ...]
    words: tuple[tuple[OcrWord, ...], ...]  # per band


class TiledReader:
    """A TextReader that re-reads only the bands of a frame that changed since the last one.

    `whole_frame_ratio`: when more than this share of the bands changed, the
    whole frame is read in one call. `merge_adjacent`: read runs of adjacent
    changed bands as one strip (otherwise each band is its own call; the
    calls run on `workers` threads). Flat one-colour bands are never read.
    """

    def __init__(
        self,
        reader: TextReader,
        *,
        band_height: int = 96,
        overlap: int = 32,
        workers: int = 2,
        whole_frame_ratio: float = 0.5,
        merge_adjacent: bool = True,
    ) -> None:
        if not 0 <= overlap < band_height:
            raise ValueError(
                f"overlap must be >= 0 and smaller than band_height, got overlap={overlap}, "
                f"band_height={band_height}"
            )
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.reader = reader
        self.name = reader.name
        self.band_height = band_height
        self.overlap = overlap
        self.workers = workers
        self.whole_frame_ratio = whole_frame_ratio
        self.merge_adjacent = merge_adjacent
        self._lock = threading.Lock()
        self._frame: _Frame | None = None
        self._read_ids = itertools.count(1)
        self.last_read_bands: tuple[int, ...] = ()  # bands the last read_words re-read

    def reset(self) -> None:
        """Forget the cached frame: the next read is cold."""
        with self._lock:
            self._frame = None

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        bands = cut_bands(image.height, self.band_height, self.overlap)
        data = image.tobytes()
        row = len(data) // image.height if image.height else 0
        hashes = tuple(
            hashlib.blake2b(memoryview(data)[b.top * row : b.bottom * row], digest_size=16).digest()
            for b in bands
        )
        with self._lock:
            prev = self._frame
        warm = prev is not None and prev.size == image.size and prev.mode == image.mode
        if prev is not None and warm:
            changed = [b for b, h, old in zip(bands, hashes, prev.hashes, strict=True) if h != old]
            words = list(prev.words)
        else:
            changed = list(bands)
            words = [() for _ in bands]
        for band, found in self._read_bands(image, bands, changed, data, row).items():
            words[band] = found
        frame = _Frame(image.size, image.mode, hashes, tuple(words))
        with self._lock:
            self._frame = frame
        logger.debug(
            "tiled read (%s): %d of %d bands changed",
            "warm" if warm else "cold",
            len(changed),
            len(bands),
        )
        return [w for ws in frame.words for w in ws]

    # -- reading -----------------------------------------------------------

    def _read_bands(
        self, image: Image.Image, bands: list[Band], changed: list[Band], data: bytes, row: int
    ) -> dict[int, tuple[OcrWord, ...]]:
        """Fresh words for each changed band (flat bands get none without a read)."""
        fresh: dict[int, tuple[OcrWord, ...]] = {b.index: () for b in changed}
        if not changed:
            self.last_read_bands = ()
            return fresh
        if len(changed) > self.whole_frame_ratio * len(bands):
            runs = [list(bands)]
        else:
            runs = self._runs(changed) if self.merge_adjacent else [[b] for b in changed]
        pixel = max(1, row // image.width) if image.width else 1
        runs = [run for run in runs if not all(_is_flat(data, row, pixel, b) for b in run)]
        self.last_read_bands = tuple(b.index for run in runs for b in run)
        if not runs:
            return fresh
        if len(runs) == 1:
            results = [self._read_run(image, runs[0])]
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(runs))) as pool:
                results = list(pool.map(lambda run: self._read_run(image, run), runs))
        for result in results:
            fresh.update(result)
        return fresh

    @staticmethod
    def _runs(changed: list[Band]) -> list[list[Band]]:
        runs: list[list[Band]] = []
        for band in changed:
            if runs and runs[-1][-1].index == band.index - 1:
                runs[-1].append(band)
            else:
                runs.append([band])
        return runs

    def _read_run(self, image: Image.Image, run: list[Band]) -> dict[int, tuple[OcrWord, ...]]:
        """Read the strip of adjacent bands `run`; each word goes to the band owning its centre."""
        top, bottom = run[0].top, run[-1].bottom
        strip = image if (top, bottom) == (0, image.height) else image.crop(
            (0, top, image.width, bottom)
        )  # fmt: skip
        read_id = next(self._read_ids)
        owned: dict[int, list[OcrWord]] = {b.index: [] for b in run}
        for word in self.reader.read_words(strip):
            box = Box(word.box.left, word.box.top + top, word.box.right, word.box.bottom + top)
            centre = (box.top + box.bottom) / 2
            band = next((b for b in run if b.core_top <= centre < b.core_bottom), None)
            if band is None:
                continue  # in the outer overlap: an unchanged neighbour owns it
            pass_index, block, line = word.line
            unique_line = (read_id * _PASS_SLOTS + pass_index, block, line)
            owned[band.index].append(OcrWord(word.text, box, word.confidence, unique_line))
        return {index: tuple(ws) for index, ws in owned.items()}


def _is_flat(data: bytes, row: int, pixel: int, band: Band) -> bool:
    """True when every pixel of the band has one value (no text can be there)."""
    chunk = memoryview(data)[band.top * row : band.bottom * row]
    first = bytes(chunk[:row])
    if not first:
        return True
    return first == first[:pixel] * (row // pixel) and chunk == first * (band.bottom - band.top)
