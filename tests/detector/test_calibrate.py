"""Per-class detector thresholds: chosen on held-out images, carried in the model, obeyed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drawn_screens import small_window
from grounding.detector.calibrate import (
    DEFAULT_THRESHOLD,
    METADATA_KEY,
    MIN_TRUTH,
    ClassTally,
    best_threshold,
    f_beta,
    held_out,
    tally_classes,
    write_thresholds,
)
from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.dataset import DatasetWriter, LabeledBox, Record, Sample
from grounding.detector.onnx_detector import OnnxDetector, default_model_path
from grounding.detector.verifier import default_verifier_path


def _tally(pairs: list[tuple[float, bool]], truth: int) -> ClassTally:
    return ClassTally([s for s, _ in pairs], [h for _, h in pairs], truth)


def test_low_scored_true_finds_pull_the_threshold_down() -> None:
    # 30 truths: 10 found at 0.8, 15 more found only at 0.15, and two false
    # boxes at 0.5. Going down to 0.15 lifts recall from 1/3 to 5/6 at a small
    # cost in precision, which F2 takes.
    pairs = [(0.8, True)] * 10 + [(0.15, True)] * 15 + [(0.5, False)] * 2
    tally = _tally(pairs, 30)
    assert tally.at(0.3) == (pytest.approx(10 / 12), pytest.approx(10 / 30))
    assert best_threshold(tally, beta=2.0) == 0.15
    # Many false boxes at low scores keep the threshold up.
    noisy = _tally(pairs + [(0.12, False)] * 400 + [(0.2, False)] * 400, 30)
    assert best_threshold(noisy, beta=2.0) > 0.2


def test_rare_classes_keep_the_default() -> None:
    tally = _tally([(0.1, True)] * (MIN_TRUTH - 1), MIN_TRUTH - 1)
    assert best_threshold(tally, beta=2.0) == DEFAULT_THRESHOLD


def test_f_beta_weighs_recall_when_beta_is_above_one() -> None:
    assert f_beta(0.5, 0.9, 2.0) > f_beta(0.9, 0.5, 2.0)
    assert f_beta(0.0, 1.0, 2.0) == 0.0


def test_matching_is_per_class_and_one_truth_per_prediction(tmp_path: Path) -> None:
    record = Record(tmp_path / "x.png", 100, 100,
                    [LabeledBox(0, 0, 10, 10, "button"), LabeledBox(20, 0, 40, 10, "tab")],
                    "gtk", 10)  # fmt: skip
    predictions = [
        (0, 0, 10, 10, "button", 0.9),  # takes the button
        (0, 0, 10, 10, "button", 0.4),  # a duplicate: the button is taken
        (20, 0, 40, 10, "button", 0.7),  # right box, wrong class
    ]
    tallies = tally_classes([(record, predictions)])
    assert tallies["button"].hits == [True, False, False]
    assert tallies["button"].num_truth == 1
    assert tallies["tab"].num_truth == 1
    assert tallies["tab"].hits == []


def test_held_out_takes_the_images_training_leaves_out(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path)
    for seed in (3, 10, 20, 21):
        writer.add(Sample(Image.new("RGB", (40, 30)), [LabeledBox(1, 1, 9, 9, "button")],
                          "gtk", seed))  # fmt: skip
    assert sorted(r.seed for r in held_out([tmp_path])) == [10, 20]
    # A set built apart from training counts whole.
    unseen = tmp_path / "unseen"
    other = DatasetWriter(unseen)
    for seed in (1, 2):
        other.add(Sample(Image.new("RGB", (40, 30)), [LabeledBox(1, 1, 9, 9, "tab")],
                         "gtk", seed))  # fmt: skip
    other.add(Sample(Image.new("RGB", (40, 30)), [], "gtk", 3))  # nothing to score on
    assert sorted(r.seed for r in held_out([tmp_path], [unseen])) == [1, 2, 10, 20]


def test_the_model_carries_its_thresholds_and_the_detector_obeys(tmp_path: Path) -> None:
    image = small_window()
    loose = OnnxDetector(score_threshold=0.05, verifier=False).parse(image)
    assert {e.role for e in loose} - {"button"}, "the window should give some non-buttons"
    thresholds = {name: 0.99 for name in OnnxDetector(verifier=False).classes} | {"button": 0.05}
    path = write_thresholds(default_model_path(), tmp_path / "calibrated.onnx", thresholds)
    calibrated = OnnxDetector(path, verifier=False)
    assert calibrated.thresholds[calibrated.classes.index("button")] == pytest.approx(0.05)
    assert calibrated.score_threshold == pytest.approx(0.05)
    found = calibrated.parse(image)
    assert found
    assert {e.role for e in found} == {"button"}
    assert sorted(e.score for e in found) == sorted(e.score for e in loose if e.role == "button")
    # An explicit threshold overrides the model's own.
    assert {
        e.role for e in OnnxDetector(path, score_threshold=0.05, verifier=False).parse(image)
    } == {e.role for e in loose}
    # Rewriting replaces the entry rather than adding a second one.
    again = write_thresholds(path, tmp_path / "again.onnx", {"button": 0.2})
    import onnx

    keys = [p.key for p in onnx.load(str(again)).metadata_props]
    assert keys.count(METADATA_KEY) == 1
    assert json.loads(
        next(p.value for p in onnx.load(str(again)).metadata_props if p.key == METADATA_KEY)
    ) == {"button": 0.2}
    assert np.allclose(
        OnnxDetector(again, verifier=False).thresholds,
        [
            0.2 if c == "button" else DEFAULT_THRESHOLD
            for c in OnnxDetector(again, verifier=False).classes
        ],
    )


def test_with_a_verifier_its_thresholds_rule(tmp_path: Path) -> None:
    """A detector with a box verifier obeys the thresholds in the verifier's file
    (calibrated for the rescored scores), not those in its own."""
    image = small_window()
    thresholds = {name: 0.99 for name in DETECTOR_CLASSES} | {"button": 0.05}
    path = write_thresholds(default_verifier_path(), tmp_path / "verifier.onnx", thresholds)
    paired = OnnxDetector(verifier_model=path)
    assert paired.thresholds[paired.classes.index("button")] == pytest.approx(0.05)
    # The same pair at one low threshold for every class: what the thresholds cut.
    loose = OnnxDetector(verifier_model=path, score_threshold=0.0).parse(image)
    assert {e.role for e in loose} - {"button"}, "the window should give some non-buttons"
    found = paired.parse(image)
    assert found
    assert {e.role for e in found} == {"button"}
    assert sorted(e.score for e in found) == sorted(
        e.score for e in loose if e.role == "button" and e.score >= 0.05
    )
    # The detector's own thresholds (in its file) are not the pair's.
    assert not np.allclose(OnnxDetector(verifier=False).thresholds, paired.thresholds)
