"""InProcessTesseract (tesserocr) on images drawn with a real font, against the tesseract binary."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding import ExpertUnavailable
from grounding.ocr import OcrConfig, OcrWord, TesseractOcr, group_lines
from grounding.tess_inproc import InProcessTesseract
from grounding.tiles import TiledReader
from grounding.types import Box

from .dialogs import FONT_PATH, DialogPainter, FakeDialog
from .dialogs import save_dialog as paint_save_dialog


@pytest.fixture(scope="module")
def inproc() -> InProcessTesseract:
    return InProcessTesseract()


@pytest.fixture(scope="module")
def binary() -> TesseractOcr:
    return TesseractOcr()


def _small_and_large_dialog() -> FakeDialog:
    """UI text at 11 px (toolbar, status bar) and 16 px (a heading)."""
    painter = DialogPainter((900, 300), font_size=11)
    painter.text((20, 10), "File Edit View Help")
    painter.text((20, 250), "Ready: 1024 items, 38 selected")
    painter.text((700, 250), "Apply")
    painter.font = ImageFont.truetype(str(FONT_PATH), 16)
    painter.text((20, 80), "Network Settings")
    painter.text((20, 140), "Proxy port 8080")
    return painter.dialog


def _near(a: Box, b: Box, tolerance: int = 3) -> bool:
    return all(
        abs(x - y) <= tolerance
        for x, y in zip(
            (a.left, a.top, a.right, a.bottom), (b.left, b.top, b.right, b.bottom), strict=True
        )
    )


def _texty(words: list[OcrWord]) -> list[OcrWord]:
    # Button borders read as "|" and similar; Tesseract versions differ on such marks.
    return [w for w in words if any(c.isalnum() for c in w.text)]


def _found(words: list[OcrWord], text: str, drawn: Box) -> OcrWord | None:
    return next((w for w in words if w.text == text and w.box.iou(drawn) > 0.5), None)


@pytest.mark.parametrize("paint", [paint_save_dialog, _small_and_large_dialog])
def test_reads_every_drawn_word_where_it_was_drawn(
    paint: Callable[[], FakeDialog], inproc: InProcessTesseract
) -> None:
    dialog = paint()
    words = inproc.read_words(dialog.image)
    for text, boxes in dialog.words.items():
        for drawn in boxes:
            word = _found(words, text, drawn)
            assert word is not None, f"{text!r} at {drawn} not read; read {words}"
            assert 0.5 < word.confidence <= 1.0


@pytest.mark.parametrize("paint", [paint_save_dialog, _small_and_large_dialog])
def test_agrees_with_the_tesseract_binary(
    paint: Callable[[], FakeDialog], inproc: InProcessTesseract, binary: TesseractOcr
) -> None:
    image = paint().image
    got, want = _texty(inproc.read_words(image)), _texty(binary.read_words(image))
    assert Counter(w.text for w in got) == Counter(w.text for w in want)
    unmatched = list(got)
    for word in want:
        match = next((w for w in unmatched if w.text == word.text and _near(w.box, word.box)), None)
        assert match is not None, f"{word} has no counterpart within 3 px in {unmatched}"
        unmatched.remove(match)


def test_digits_are_kept_in_their_line(inproc: InProcessTesseract) -> None:
    dialog = paint_save_dialog()
    words = inproc.read_words(dialog.image)
    line = next(ws for ws in group_lines(words) if ws[0].text == "Page")
    assert [w.text for w in line] == ["Page", "12", "of", "340"]
    lines = [" ".join(w.text for w in ws) for ws in group_lines(inproc.read_words(
        _small_and_large_dialog().image))]  # fmt: skip
    assert "Proxy port 8080" in lines
    assert "Ready: 1024 items, 38 selected" in lines


@pytest.mark.parametrize("scales", [(2.0,), (1.0,)])
def test_single_pass_agrees_with_the_binary_at_that_scale(scales: tuple[float, ...]) -> None:
    image = _small_and_large_dialog().image
    config = OcrConfig(scales=scales)
    got = _texty(InProcessTesseract(config).read_words(image))
    want = _texty(TesseractOcr(config).read_words(image))
    assert {w.line[0] for w in got} == {0}
    assert [w.text for w in got] == [w.text for w in want]
    assert all(_near(a.box, b.box) for a, b in zip(got, want, strict=True))
    assert {w.text for w in got} >= {"Network", "Settings", "8080"}


def test_concurrent_reads_give_the_same_words_as_one_at_a_time() -> None:
    # One engine per scale: the two reads' four passes contend for two engines.
    reader = InProcessTesseract()
    images = [paint_save_dialog().image, _small_and_large_dialog().image]
    alone = [reader.read_words(image) for image in images]
    results: list[list[OcrWord] | None] = [None, None]
    start = threading.Barrier(2)

    def read(i: int) -> None:
        start.wait()
        for _ in range(3):
            results[i] = reader.read_words(images[i])
            assert results[i] == alone[i]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == alone
    reader.close()
    with pytest.raises(RuntimeError, match="closed"):
        reader.read_words(images[0])


# fmt: off
_LABELS = (
    "Display", "Sound", "Power", "Network", "Bluetooth", "Printers", "Mouse", "Keyboard",
    "Wallpaper", "Fonts", "Themes", "Accounts", "Backup", "Sharing", "Privacy", "Updates",
    "Search", "Recent", "Home", "Desktop", "Documents", "Music", "Pictures", "Videos",
    "Downloads", "Trash", "Apply", "Reset", "Options", "Advanced", "General", "Users", "Camera",
    "Battery", "Storage", "Memory", "Startup", "Language", "Region", "Clock", "Calendar",
    "Contacts", "Mail", "Browser", "Terminal", "Editor", "Viewer", "Player",
)
# fmt: on


def _page() -> tuple[Image.Image, set[str]]:
    """A 1920x1080 page of short labels in rows (a settings list)."""
    image = Image.new("RGB", (1920, 1080), (239, 239, 239))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_PATH), 15)
    labels = iter(_LABELS)
    for row in range(12):
        for col in range(4):
            draw.text((40 + col * 460, 40 + row * 84), next(labels), fill=(20, 20, 20), font=font)
    return image, set(_LABELS[:48])


def test_tiled_reader_rereads_one_changed_band(
    inproc: InProcessTesseract, binary: TesseractOcr
) -> None:
    image, labels = _page()
    tiled = TiledReader(inproc)
    before = tiled.read_words(image)
    assert {w.text for w in before} == labels
    assert Counter(w.text for w in before) == Counter(w.text for w in binary.read_words(image))

    changed = image.copy()
    draw = ImageDraw.Draw(changed)
    font = ImageFont.truetype(str(FONT_PATH), 15)
    draw.text((1000, 420), "Zanzibar", fill=(20, 20, 20), font=font)
    drawn = Box(*(int(v) for v in draw.textbbox((1000, 420), "Zanzibar", font=font)))
    after = tiled.read_words(changed)
    assert tiled.last_read_bands == (6,)
    added = [w for w in after if w.text == "Zanzibar"]
    assert len(added) == 1
    assert _near(added[0].box, drawn)
    assert Counter(w.text for w in after) == Counter(w.text for w in before) + Counter(["Zanzibar"])


def test_missing_language_names_the_debian_package() -> None:
    with pytest.raises(ExpertUnavailable, match=r"apt-get install tesseract-ocr-zzz"):
        InProcessTesseract(OcrConfig(lang="eng+zzz"))


def test_missing_package_names_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    assert InProcessTesseract.available()
    monkeypatch.setitem(sys.modules, "tesserocr", None)  # makes `import tesserocr` fail
    assert not InProcessTesseract.available()
    with pytest.raises(ExpertUnavailable, match=r"pip install tesserocr"):
        InProcessTesseract()
