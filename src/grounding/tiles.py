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

Adjacent changed bands are read as one strip, and within it only the
regions that changed, grown to safe cuts (`grounding.changes`): typing into
one field re-reads that field, not the full width of the screen. A cold frame
is read whole: Tesseract reads a strip differently from the same rows in the
whole frame (its threshold is global), and reading a cold frame as three
strips on two cores lost four text queries of the grounding bench for ~10%
less time.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from .changes import Rect, changed_rects, pixels
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
    data: bytes  # the pixels, to find which columns of a changed band changed
    hashes: tuple[bytes, ...]
    words: tuple[tuple[OcrWord, ...], ...]  # per band


class TiledReader:
    """A TextReader that re-reads only the bands of a frame that changed since the last one.

    `whole_frame_ratio`: when more than this share of the bands changed, the
    whole frame is read in one call. `merge_adjacent`: read runs
    of adjacent changed bands as one strip (otherwise each band is its own
    call; the calls run on `workers` threads). `narrow`: read a changed strip
    only across the columns that changed (widened to quiet gaps). Flat
    one-colour bands are never read.
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
        narrow: bool = True,
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
        self.narrow = narrow
        self._lock = threading.Lock()
        self._frame: _Frame | None = None
        self._read_ids = itertools.count(1)
        self.last_read_bands: tuple[int, ...] = ()  # bands the last read_words re-read
        self.last_read_boxes: tuple[Box, ...] = ()  # the regions it read

    def reset(self) -> None:
        """Forget the cached frame: the next read is cold."""
        with self._lock:
            self._frame = None

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        bands = cut_bands(image.height, self.band_height, self.overlap)
        data = image.tobytes()
        row = len(data) // image.height if image.height else 0
        hashes = tuple(
            hashlib.sha256(memoryview(data)[b.top * row : b.bottom * row]).digest() for b in bands
        )
        with self._lock:
            prev = self._frame
        warm = prev is not None and prev.size == image.size and prev.mode == image.mode
        old_data = prev.data if prev is not None and warm else None
        if prev is not None and warm:
            changed = [b for b, h, old in zip(bands, hashes, prev.hashes, strict=True) if h != old]
            words = list(prev.words)
        else:
            changed = list(bands)
            words = [() for _ in bands]
        jobs = self._jobs(image, bands, changed, data, old_data)
        for index, found in self._read_jobs(image, jobs).items():
            # Words of a changed band outside the regions read again are still right.
            kept = [w for w in words[index] if not _inside_any(w, jobs, index)]
            words[index] = tuple(kept) + found
        read = {b.index for run, _ in jobs for b in run}
        for band in changed:
            if band.index not in read:
                words[band.index] = ()  # flat now: nothing to read there
        frame = _Frame(image.size, image.mode, data, hashes, tuple(words))
        with self._lock:
            self._frame = frame
        logger.debug(
            "tiled read (%s): %d of %d bands changed, read %s",
            "warm" if warm else "cold",
            len(changed),
            len(bands),
            [(b.left, b.top, b.right, b.bottom) for b in self.last_read_boxes],
        )
        return [w for ws in frame.words for w in ws]

    # -- reading -----------------------------------------------------------

    def _jobs(
        self,
        image: Image.Image,
        bands: list[Band],
        changed: list[Band],
        data: bytes,
        old_data: bytes | None,
    ) -> list[tuple[list[Band], Rect]]:
        """What to read: (run of adjacent bands, a region of the frame within it) pairs."""
        if not changed:
            runs: list[list[Band]] = []
        elif len(changed) > self.whole_frame_ratio * len(bands):
            runs = [list(bands)]
        else:
            runs = self._runs(changed) if self.merge_adjacent else [[b] for b in changed]
        row = len(data) // image.height if image.height else 0
        pixel = max(1, row // image.width) if image.width else 1
        runs = [run for run in runs if not all(_is_flat(data, row, pixel, b) for b in run)]
        narrow = (
            self.narrow
            and old_data is not None
            and len(changed) <= self.whole_frame_ratio * len(bands)
            and len(data) % max(1, image.width * image.height) == 0  # whole bytes per pixel
        )
        jobs: list[tuple[list[Band], Rect]] = []
        for run in runs:
            whole: Rect = (0, run[0].top, image.width, run[-1].bottom)
            rects = [whole]
            if narrow and old_data is not None:
                rects = _changed_rects(image, run, data, old_data) or [whole]
            jobs += [(run, rect) for rect in rects]
        self.last_read_bands = tuple(dict.fromkeys(b.index for run, _ in jobs for b in run))
        self.last_read_boxes = tuple(Box(*rect) for _, rect in jobs)
        return jobs

    def _read_jobs(
        self, image: Image.Image, jobs: list[tuple[list[Band], Rect]]
    ) -> dict[int, tuple[OcrWord, ...]]:
        """Fresh words per band, from every job that read part of it."""
        if len(jobs) == 1:
            results = [self._read_run(image, *jobs[0])]
        else:
            with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(jobs)))) as pool:
                results = list(pool.map(lambda job: self._read_run(image, *job), jobs))
        fresh: dict[int, tuple[OcrWord, ...]] = {}
        for result in results:
            for band, found in result.items():
                fresh[band] = fresh.get(band, ()) + found
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

    def _read_run(
        self, image: Image.Image, run: list[Band], region: Rect
    ) -> dict[int, tuple[OcrWord, ...]]:
        """Read `region`, inside the strip of adjacent bands `run`; each word goes to
        the band owning its vertical centre."""
        left, top, _, _ = region
        strip = image if region == (0, 0, *image.size) else image.crop(region)
        read_id = next(self._read_ids)
        owned: dict[int, list[OcrWord]] = {b.index: [] for b in run}
        for word in self.reader.read_words(strip):
            box = Box(word.box.left + left, word.box.top + top,
                      word.box.right + left, word.box.bottom + top)  # fmt: skip
            centre = (box.top + box.bottom) / 2
            band = next((b for b in run if b.core_top <= centre < b.core_bottom), None)
            if band is None:
                continue  # in the outer overlap: an unchanged neighbour owns it
            pass_index, block, line = word.line
            unique_line = (read_id * _PASS_SLOTS + pass_index, block, line)
            owned[band.index].append(OcrWord(word.text, box, word.confidence, unique_line))
        return {index: tuple(ws) for index, ws in owned.items()}


def _changed_rects(image: Image.Image, run: list[Band], data: bytes, old_data: bytes) -> list[Rect]:
    """The regions of the strip `run` that changed, bounded by safe cuts, in frame pixels."""
    top, bottom = run[0].top, run[-1].bottom
    new = pixels(data, *image.size)[top:bottom]
    old = pixels(old_data, *image.size)[top:bottom]
    return [(x0, y0 + top, x1, y1 + top) for x0, y0, x1, y1 in changed_rects(old, new)]


def _inside_any(word: OcrWord, jobs: list[tuple[list[Band], Rect]], band: int) -> bool:
    """Was the word's place read again (its centre inside a region read over its band)?"""
    x, y = (word.box.left + word.box.right) / 2, (word.box.top + word.box.bottom) / 2
    return any(
        x0 <= x < x1 and y0 <= y < y1 and any(b.index == band for b in run)
        for run, (x0, y0, x1, y1) in jobs
    )


def _is_flat(data: bytes, row: int, pixel: int, band: Band) -> bool:
    """True when every pixel of the band has one value (no text can be there)."""
    chunk = memoryview(data)[band.top * row : band.bottom * row]
    first = bytes(chunk[:row])
    if not first:
        return True
    return first == first[:pixel] * (row // pixel) and chunk == first * (band.bottom - band.top)
