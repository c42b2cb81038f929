"""TiledReader on rendered 1920x1080 pages, read by the real tesseract binary."""

from __future__ import annotations

import itertools
import threading

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding.ocr import OcrWord, TesseractOcr
from grounding.tiles import Band, TiledReader, cut_bands
from grounding.types import Box

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SIZE = (1920, 1080)
# Distinct words, so a duplicate or a lost word shows in the set comparison.
_WORDS = (
    "apple banana cherry delta echo falcon garden harbor island jungle kettle "
    "lemon marble needle orange pepper quartz river silver tunnel umbrella velvet "
    "window yellow zebra anchor bridge candle dragon engine forest guitar hammer "
    "insect jacket ladder mirror number ocean pillow rocket saddle temple violin "
    "wallet basket cotton "
)
VOCAB = tuple(_WORDS.split())


def _font(size: int = 20) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def _page(line_tops: list[int]) -> tuple[Image.Image, dict[str, Box]]:
    """A white page with two words per line, one left and one right; their drawn boxes."""
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    font = _font()
    drawn: dict[str, Box] = {}
    words = iter(VOCAB)
    for top in line_tops:
        for x in (60, 1000):
            word = next(words)
            draw.text((x, top), word, fill="black", font=font)
            drawn[word] = Box(*(int(v) for v in draw.textbbox((x, top), word, font=font)))
    return image, drawn


# Tops chosen so several lines straddle band edges (64k, 64k+32) and core borders (64k+16).
LINE_TOPS = [8, 54, 84, 140, 200, 262, 330, 395, 455, 520, 585, 650, 720, 780, 842, 905, 1000]


def _read_once(
    ocr: TesseractOcr, image: Image.Image, *, narrow: bool = True
) -> tuple[CountingReader, TiledReader, list[OcrWord]]:
    """A tiled reader that has read `image` once, with its call log cleared."""
    counting = CountingReader(ocr)
    tiled = TiledReader(counting, narrow=narrow)
    before = tiled.read_words(image)
    counting.calls.clear()
    return counting, tiled, before


class CountingReader:
    """Wraps a reader and records the size of every image it is asked to read."""

    def __init__(self, reader: TesseractOcr) -> None:
        self.reader = reader
        self.name = reader.name
        self.calls: list[tuple[int, int]] = []
        self._lock = threading.Lock()

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        with self._lock:
            self.calls.append(image.size)
        return self.reader.read_words(image)


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    return TesseractOcr()


@pytest.fixture(scope="module")
def page() -> tuple[Image.Image, dict[str, Box]]:
    return _page(LINE_TOPS)


def _near(a: Box, b: Box, tolerance: int = 3) -> bool:
    return all(
        abs(x - y) <= tolerance
        for x, y in zip(
            (a.left, a.top, a.right, a.bottom), (b.left, b.top, b.right, b.bottom), strict=True
        )
    )


def _same_words(got: list[OcrWord], want: list[OcrWord]) -> None:
    """Each word of `want` once in `got` (same text, box within a few px), and nothing else."""
    unmatched = list(got)
    for word in want:
        match = next((w for w in unmatched if w.text == word.text and _near(w.box, word.box)), None)
        assert match is not None, f"{word.text!r} at {word.box} missing from {unmatched}"
        unmatched.remove(match)
    assert not unmatched, f"extra words: {unmatched}"


def _band_of(bands: list[Band], word: OcrWord) -> int:
    centre = (word.box.top + word.box.bottom) / 2
    return next(b.index for b in bands if b.core_top <= centre < b.core_bottom)


def test_cut_bands_cores_tile_the_frame() -> None:
    for height in (1080, 800, 96, 100, 50, 1):
        bands = cut_bands(height, 96, 32)
        assert bands[0].core_top == 0
        assert bands[-1].core_bottom == height
        for band in bands:
            assert band.top <= band.core_top < band.core_bottom <= band.bottom
            assert band.bottom - band.top == min(96, height)
        for a, b in itertools.pairwise(bands):
            assert a.core_bottom == b.core_top
            assert a.bottom - b.top >= 32
            # A 32 px line centred on the border still lies whole in both bands.
            assert b.top <= a.core_bottom - 16
            assert a.core_bottom + 16 <= a.bottom


