"""Recall by truth size and the failure pictures of `python -m bench.detector`."""

from __future__ import annotations

from bench.detection_drawing import FALSE, FOUND, MISSED, draw_failures
from bench.detection_metrics import evaluate_detections, size_bucket
from PIL import Image

from grounding import Box, Element


def _el(role: str, left: int, top: int, right: int, bottom: int, score: float = 1.0) -> Element:
    return Element(Box(left, top, right, bottom), role=role, score=score)


def test_recall_is_split_by_the_longer_side_of_the_truth_box() -> None:
    truth = [
        _el("icon", 10, 10, 26, 26),  # 16 px
        _el("button", 100, 10, 160, 34),  # 60 px
        _el("button", 200, 10, 260, 34),
        _el("text_field", 10, 100, 610, 400),  # an editor pane, 600 px
    ]
    preds = [_el("button", 100, 10, 160, 34, 0.9), _el("icon", 10, 10, 26, 26, 0.2)]
    result = evaluate_detections([(truth, preds)], threshold=0.3)
    by_size = result["overall"]["recall_by_size"]
    # The icon's prediction scores under the operating threshold: not found.
    assert by_size == {
        "< 32 px": {"gt": 1, "recall": 0.0},
        "32-127 px": {"gt": 2, "recall": 0.5},
        ">= 512 px": {"gt": 1, "recall": 0.0},
    }
    assert size_bucket(Box(0, 0, 31, 200)) == "128-511 px"
    assert size_bucket(Box(0, 0, 32, 10)) == "32-127 px"


def test_failures_are_drawn_where_the_bench_counts_them() -> None:
    image = Image.new("RGB", (400, 200), "white")
    truth = [_el("button", 20, 20, 80, 44), _el("checkbox", 20, 100, 140, 120)]
    preds = [
        _el("button", 22, 20, 82, 44, 0.9),  # finds the button
        _el("radio", 200, 100, 300, 130, 0.8),  # on nothing: a false positive
        _el("checkbox", 20, 100, 140, 120, 0.1),  # under its threshold: not shown
    ]
    thresholds = {"button": 0.3, "radio": 0.3, "checkbox": 0.3}
    picture, missed, false_positives = draw_failures(image, truth, preds, thresholds)
    assert (missed, false_positives) == (1, 1)
    assert picture.getpixel((50, 20)) == FOUND
    assert picture.getpixel((80, 100)) == MISSED
    assert picture.getpixel((250, 129 - 1)) == FALSE
    assert picture.getpixel((50, 110)) == (255, 255, 255)  # inside: left as it was
    assert image.getpixel((50, 20)) == (255, 255, 255)  # the input is not drawn on
    # One threshold for every class: the weak checkbox counts at 0.05.
    _, missed, false_positives = draw_failures(image, truth, preds, 0.05)
    assert (missed, false_positives) == (0, 1)
