"""The box verifier: crops, features, the shipped model on real Qt widgets, its wiring
into OnnxDetector, clear errors, and training on toy data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image, ImageDraw
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from drawn_screens import small_window
from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.dataset import DatasetWriter, LabeledBox, Sample
from grounding.detector.onnx_detector import OnnxDetector
from grounding.detector.synth.qt_scenes import application
from grounding.detector.verifier import (
    CLASSES_KEY,
    CROP_KEY,
    BoxVerifier,
    default_verifier_path,
    verifier_crops,
    verifier_features,
)
from grounding.detector.verifier_train import NOTHING, label_candidates
from grounding.detector.verifier_train import main as verifier_main
from grounding.errors import ExpertUnavailable


def test_crops_show_the_box_tightly_and_with_its_surroundings() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:60, 60:140] = 255
    crops = verifier_crops(image, [(60, 40, 140, 60), (-5, -5, 30, 30)])
    assert crops.shape == (2, 24, 48, 6)
    assert crops.dtype == np.uint8
    tight, context = crops[0, :, :, :3], crops[0, :, :, 3:]
    assert tight[12, 24].min() == 255
    assert context[12, 24].min() == 255
    assert tight[0].mean() < 128  # the 3 px margin: a dark top row
    # The context crop adds half the box on each side: the white box is a small part.
    assert tight.mean() > 180
    assert context.mean() < 0.4 * tight.mean()


def test_features_are_the_class_score_and_log_size() -> None:
    feats = verifier_features(np.array([2]), np.array([0.4]), np.array([[0, 0, 64, 16]]), 12)
    assert feats.shape == (1, 15)
    assert feats[0, :12].tolist() == [0, 0, 1] + [0] * 9
    assert feats[0, 12:] == pytest.approx([0.4, np.log(2), np.log(0.5)])


def test_candidates_take_their_own_class_where_a_truth_box_of_it_qualifies() -> None:
    truth = np.array([[0, 0, 100, 30], [0, 0, 100, 30], [200, 0, 260, 30]], float)
    truth_cls = np.array([1, 4, 0])  # a combo box's entry: text_field and dropdown at once
    cands = np.array([[2, 0, 100, 30], [2, 0, 100, 30], [200, 0, 262, 30], [400, 0, 450, 30],
                      [200, 0, 300, 30]], float)  # fmt: skip
    cand_cls = np.array([4, 0, 3, 0, 0])
    labels = label_candidates(cands, cand_cls, truth, truth_cls)
    # own class; the best overlap's class; another class's box; nothing; IoU 0.6 -> button
    assert labels.tolist() == [4, 1, 0, NOTHING, 0]


def _qt_window() -> tuple[Image.Image, list[tuple[tuple[int, int, int, int], str]]]:
    """A real Qt window (Fusion) of common widgets: its pixels and each one's box and class."""
    app = application()
    app.setStyle("Fusion")
    window = QWidget()
    grid = QGridLayout(window)
    combo = QComboBox()
    combo.addItems(["Medium quality", "High quality"])
    field = QLineEdit()
    field.setPlaceholderText("Search files")
    widgets = [(QPushButton("Save as..."), "button"), (QCheckBox("Remember me"), "checkbox"),
               (QRadioButton("Send a copy"), "radio"), (combo, "dropdown"),
               (field, "text_field"), (QPushButton("Cancel"), "button")]  # fmt: skip
    for i, (widget, _) in enumerate(widgets):
        grid.addWidget(widget, i % 3, 2 * (i // 3))  # a blank column between the two
    grid.setColumnMinimumWidth(1, 160)
    window.resize(560, 200)
    window.show()
    app.processEvents()
    image = window.grab().toImage()
    image = image.convertToFormat(image.Format.Format_RGB888)
    pixels = Image.frombytes("RGB", (image.width(), image.height()), bytes(image.constBits()),
                             "raw", "RGB", image.bytesPerLine())  # fmt: skip
    boxes = [((w.x(), w.y(), w.x() + w.width(), w.y() + w.height()), cls) for w, cls in widgets]
    window.close()
    return pixels, boxes


def test_the_shipped_verifier_knows_real_qt_widgets_from_empty_space() -> None:
    """Trained on GTK screenshots and synthetic pages; Qt's Fusion look is not the bench's."""
    image, widgets = _qt_window()
    verifier = BoxVerifier()
    pixels = np.asarray(image)
    boxes = [box for box, _ in widgets]
    cls = np.asarray([DETECTOR_CLASSES.index(c) for _, c in widgets])
    probs = verifier.probabilities(pixels, boxes, cls, np.full(len(boxes), 0.3, np.float32))
    assert probs.shape == (len(boxes), len(DETECTOR_CLASSES) + 1)
    assert np.allclose(probs.sum(1), 1.0, atol=1e-4)
    right = [DETECTOR_CLASSES[int(p.argmax())] if p.argmax() < NOTHING else "nothing"
             for p in probs]  # fmt: skip
    # Every widget is something; Fusion's checkbox and radio indicators, which it
    # never saw in training, it may take for each other.
    assert (probs[:, NOTHING] < 0.5).all(), probs[:, NOTHING]
    assert sum(r == c for r, (_, c) in zip(right, widgets, strict=True)) >= 4, right
    # The same class and score on empty space between the widgets: nothing there.
    left = max(box[2] for box, _ in widgets[:3]) + 10
    blank = [(left, 20 + 50 * i, left + 90, 50 + 50 * i) for i in range(3)]
    probs = verifier.probabilities(pixels, blank, cls[:3], np.full(3, 0.3, np.float32))
    assert (probs[:, NOTHING] > 0.5).all(), probs[:, NOTHING]


def test_the_detector_scores_are_the_geometric_mean_with_the_verifier() -> None:
    image = small_window()
    verifier = BoxVerifier()
    plain = OnnxDetector(verifier=False, score_threshold=verifier.floor).parse(image)
    paired_detector = OnnxDetector(score_threshold=0.0)
    paired = paired_detector.parse(image)
    assert plain
    assert len(paired) == len(plain)
    by_box = {(e.box, e.role): e.score for e in plain}
    boxes = [(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in paired]
    cls = np.asarray([DETECTOR_CLASSES.index(e.role) for e in paired])
    det = np.asarray([by_box[(e.box, e.role)] for e in paired], np.float32)
    probs = verifier.probabilities(np.asarray(image), boxes, cls, det)
    geometric = np.sqrt(det * probs[np.arange(len(cls)), cls])
    # The keep factor: the pair's threshold over the detector's own, per class.
    alone_thresholds = OnnxDetector(verifier=False).thresholds
    pair_thresholds = OnnxDetector().thresholds
    keep = det * (pair_thresholds / alone_thresholds)[cls]
    assert [e.score for e in paired] == pytest.approx(np.maximum(geometric, keep), abs=2e-4)
    assert (geometric > keep).any()  # the verifier decides some scores
    assert [e.score for e in paired] == sorted((e.score for e in paired), reverse=True)


def test_the_verifier_never_takes_away_a_box_the_detector_alone_returns() -> None:
    """It adds boxes and reorders them; a missed element could not be grounded at all."""
    image, _ = _qt_window()
    for picture in (image, small_window()):
        alone = {(e.box, e.role) for e in OnnxDetector(verifier=False).parse(picture)}
        paired = OnnxDetector().parse(picture)
        assert alone
        assert alone <= {(e.box, e.role) for e in paired}
        thresholds = dict(zip(DETECTOR_CLASSES, OnnxDetector().thresholds.tolist(), strict=True))
        assert all(e.score >= thresholds[e.role] - 1e-4 for e in paired)


def test_a_missing_verifier_warns_and_the_detector_keeps_its_own_scores(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ExpertUnavailable, match="train one"):
        BoxVerifier(tmp_path / "nope.onnx")
    detector = OnnxDetector(verifier_model=tmp_path / "nope.onnx")
    assert detector.verifier is None
    assert "without the box verifier" in caplog.text
    alone = OnnxDetector(verifier=False)
    assert np.allclose(detector.thresholds, alone.thresholds)
    image = small_window()
    assert [(e.box, e.score) for e in detector.parse(image)] == [
        (e.box, e.score) for e in alone.parse(image)
    ]


def _rewritten(tmp_path: Path, key: str, value: str | None) -> Path:
    proto = onnx.load(str(default_verifier_path()))
    kept = [p for p in proto.metadata_props if p.key != key]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    if value is not None:
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    path = tmp_path / f"{key}.onnx"
    onnx.save(proto, str(path))
    return path


def test_a_foreign_or_other_classes_verifier_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ExpertUnavailable, match="not a desktop-agent box verifier"):
        BoxVerifier(_rewritten(tmp_path, CROP_KEY, None))
    other = _rewritten(tmp_path, CLASSES_KEY, json.dumps(["button", "link"]))
    detector = OnnxDetector(verifier_model=other)
    assert detector.verifier is None
    assert "retrain it" in caplog.text


def _toy_buttons(root: Path, count: int) -> Path:
    writer = DatasetWriter(root)
    for seed in range(count):
        rng = random.Random(seed)
        image = Image.new("RGB", (320, 224), (240, 240, 240))
        draw = ImageDraw.Draw(image)
        boxes = []
        for row in range(4):
            x, y = rng.randint(0, 240), 10 + 52 * row
            draw.rectangle((x, y, x + 72, y + 28), fill=(225, 225, 230), outline=(60, 60, 60))
            draw.text((x + 14, y + 8), "Apply", fill=(20, 20, 20))
            boxes.append(LabeledBox(x, y, x + 73, y + 29, "button"))
        writer.add(Sample(image, boxes, "toy", seed))
    return root


@pytest.mark.slow
def test_train_export_and_load(tmp_path: Path) -> None:
    data = _toy_buttons(tmp_path / "data", 30)
    out = tmp_path / "verifier.onnx"
    assert verifier_main(["--data", str(data), "--out", str(out), "--epochs", "2"]) == 0
    verifier = BoxVerifier(out)
    assert verifier.classes == DETECTOR_CLASSES
    assert verifier.size == (24, 48)
    assert verifier.thresholds == {}  # calibrate --verifier adds them
    detector = OnnxDetector(verifier_model=out, score_threshold=0.0)
    assert detector.verifier is not None
    assert all(0.0 <= e.score <= 1.0 for e in detector.parse(Image.open(next(
        (data / "images").iterdir())).convert("RGB")))  # fmt: skip
