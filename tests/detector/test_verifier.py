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
from PySide6.QtGui import QFont
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
from grounding.detector import onnx_detector
from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.dataset import DatasetWriter, LabeledBox, Sample
from grounding.detector.onnx_detector import OnnxDetector, default_model_path
from grounding.detector.synth.qt_scenes import application
from grounding.detector.verifier import (
    CLASSES_KEY,
    CROP_KEY,
    BoxVerifier,
    box_deltas,
    default_verifier_path,
    refine_boxes,
    verifier_crops,
    verifier_features,
)
from grounding.detector.verifier_train import (
    NOTHING,
    REFINE_IOU,
    collect,
    iou_matrix,
    label_candidates,
    refine_targets,
)
from grounding.detector.verifier_train import main as verifier_main
from grounding.errors import ExpertUnavailable
from onnx_edits import edited_copy, with_metadata
from recorded_detectors import record_detectors


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
                      [200, 0, 300, 30], [200, 0, 330, 30], [200, 0, 360, 30]], float)  # fmt: skip
    cand_cls = np.array([4, 0, 3, 0, 0, 0, 0])
    labels = label_candidates(cands, cand_cls, truth, truth_cls)
    # own class; the best overlap's class; another class's box; nothing; IoU 0.6 and
    # 0.46 -> button (a box a little off, which the verifier's shifts put right);
    # IoU 0.375 -> nothing
    assert labels.tolist() == [4, 1, 0, NOTHING, 0, 0, NOTHING]


def test_edge_shifts_move_a_box_onto_its_target_and_back() -> None:
    boxes = np.array([[10, 20, 50, 40], [0, 0, 100, 10]], float)
    targets = np.array([[6, 22, 58, 41], [20, 0, 100, 10]], float)
    shifts = box_deltas(boxes, targets)
    assert shifts[0].tolist() == pytest.approx([-0.1, 0.1, 0.2, 0.05])
    assert refine_boxes(boxes, shifts) == pytest.approx(targets)
    # Shifts past half the box are clipped (the context crop shows about that much),
    # and a box is never turned inside out.
    far = box_deltas(boxes[:1], np.array([[-100, 20, 50, 40]], float))
    assert far[0, 0] == pytest.approx(-0.5)
    assert (refine_boxes(boxes, np.array([[0.5, 0, -0.5, 0]] * 2))[:, 2:] > 0).all()
    flat = refine_boxes(boxes[:1], np.array([[0.5, 0.0, -0.5, 0.0]]))[0]
    assert flat[2] >= flat[0] + 1


def test_candidates_learn_to_move_onto_the_truth_box_they_half_cover() -> None:
    truth = np.array([[0, 0, 40, 40], [0, 0, 44, 40], [300, 0, 400, 30]], float)
    truth_cls = np.array([11, 0, 8])  # an icon and the button around it; a link
    cands = np.array([[4, 4, 36, 36], [4, 4, 36, 36], [300, 0, 330, 30], [600, 0, 650, 30]],
                     float)  # fmt: skip
    cand_cls = np.array([0, 11, 8, 0])
    shifts, refine = refine_targets(cands, cand_cls, truth, truth_cls)
    # a button's box moves onto the button, an icon's onto the icon, a link cut
    # short (IoU 0.3) towards the whole link, by half its width at most; nothing
    # is near the last one
    assert refine.tolist() == [True, True, True, False]
    moved = refine_boxes(cands[refine], shifts[refine])
    assert moved[:2] == pytest.approx(truth[[1, 0]])
    assert moved[2] == pytest.approx([300, 0, 345, 30])
    assert iou_matrix(cands[2:3], truth[2:3])[0, 0] == pytest.approx(REFINE_IOU)
    assert shifts[3].tolist() == [0, 0, 0, 0]


