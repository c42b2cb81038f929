"""Lone characters on big keys are read box by box."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding import Grounder
from grounding.fusion import Candidate
from grounding.glyphs import (
    confirmed_by_vote,
    default_glyph_reader,
    glyph_boxes,
    glyph_candidates,
    lone_glyph_boxes,
    read_glyphs,
    tight_crop,
    voted_glyphs,
    wants_glyphs,
)
from grounding.grounder import _on_detected_control, _pick
from grounding.ocr import OcrWord, TesseractOcr
from grounding.query import parse_query
from grounding.static import StaticExpert
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


def _candidate(box: Box, role: str, score: float, evidence: tuple[str, ...]) -> Candidate:
    return Candidate(Element(box, role, "0", evidence[0], 0.9), score, True, evidence)


def test_a_near_equal_match_on_the_role_asked_for_wins() -> None:
    # The calculator's display shows "0" (boxed by the detector as an image) and
    # the "0" key shows it too: "the '0' button" is the key.
    display = _candidate(Box(1233, 63, 1269, 91), "icon", 1.02, ("rapidocr", "detector"))
    key = _candidate(Box(0, 694, 283, 800), "button", 1.0, ("detector", "glyph-ocr"))
    query = parse_query("the '0' button")
    assert _pick([display, key], query, (1280, 800)) is key
    # A clearly better match is not overruled by its role.
    weak_key = _candidate(key.element.box, "button", 0.9, key.evidence)
    assert _pick([display, weak_key], query, (1280, 800)) is display
    # With no role in the description, the best score wins.
    assert _pick([display, key], parse_query("the '0'"), (1280, 800)) is display


def test_short_labels_are_read_key_by_key_unless_the_match_is_on_such_a_control() -> None:
    query = parse_query("the '5' button")
    title_bar = _candidate(Box(1252, 2, 1266, 22), "text", 0.95, ("tesseract",))
    on_key = _candidate(Box(261, 420, 511, 559), "button", 1.0, ("tesseract", "detector"))
    on_image = _candidate(Box(1233, 63, 1269, 91), "icon", 1.0, ("tesseract", "detector"))
    assert not _on_detected_control([title_bar], query)  # a lone "5" read off a glyph
    assert not _on_detected_control([on_image], query)  # on a control, not a button
    assert _on_detected_control([on_key, title_bar], query)
    assert _on_detected_control([on_image], parse_query("the '5'"))
    assert not _on_detected_control([], query)


def _maximised_keypad() -> tuple[Image.Image, dict[str, Box]]:
    """Keys hundreds of pixels wide with one small sign each, and a line of text."""
    image = Image.new("RGB", (1600, 500), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans.ttf", 13)
    keys = {}
    for i, label in enumerate(("-", "=", "3")):
        left = 20 + i * 390
        draw.rounded_rectangle((left, 100, left + 376, 454), radius=5, fill=(241, 240, 239),
                               outline=(205, 199, 194))  # fmt: skip
        draw.text((left + 184, 268), label, fill=(40, 40, 40), font=font)
        keys[label] = Box(left, 100, left + 377, 455)
    draw.text((20, 30), "Lorem ipsum dolor sit amet, consectetur", fill=(40, 40, 40), font=font)
    return image, keys


def test_lone_marks_on_plain_areas_are_boxed_but_words_in_a_line_are_not() -> None:
    image, keys = _maximised_keypad()
    lone = lone_glyph_boxes(image)
    for label, key in keys.items():
        [mark] = [e for e in lone if key.contains(*e.box.center)]
        assert mark.source == "glyphs", label
        assert mark.box.width < 100  # the mark's surroundings, not the whole key
    assert not [e for e in lone if e.box.top < 60], "words of a line have neighbours"
    glyphs = voted_glyphs(image, lone)
    assert sorted(glyphs[e.box] for e in lone) == sorted(keys)


def test_a_key_the_detector_missed_is_found_by_its_lone_sign() -> None:
    image, keys = _maximised_keypad()
    # The detector found the text line, none of the keys.
    line = Element(Box(15, 25, 330, 50), "text_field", "", "detector", 0.6)
    grounder = Grounder(TesseractOcr(), experts=[StaticExpert("detector", [line])])
    result = grounder.locate(image, "the '=' button")
    assert result is not None
    assert keys["="].contains(*result.point)
    assert result.expert == "glyphs+glyph-ocr"


def test_keys_read_alike_at_one_scale_are_told_apart_by_the_vote() -> None:
    # At 3x, Tesseract may read a thin "-" as "=" (it did on a dark maximised
    # galculator): when two keys match "=", the scales vote on each.
    image, keys = _maximised_keypad()
    detected = [Element(keys[k], "button", "", "detector", 0.6) for k in ("-", "=")]
    both = glyph_candidates("=", detected, {keys["-"]: "=", keys["="]: "="})
    assert len(both) == 2
    kept = confirmed_by_vote(image, "=", both, 0.95)
    assert [c.element.box for c in kept] == [keys["="]]
    assert kept[0].score == 0.95
    # When the vote confirms none of them, nothing is thrown away.
    threes = glyph_candidates("7", detected, {keys["-"]: "7", keys["="]: "7"})
    assert confirmed_by_vote(image, "7", threes, 0.95) == threes


class _BlindReader:
    name = "blind"

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        return []


class _ReadsEveryMarkAsEquals:
    """A second OCR that takes any small crop for "=" (as RapidOCR took ")" for "1")."""

    name = "equals"

    def read_words(self, image: Image.Image) -> list[OcrWord]:
        if image.width > 200:
            return []
        return [OcrWord("=", Box(0, 0, image.width, image.height), 0.9, (1, 1, 1))]


def test_keys_the_second_reader_reads_alike_are_told_apart_by_the_vote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grounding.grounder as grounder_module

    image, keys = _maximised_keypad()
    detected = [Element(keys[k], "button", "", "detector", 0.6) for k in ("-", "=")]
    # Tesseract's one-scale pass reads nothing here, so the second reader decides.
    monkeypatch.setattr(grounder_module, "default_glyph_reader", lambda scale=3.0: _BlindReader())
    grounder = Grounder(TesseractOcr(), experts=[StaticExpert("detector", detected)],
                        fallback=_ReadsEveryMarkAsEquals())  # fmt: skip
    result = grounder.locate(image, "the '=' button")
    assert result is not None
    assert keys["="].contains(*result.point)


def test_keys_of_a_maximised_calculator_are_read_box_by_box_but_panels_are_not() -> None:
    key = Element(Box(0, 914, 411, 1080), "button", "", "detector", 0.6)  # a 377 px key, boxed wide
    panel = Element(Box(0, 100, 900, 700), "button", "", "detector", 0.6)
    assert glyph_boxes([key, panel], []) == [key]
