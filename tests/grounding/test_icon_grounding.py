"""Icon-only buttons are found by the detector plus the icon recognizer, with no text."""

from __future__ import annotations

import pytest
from PIL import Image

from drawn_screens import toolbar_window
from grounding import Grounder
from grounding.detector.onnx_detector import OnnxDetector
from grounding.icon_candidates import SMALL_ICON, recognize_icons, textless_boxes
from grounding.icons.match import default_matcher
from grounding.icons.recognizer import IconRecognizer
from grounding.ocr import OcrWord, TesseractOcr
from grounding.types import Box, Element

TOOLBAR = ("document-new", "document-save", "edit-find", "list-add", "list-remove")


def _toolbar_window() -> tuple[Image.Image, dict[str, Box]]:
    """A GTK-like window: a labelled button, a text line, and a row of icon-only buttons."""
    image, boxes = toolbar_window(TOOLBAR, "Documents and folders")
    del boxes["Close"]
    return image, boxes


def test_textless_boxes_keep_only_detected_glyph_buttons() -> None:
    word = OcrWord("Close", Box(50, 338, 90, 356), 90.0, (1, 1, 1))
    elements = [
        Element(Box(20, 330, 120, 364), "button", "", "detector", 0.9),  # labelled
        Element(Box(12, 6, 47, 41), "button", "", "detector", 0.9),  # glyph only
        Element(Box(12, 6, 47, 41), "button", "Save", "atspi", 1.0),  # not the detector's
        Element(Box(0, 0, 600, 300), "list_item", "", "detector", 0.9),  # a row
    ]
    assert textless_boxes(elements, [word]) == [elements[1]]