def test_bands_read_the_same_words_as_the_whole_frame(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, drawn = page
    whole = ocr.read_words(image)
    assert {w.text for w in whole} == set(drawn), "the page itself must be readable"
    # Every band is its own read here, in parallel: the core rule decides ownership.
    counting = CountingReader(ocr)
    tiled = TiledReader(counting, whole_frame_ratio=1.0, merge_adjacent=False)
    words = tiled.read_words(image)
    assert len(counting.calls) == len(cut_bands(SIZE[1], 96, 32)) - _flat_bands(image)
    assert all(size == (SIZE[0], 96) for size in counting.calls)
    _same_words(words, whole)
    # Line ids stay unique across bands: a line never mixes words of two bands.
    bands = cut_bands(SIZE[1], 96, 32)
    lines: dict[tuple[int, int, int], set[int]] = {}
    for word in words:
        lines.setdefault(word.line, set()).add(_band_of(bands, word))
    assert all(len(owners) == 1 for owners in lines.values())


def _flat_bands(image: Image.Image) -> int:
    bands = cut_bands(image.height, 96, 32)
    return sum(
        1
        for b in bands
        if image.crop((0, b.top, image.width, b.bottom)).getextrema() == ((255, 255),) * 3
    )


def test_cold_read_is_the_whole_frame_in_one_call(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, _ = page
    counting = CountingReader(ocr)
    words = TiledReader(counting).read_words(image)
    assert counting.calls == [SIZE]
    _same_words(words, ocr.read_words(image))


def test_a_changed_band_alone_is_read_again(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, _ = page
    counting, tiled, before = _read_once(ocr, image, narrow=False)

    # Rows 64k+32 .. 64k+64 belong to band k only (k = 6: rows 416..448).
    changed = image.copy()
    draw = ImageDraw.Draw(changed)
    draw.text((700, 420), "Zanzibar", fill="black", font=_font())
    new_box = Box(*(int(v) for v in draw.textbbox((700, 420), "Zanzibar", font=_font())))
    assert new_box.top >= 416
    assert new_box.bottom <= 448
    after = tiled.read_words(changed)

    assert counting.calls == [(SIZE[0], 96)]
    added = [w for w in after if w.text == "Zanzibar"]
    assert len(added) == 1
    assert _near(added[0].box, new_box)
    _same_words([w for w in after if w.text != "Zanzibar"], before)

    # Back to the first frame: the same band again, and the new word is gone.
    counting.calls.clear()
    again = tiled.read_words(image)
    assert counting.calls == [(SIZE[0], 96)]
    _same_words(again, before)


def test_adjacent_changed_bands_are_read_as_one_strip(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, _ = page
    counting, tiled, before = _read_once(ocr, image, narrow=False)
    # Rows 448..480 lie in bands 6 and 7 (their overlap).
    changed = image.copy()
    ImageDraw.Draw(changed).text((700, 452), "Kilimanjaro", fill="black", font=_font())
    after = tiled.read_words(changed)
    assert counting.calls == [(SIZE[0], 160)]
    assert [w.text for w in after if w.text == "Kilimanjaro"] == ["Kilimanjaro"]
    _same_words([w for w in after if w.text != "Kilimanjaro"], before)


def test_flat_bands_are_never_read(ocr: TesseractOcr) -> None:
    image, drawn = _page([330])  # one line: rows ~334..354, bands 4 and 5 only
    counting = CountingReader(ocr)
    tiled = TiledReader(counting, whole_frame_ratio=1.0, merge_adjacent=False)
    words = tiled.read_words(image)
    assert len(counting.calls) == 2
    assert {w.text for w in words} == set(drawn)

    counting.calls.clear()
    assert TiledReader(counting).read_words(Image.new("RGB", SIZE, (40, 90, 140))) == []
    assert counting.calls == []


def test_a_frame_of_another_size_is_read_cold(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, _ = page
    counting = CountingReader(ocr)
    tiled = TiledReader(counting)
    tiled.read_words(image)
    small = image.crop((0, 0, 1280, 800))
    words = tiled.read_words(small)
    assert counting.calls == [SIZE, (1280, 800)]
    assert all(w.box.right <= 1280 and w.box.bottom <= 800 for w in words)
    assert "apple" in {w.text for w in words}
    # The same small frame again: nothing changed, nothing read.
    assert tiled.read_words(small) == words
    assert counting.calls == [SIZE, (1280, 800)]


def test_only_the_changed_region_of_a_band_is_read_again(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, drawn = page
    counting, tiled, before = _read_once(ocr, image)
    # A word typed between the two words of a line (the line drawn at y 330
    # holds one word at x 60 and one at x 1000): only its surroundings are read.
    neighbours = VOCAB[2 * LINE_TOPS.index(330) : 2 * LINE_TOPS.index(330) + 2]
    changed = image.copy()
    draw = ImageDraw.Draw(changed)
    draw.text((500, 332), "Zanzibar", fill="black", font=_font())
    new_box = Box(*(int(v) for v in draw.textbbox((500, 332), "Zanzibar", font=_font())))
    after = tiled.read_words(changed)

    assert len(counting.calls) == 1
    (region,) = tiled.last_read_boxes
    assert region.left <= new_box.left
    assert new_box.right <= region.right
    assert region.top <= new_box.top
    assert new_box.bottom <= region.bottom
    assert region.width < SIZE[0] // 4, "the rest of the line is not read again"
    assert not any(region.intersection_area(drawn[w]) for w in neighbours)
    added = [w for w in after if w.text == "Zanzibar"]
    assert len(added) == 1
    assert _near(added[0].box, new_box)
    _same_words([w for w in after if w.text != "Zanzibar"], before)


def test_a_word_replaced_in_place_is_read_whole(
    ocr: TesseractOcr, page: tuple[Image.Image, dict[str, Box]]
) -> None:
    image, drawn = page
    _counting, tiled, before = _read_once(ocr, image)
    # "orange" becomes "ocelot": only some letters change, but the region read
    # must grow to the whole word (cutting through a glyph would misread it).
    old = drawn["orange"]
    changed = image.copy()
    draw = ImageDraw.Draw(changed)
    draw.rectangle((old.left, old.top, old.right, old.bottom), fill="white")
    top = min(LINE_TOPS, key=lambda t: abs(t - old.top))
    draw.text((old.left, top), "ocelot", fill="black", font=_font())
    after = tiled.read_words(changed)

    (region,) = tiled.last_read_boxes
    # The "o" is unchanged, yet the region holds it: no safe cut before "c".
    assert region.left <= old.left
    texts = [w.text for w in after]
    assert texts.count("ocelot") == 1
    assert "orange" not in texts
    _same_words([w for w in after if w.text != "ocelot"], [w for w in before if w.text != "orange"])
    # Reading the changed frame cold finds the same words.
    _same_words(after, TiledReader(ocr).read_words(changed))
