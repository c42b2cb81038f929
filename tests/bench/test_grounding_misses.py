"""The bench puts each missed icon query down to the step of the icon route that lost it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.grounding_eval import Frame, Query, evaluate
from bench.grounding_misses import (
    NAMES_NOTHING,
    NO_ELEMENT,
    NOT_OFFERED,
    OUTRANKED,
    READ_OTHERWISE,
    IconMiss,
    explain_icon_miss,
    miss_tables,
)
from PIL import Image

from drawn_screens import toolbar_window
from grounding import Box, Grounder
from grounding.detector.onnx_detector import OnnxDetector
from grounding.icons.match import IconMatcher, default_matcher
from grounding.icons.recognizer import IconRecognizer
from grounding.ocr import TesseractOcr

# A toolbar whose first button shows Adwaita's zoom-in glyph (a plus in a
# rounded square), as gtk3-widget-factory's "Add item" button does.
TOOLBAR = ("zoom-in", "edit-find", "list-remove")


def _window() -> tuple[Image.Image, dict[str, Box]]:
    image, boxes = toolbar_window(TOOLBAR)
    boxes["empty"] = Box(400, 150, 440, 190)  # plain window background
    return image, boxes


@pytest.fixture(scope="module")
def window() -> tuple[Image.Image, dict[str, Box]]:
    return _window()


@pytest.fixture(scope="module")
def icons() -> tuple[IconRecognizer, IconMatcher]:
    return IconRecognizer.default(), default_matcher()


@pytest.fixture(scope="module")
def grounder(icons: tuple[IconRecognizer, IconMatcher]) -> Grounder:
    return Grounder(TesseractOcr(), experts=[OnnxDetector()], icons=icons)


@pytest.mark.parametrize(
    ("description", "target", "cause"),
    [
        ("the News button", "zoom-in", NAMES_NOTHING),  # no icon is called "news"
        ("the Settings button", "empty", NO_ELEMENT),
        ("the Close button", "Close", NOT_OFFERED),  # a labelled button: text on it
        ("the Add item button", "zoom-in", READ_OTHERWISE),
        ("the Find button", "edit-find", OUTRANKED),
    ],
)
def test_each_step_of_the_icon_route(window: tuple[Image.Image, dict[str, Box]], grounder: Grounder,
                                     icons: tuple[IconRecognizer, IconMatcher], description: str,
                                     target: str, cause: str) -> None:  # fmt: skip
    image, boxes = window
    grounder.locate(image, description)
    miss = explain_icon_miss(grounder, image, description, boxes[target], icons, "w.png")
    assert miss.cause == cause
    assert (miss.image, miss.description) == ("w.png", description)
    if cause in (NAMES_NOTHING, NO_ELEMENT):
        assert (miss.detected, miss.reading) == ("-", "-")
    else:
        assert miss.detected.split()[0] in {"button", "icon"}
    if cause == READ_OTHERWISE:
        # What the picture is, not what its name says: the miss no reader of
        # pictures could fix.
        assert miss.top_reading == "zoom-in"
    if cause == OUTRANKED:
        assert miss.top_reading == "edit-find"


def test_misses_are_counted_by_cause_and_grouped_by_query() -> None:
    def miss(description: str, cause: str, reading: str = "-") -> IconMiss:
        return IconMiss("f.png", description, cause, "button 0.5", reading)

    misses = [
        miss("the Add item button", READ_OTHERWISE, "zoom-in 0.62, list-add 0.10"),
        miss("the Add item button", READ_OTHERWISE, "zoom-in 0.65, list-add 0.11"),
        miss("the Refresh button", READ_OTHERWISE, "zoom-original 0.89, system-shutdown 0.01"),
        miss("the News radio button", NAMES_NOTHING),
    ]
    causes, details = miss_tables(misses)
    assert [c["cause"] for c in causes] == [NAMES_NOTHING, NO_ELEMENT, NOT_OFFERED,
                                            READ_OTHERWISE, OUTRANKED]  # fmt: skip
    assert [c["misses"] for c in causes] == [1, 0, 0, 3, 0]
    assert details[0] == {"query": "the Add item button", "frames": 2, "cause": READ_OTHERWISE,
                          "read as": "zoom-in"}  # fmt: skip
    assert len(details) == 3
    assert len(miss_tables(misses, top=1)[1]) == 1


def test_evaluate_reports_misses_only(tmp_path: Path, window: tuple[Image.Image, dict[str, Box]],
                                      grounder: Grounder) -> None:  # fmt: skip
    image, boxes = window
    image.save(tmp_path / "w.png")
    queries = [Query("the Find button", "icon", boxes["edit-find"], "button"),
               Query("the Add item button", "icon", boxes["zoom-in"], "button")]  # fmt: skip
    frame = Frame(tmp_path / "w.png", [], queries, {})
    told: list[tuple[str, Grounder]] = []
    result = evaluate([frame], lambda f: grounder, on_miss=lambda f, q, g, i: told.append(
        (q.description, g)))  # fmt: skip
    assert result["accuracy"]["icon"] == 0.5
    assert told == [("the Add item button", grounder)]
