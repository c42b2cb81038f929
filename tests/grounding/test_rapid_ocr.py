"""RapidOCR on real rendered text: words, boxes, digits and CJK."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding.ocr import OcrWord
from grounding.rapid_ocr import RapidOcr
from grounding.text_match import match_text

pytest.importorskip("rapidocr_onnxruntime")

LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@pytest.fixture(scope="module")
def ocr() -> RapidOcr:
    return RapidOcr()


def render(lines: list[tuple[tuple[int, int], str, str, int]]) -> tuple[Image.Image, dict]:
    """Draw text; returns the image and each word's drawn box."""
    img = Image.new("RGB", (900, 320), "white")
    draw = ImageDraw.Draw(img)
    boxes = {}
    for (x, y), text, font_path, size in lines:
        font = ImageFont.truetype(font_path, size)
        draw.text((x, y), text, font=font, fill="black")
        cursor = x
        for word in text.split(" "):
            boxes[word] = draw.textbbox((cursor, y), word, font=font)
            cursor += draw.textlength(word + " ", font=font)
    return img, boxes


def by_text(words: list[OcrWord]) -> dict[str, OcrWord]:
    return {w.text: w for w in words}


def test_words_are_split_and_boxed_where_they_were_drawn(ocr):
    img, drawn = render([
        ((30, 30), "Find and Replace", LATIN, 16),
        ((400, 30), "Invoice 48213 total 1,284.50", LATIN, 14),
        ((30, 200), "Cancel", LATIN, 12),
    ])  # fmt: skip
    words = by_text(ocr.read_words(img))
    for text in ("Find", "and", "Replace", "Invoice", "48213", "total", "1,284.50", "Cancel"):
        assert text in words, f"{text!r} not read; got {sorted(words)}"
        left, top, right, bottom = drawn[text]
        box = words[text].box
        cx, cy = box.center
        assert left - 2 <= cx <= right + 2, (text, box, drawn[text])
        assert top - 4 <= cy <= bottom + 4, (text, box, drawn[text])
        # The word box covers the word, not the whole line.
        assert box.width < 1.6 * (right - left) + 6
    # Words of one line share a line id; different lines do not.
    assert words["Find"].line == words["Replace"].line != words["Cancel"].line


def test_cjk_text_is_read_and_kept_as_one_word(ocr):
    img, drawn = render([((40, 100), "打开文件 Open", CJK, 20)])
    words = by_text(ocr.read_words(img))
    assert "打开文件" in words, sorted(words)
    assert "Open" in words
    left, _, right, _ = drawn["打开文件"]
    assert left - 3 <= words["打开文件"].box.center[0] <= right + 3
    assert words["打开文件"].box.right <= words["Open"].box.left


def test_light_text_on_dark_background(ocr):
    img = Image.new("RGB", (500, 80), (35, 38, 48))
    ImageDraw.Draw(img).text((20, 25), "Dark mode button", font=ImageFont.truetype(LATIN, 16),
                             fill="white")  # fmt: skip
    assert [w.text for w in ocr.read_words(img)] == ["Dark", "mode", "button"]


def test_text_match_finds_a_multiword_label(ocr):
    img, _drawn = render([((30, 30), "Save As", LATIN, 16), ((30, 150), "Save", LATIN, 16)])
    matches = match_text(ocr.read_words(img), "Save")
    assert matches[0].whole_line
    assert matches[0].box.top > 100  # the lone "Save" beats "Save" inside "Save As"
    assert match_text(ocr.read_words(img), "Save As")[0].box.top < 100


def test_read_and_parse_give_elements(ocr):
    img, _ = render([((30, 30), "Order 12345 shipped", LATIN, 16)])
    words = ocr.read(img)
    assert [e.text for e in words] == ["Order", "12345", "shipped"]
    assert {e.source for e in words} == {"rapidocr"}
    (line,) = ocr.parse(img)
    assert line.text == "Order 12345 shipped"
    assert line.box.left <= words[0].box.left
    assert line.box.right >= words[-1].box.right
    assert 0.5 <= line.score <= 1.0


def test_blank_image_reads_nothing(ocr):
    assert ocr.read_words(Image.new("RGB", (300, 200), "white")) == []