def _qt_window() -> tuple[Image.Image, list[tuple[tuple[int, int, int, int], str]]]:
    """A real Qt window (Fusion) of common widgets: its pixels and each one's box and class.

    The look is set in full: the synthetic-data tests leave their last random
    theme (palette, font, style sheet) on the process's application."""
    app = application()
    app.setStyleSheet("")
    app.setStyle("Fusion")
    app.setPalette(app.style().standardPalette())
    app.setFont(QFont("Sans Serif", 9))
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
    assert verifier.refines
    plain = OnnxDetector(verifier=False, score_threshold=verifier.floor).parse(image)
    paired = OnnxDetector(score_threshold=0.0).parse(image)
    assert plain
    assert paired
    boxes = np.asarray([(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in plain], float)
    cls = np.asarray([DETECTOR_CLASSES.index(e.role) for e in plain])
    det = np.asarray([e.score for e in plain], np.float32)
    probs, shifts = verifier.judge(np.asarray(image), boxes, cls, det)
    geometric = np.sqrt(det * probs[np.arange(len(cls)), cls])
    # The keep factor: the pair's threshold over the detector's own, per class.
    alone_thresholds = OnnxDetector(verifier=False).thresholds
    pair_thresholds = OnnxDetector().thresholds
    keep = det * (pair_thresholds / alone_thresholds)[cls]
    expected = np.maximum(geometric, keep)
    moved = refine_boxes(boxes, shifts)
    # Moved edges stay on the frame, as parse() keeps them.
    moved[:, 0::2] = np.clip(moved[:, 0::2], 0, image.width)
    moved[:, 1::2] = np.clip(moved[:, 1::2], 0, image.height)
    moved = np.round(moved)
    assert (geometric > keep).any()  # the verifier decides some scores
    assert (np.abs(moved - boxes).max(1) >= 2).any()  # and moves some boxes
    # Each returned box is a candidate moved by its shifts, with its expected score;
    # each candidate is returned or lies on a same-class box that outranks it.
    out = np.asarray([(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in paired], float)
    out_cls = np.asarray([DETECTOR_CLASSES.index(e.role) for e in paired])
    out_scores = np.asarray([e.score for e in paired])
    for box, c, score in zip(out, out_cls, out_scores, strict=True):
        same = (np.abs(moved - box).max(1) <= 1) & (cls == c)
        assert same.any()
        assert np.abs(expected[same] - score).min() <= 2e-4
    overlap = iou_matrix(moved, out)
    for i in range(len(cls)):
        rivals = (overlap[i] >= 0.5) & (out_cls == cls[i])
        assert rivals.any()
        assert out_scores[rivals].max() >= expected[i] - 2e-4
    assert out_scores.tolist() == sorted(out_scores.tolist(), reverse=True)


def test_the_verifier_never_takes_away_an_element_the_detector_alone_finds() -> None:
    """It adds boxes, reorders and moves them; a missed element could not be grounded."""
    image, _ = _qt_window()
    thresholds = dict(zip(DETECTOR_CLASSES, OnnxDetector().thresholds.tolist(), strict=True))
    for picture in (image, small_window()):
        alone = OnnxDetector(verifier=False).parse(picture)
        paired = OnnxDetector().parse(picture)
        assert alone
        for found in alone:
            assert any(e.role == found.role and e.box.iou(found.box) >= 0.5 for e in paired), found
        assert all(e.score >= thresholds[e.role] - 1e-4 for e in paired)


def test_the_verifier_moves_a_box_placed_off_onto_the_widget() -> None:
    """A button boxed around its label alone, a field cut short: the shifts put the
    boxes back on the widgets (a Qt style it never trained on)."""
    image, widgets = _qt_window()
    truth = np.asarray([box for box, _ in widgets], float)
    cls = np.asarray([DETECTOR_CLASSES.index(c) for _, c in widgets])
    w, h = truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]
    off = truth + np.stack([0.2 * w, 0.2 * h, -0.15 * w, -0.1 * h], 1)
    _, shifts = BoxVerifier().judge(np.asarray(image), off, cls, np.full(len(cls), 0.3))
    before = np.diag(iou_matrix(off, truth))
    after = np.diag(iou_matrix(refine_boxes(off, shifts), truth))
    assert (after > before).sum() >= len(cls) - 1, (before, after)
    assert after.mean() >= before.mean() + 0.1, (before, after)


def test_an_older_verifier_without_edge_shifts_keeps_the_detector_boxes(tmp_path: Path) -> None:
    path = _one_output(tmp_path)
    verifier = BoxVerifier(path)
    assert not verifier.refines
    image = small_window()
    alone = {(e.box, e.role) for e in OnnxDetector(verifier=False).parse(image)}
    paired = OnnxDetector(verifier_model=path).parse(image)
    assert alone
    assert alone <= {(e.box, e.role) for e in paired}


def _one_output(tmp_path: Path) -> Path:
    """The shipped verifier as one from before box refinement: probabilities only."""

    def probabilities_only(proto: onnx.ModelProto) -> None:
        kept = [o for o in proto.graph.output if o.name == "probabilities"]
        del proto.graph.output[:]
        proto.graph.output.extend(kept)

    return edited_copy(default_verifier_path(), tmp_path / "one_output.onnx", probabilities_only)


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
    return with_metadata(default_verifier_path(), tmp_path / f"{key}.onnx", key, value)


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


def test_candidates_come_from_the_float_model_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Training reads the float model; its 8-bit twin may be stale until requantized.
    used = record_detectors(monkeypatch, onnx_detector)
    collect([_toy_buttons(tmp_path / "data", 2)], None, 0)
    (detector,) = used
    assert detector.model_path == default_model_path(quantized=False)
    assert detector.verifier is None


@pytest.mark.slow
def test_train_export_and_load(tmp_path: Path) -> None:
    data = _toy_buttons(tmp_path / "data", 30)
    out = tmp_path / "verifier.onnx"
    assert verifier_main(["--data", str(data), "--out", str(out), "--epochs", "2"]) == 0
    verifier = BoxVerifier(out)
    assert verifier.classes == DETECTOR_CLASSES
    assert verifier.size == (24, 48)
    assert verifier.thresholds == {}  # calibrate --verifier adds them
    assert verifier.refines
    detector = OnnxDetector(verifier_model=out, score_threshold=0.0)
    assert detector.verifier is not None
    assert all(0.0 <= e.score <= 1.0 for e in detector.parse(Image.open(next(
        (data / "images").iterdir())).convert("RGB")))  # fmt: skip