class _RecordingRecognizer:
    """Answers by crop: a padded crop (wider than 20 px) reads surely as view-refresh
    and a tight one is unsure, except at the bright corner, where the tight view
    reads surely as edit-find and the (clipped) padded one is unsure."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def recognize(self, crops: list[Image.Image], top_k: int = 5) -> list[list[tuple[str, float]]]:
        self.sizes.extend(c.size for c in crops)
        return [self._read(c) for c in crops]

    def _read(self, crop: Image.Image) -> list[tuple[str, float]]:
        if crop.getpixel((0, 0)) == (250, 250, 250):
            if crop.width == 16:
                return [("edit-find", 0.8), ("none", 0.2)]
            return [("none", 0.5), ("edit-find", 0.3), ("view-refresh", 0.2)]
        if crop.width > 20:
            return [("view-refresh", 0.7), ("edit-find", 0.2), ("none", 0.1)]
        return [("none", 0.4), ("edit-find", 0.35), ("view-refresh", 0.25)]


def test_small_icons_are_read_in_the_view_that_frames_them_best() -> None:
    # A tight 16 px box whose rim cuts the glyph misleads the background
    # estimate; the padded view, read surely, carries the reading whole (an
    # average would halve it with the unsure tight view).
    image = Image.new("RGB", (100, 60), (40, 40, 40))
    image.paste((250, 250, 250), (0, 0, 8, 8))
    small = Element(Box(30, 20, 46, 36), "icon", "", "detector", 0.5)
    edge = Element(Box(0, 0, 16, 16), "icon", "", "detector", 0.5)  # padding clipped
    big = Element(Box(50, 10, 50 + SMALL_ICON + 10, 50), "button", "", "detector", 0.5)
    recognizer = _RecordingRecognizer()
    icons = recognize_icons(image, [small, edge, big], recognizer)
    assert recognizer.sizes == [(16, 16), (24, 24), (16, 16), (20, 20), (34, 40)]
    assert [i.element for i in icons] == [small, edge, big]
    assert icons[0].meanings == (("view-refresh", 0.7), ("edit-find", 0.2), ("none", 0.1))
    # The surer view wins whichever it is: here the tight one.
    assert icons[1].meanings == (("edit-find", 0.8), ("none", 0.2))
    assert icons[2].meanings == (("view-refresh", 0.7), ("edit-find", 0.2), ("none", 0.1))


@pytest.fixture(scope="module")
def icon_grounder() -> Grounder:
    return Grounder(TesseractOcr(), experts=[OnnxDetector()],
                    icons=(IconRecognizer.default(), default_matcher()))  # fmt: skip


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("the Save button", "document-save"),
        ("the search icon", "edit-find"),
        ("the Add button", "list-add"),
    ],
)
def test_icon_button_is_found_by_its_meaning(
    icon_grounder: Grounder, description: str, name: str
) -> None:
    image, boxes = _toolbar_window()
    result = icon_grounder.locate(image, description)
    assert result is not None, f"{description!r} not found"
    assert boxes[name].contains(*result.point), (description, result)
    assert "icons" in result.expert


def test_text_still_wins_where_it_is_written(icon_grounder: Grounder) -> None:
    image, _ = _toolbar_window()
    result = icon_grounder.locate(image, "the Close button")
    assert result is not None
    assert Box(20, 330, 120, 364).contains(*result.point)
    assert "icons" not in result.expert


def test_a_description_naming_no_icon_finds_nothing(icon_grounder: Grounder) -> None:
    image, _ = _toolbar_window()
    assert icon_grounder.locate(image, "the Spreadsheet totals field") is None


def test_two_sure_icons_of_one_meaning_are_told_apart_by_the_role_asked_for() -> None:
    # A toolbar's New button (read 0.62 sure) and a big "new document" picture
    # in an icon view (0.87 sure): both are surely document-new, so "the New
    # button" is the button, and "the New icon" the picture.
    from grounding.fusion import apply_role
    from grounding.grounder import _pick
    from grounding.icon_candidates import RecognizedIcon, icon_candidates
    from grounding.query import parse_query

    button = Element(Box(312, 94, 347, 135), "button", "", "detector", 0.54)
    picture = Element(Box(1151, 429, 1189, 465), "icon", "", "detector", 0.34)
    icons = [
        RecognizedIcon(button, (("document-new", 0.62), ("view-wrapped", 0.03))),
        RecognizedIcon(picture, (("document-new", 0.87), ("window-new", 0.03))),
    ]
    for description, wanted in (("the New button", button), ("the New icon", picture)):
        query = parse_query(description)
        found = apply_role(icon_candidates(description, icons, default_matcher()), query.role)
        ranked = sorted(found, key=lambda c: -c.score)
        assert _pick(ranked, query, (1280, 800)).element.box == wanted.box, description
    # A sure reading still beats an unsure one of the same role.
    unsure = RecognizedIcon(picture, (("document-new", 0.2), ("window-new", 0.5)))
    query = parse_query("the New icon")
    found = apply_role(icon_candidates("the New icon", [icons[0], unsure], default_matcher()),
                       query.role)  # fmt: skip
    assert (
        _pick(sorted(found, key=lambda c: -c.score), query, (1280, 800)).element.box == button.box
    )


def test_a_reading_far_ahead_of_its_runner_up_counts_as_sure() -> None:
    # A 16 px document-new with a "+" emblem on a toolbar button reads only
    # 0.34, but nothing else comes close: it is as sure as the 0.75 picture,
    # and the role asked for decides. A 0.34 reading with a close second is not.
    from grounding.fusion import apply_role
    from grounding.grounder import _pick
    from grounding.icon_candidates import RecognizedIcon, icon_candidates
    from grounding.query import parse_query

    button = Element(Box(312, 94, 347, 135), "button", "", "detector", 0.54)
    picture = Element(Box(1151, 429, 1189, 465), "icon", "", "detector", 0.34)
    seen = RecognizedIcon(picture, (("document-new", 0.75), ("appointment-new", 0.04)))
    query = parse_query("the New button")

    def best(reading: tuple[tuple[str, float], ...]) -> Box:
        icons = [RecognizedIcon(button, reading), seen]
        found = apply_role(icon_candidates("the New button", icons, default_matcher()),
                           query.role)  # fmt: skip
        return _pick(sorted(found, key=lambda c: -c.score), query, (1280, 800)).element.box

    assert best((("document-new", 0.34), ("address-book-new", 0.06))) == button.box
    assert best((("document-new", 0.34), ("address-book-new", 0.2))) == picture.box


def test_a_short_word_read_with_little_confidence_does_not_hide_an_icon() -> None:
    # Tesseract reads a 16 px refresh arrow as "Cc" at 0.66; real two-letter
    # labels ("de", "OK") come at 0.8 and more.
    icon = Element(Box(346, 159, 362, 174), "icon", "", "detector", 0.4)
    glyph_as_letters = OcrWord("Cc", Box(346, 159, 362, 174), 0.66, (1, 1, 1))
    real_word = OcrWord("OK", Box(348, 160, 360, 173), 0.93, (1, 1, 1))
    assert textless_boxes([icon], [glyph_as_letters]) == [icon]
    assert textless_boxes([icon], [real_word]) == []
    long_word = OcrWord("Copy", Box(346, 159, 362, 174), 0.66, (1, 1, 1))
    assert textless_boxes([icon], [long_word]) == []
