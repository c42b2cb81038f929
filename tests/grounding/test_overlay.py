"""Overlays drawn on real images: boxes, marks and the chosen point land where they should."""

from __future__ import annotations

from PIL import Image

from grounding.overlay import POINT_COLOR, draw_marks, draw_overlay, source_color
from grounding.types import Box, Element, GroundingResult

WHITE = (255, 255, 255)


def blank() -> Image.Image:
    return Image.new("RGB", (400, 300), WHITE)


def test_boxes_are_drawn_on_their_edges_in_their_source_color():
    elements = [
        Element(Box(50, 60, 150, 100), "text", "Save", "tesseract", 0.9),
        Element(Box(200, 150, 300, 200), "button", "", "detector", 0.8),
    ]
    out = draw_overlay(blank(), elements)
    assert out.size == (400, 300)
    assert out.getpixel((100, 99)) == source_color("tesseract")  # bottom edge
    assert out.getpixel((200, 175)) == source_color("detector")  # left edge
    assert out.getpixel((100, 80)) == WHITE  # inside stays clear
    assert out.getpixel((350, 20)) == WHITE  # far away untouched
    assert source_color("tesseract") != source_color("detector")


def test_the_input_image_is_not_changed():
    image = blank()
    draw_overlay(image, [Element(Box(10, 10, 50, 50), source="a11y")])
    assert image.getcolors() == [(400 * 300, WHITE)]


def test_the_result_point_is_a_crosshair_and_its_box_is_marked():
    result = GroundingResult((120, 80), Box(100, 70, 140, 90), "rapidocr", 0.95)
    out = draw_overlay(blank(), [], result=result)
    assert out.getpixel((120, 80 - 12)) == POINT_COLOR  # vertical arm
    assert out.getpixel((120 + 12, 80)) == POINT_COLOR  # horizontal arm
    assert out.getpixel((100 - 2, 80)) == POINT_COLOR  # box outline
    assert out.getpixel((60, 200)) == WHITE


def test_marks_number_each_element_with_a_filled_tag():
    elements = [Element(Box(40, 100, 140, 140)), Element(Box(220, 200, 320, 240))]
    out = draw_marks(blank(), elements)
    for b in (elements[0].box, elements[1].box):
        # A solid tag sits just above each box, with white digits on it.
        tag = out.crop((b.left, b.top - 24, b.left + 14, b.top))
        colors = {c for _, c in tag.getcolors(maxcolors=10000)}
        assert WHITE in colors
        assert len(colors) >= 2
        assert out.getpixel((b.left, (b.top + b.bottom) // 2)) != WHITE
    assert draw_marks(blank(), []).getcolors() == [(400 * 300, WHITE)]
