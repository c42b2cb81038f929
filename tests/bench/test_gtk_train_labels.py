"""The GTK training set keeps only the active window's visible interactive elements."""

from __future__ import annotations

from bench.gtk_train_set import label, window_elements
from PIL import Image, ImageDraw

from grounding import Box, Element


def _el(role: str, box: tuple[int, int, int, int]) -> Element:
    return Element(Box(*box), role=role, text=role, source="atspi")


def test_only_the_matching_top_level_window_is_kept() -> None:
    tree = [
        _el("window", (235, 72, 1045, 728)),  # the demo launcher behind
        _el("list_item", (240, 100, 400, 120)),
        _el("dialog", (0, 0, 388, 227)),  # the active dialog
        _el("button", (20, 180, 100, 210)),
    ]
    mine = window_elements(tree, Box(1, 20, 387, 226))
    assert [e.role for e in mine] == ["button"]
    assert window_elements(tree, Box(900, 700, 1000, 790)) == []  # matches neither
    assert window_elements(tree[1:2], Box(0, 0, 10, 10)) == tree[1:2]  # no top level named


def test_labels_are_clipped_shifted_mapped_and_visible_only() -> None:
    image = Image.new("RGB", (300, 200), (240, 240, 240))
    ImageDraw.Draw(image).rectangle((10, 10, 60, 34), outline=(0, 0, 0), fill=(200, 200, 200))
    crop = Box(100, 50, 400, 250)  # the image is this part of the screen
    elements = [
        _el("toggle", (110, 60, 161, 85)),  # drawn: kept, as "button", in crop pixels
        _el("checkbox", (200, 150, 240, 170)),  # over flat background: a hidden widget
        _el("label", (110, 60, 161, 85)),  # not interactive
        _el("button", (95, 60, 102, 85)),  # 2 px left inside the crop: too small
    ]
    boxes = label(image, elements, crop)
    assert [(b.left, b.top, b.right, b.bottom, b.cls) for b in boxes] == [
        (10, 10, 61, 35, "button")
    ]
