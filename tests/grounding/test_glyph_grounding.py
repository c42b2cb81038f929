"""Lone characters on big keys are read box by box."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from grounding.glyphs import (
    default_glyph_reader,
    glyph_boxes,
    glyph_candidates,
    read_glyphs,
    tight_crop,
    wants_glyphs,
)
from grounding.ocr import OcrWord
from grounding.types import Box, Element

KEYS = ("7", "=", "/", "%")


def _keypad() -> tuple[Image.Image, list[Element]]:
    """A row of large calculator keys, each with one character in its middle."""
    image = Image.new("RGB", (1000, 200), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans.ttf", 15)
    keys = []
    for i, label in enumerate(KEYS):
        left = 10 + i * 245
        draw.rounded_rectangle((left, 20, left + 235, 150), radius=5, fill=(250, 250, 250),
                               outline=(205, 199, 194))  # fmt: skip
        draw.text((left + 112, 76), label, fill=(40, 40, 40), font=font)
        keys.append(Element(Box(left, 20, left + 236, 151), "button", "", "detector", 0.8))
    return image, keys


def test_each_key_reads_as_its_character() -> None:
    image, keys = _keypad()
    glyphs = read_glyphs(image, keys, default_glyph_reader())
    assert [glyphs[k.box] for k in keys] == list(KEYS)
    found = glyph_candidates("=", keys, glyphs)
    assert [c.element.box for c in found] == [keys[1].box]
    assert found[0].evidence == ("detector", "glyph-ocr")


def test_blank_boxes_and_labelled_boxes_are_skipped() -> None:
    image, keys = _keypad()
    assert tight_crop(image, Box(5, 160, 200, 195)) is None  # flat background
    word = OcrWord("Clear", Box(60, 70, 110, 90), 0.95, (1, 1, 1))
    assert glyph_boxes(keys, [word]) == keys[1:]  # the first key carries a real word
    assert wants_glyphs("=")
    assert not wants_glyphs("Save As")


def test_the_second_reader_needs_a_border_around_a_tight_crop() -> None:
    from grounding.rapid_ocr import RapidOcr

    image, keys = _keypad()
    reader = RapidOcr()
    assert read_glyphs(image, keys[:1], reader)[keys[0].box] == ""  # its detector sees no line
    assert read_glyphs(image, keys[:1], reader, border=16)[keys[0].box] == "7"
