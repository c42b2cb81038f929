"""The greyed-out control classifier: real Qt widgets, the shipped ONNX model, its training."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image, ImageDraw
from PySide6.QtWidgets import QCheckBox, QComboBox, QRadioButton, QVBoxLayout, QWidget

from grounding import Box
from grounding.detector.dataset import DatasetWriter, LabeledBox, Sample
from grounding.detector.greyed import JITTER, JITTER_PX, collect, jittered
from grounding.detector.greyed import main as greyed_main
from grounding.detector.greyed_filter import (
    CLASSES_KEY,
    CROP_KEY,
    GreyedFilter,
    crop_boxes,
    default_greyed_path,
)
from grounding.detector.onnx_detector import OnnxDetector
from grounding.detector.synth.qt_scenes import application
from grounding.errors import ExpertUnavailable
from onnx_edits import with_metadata


def _window() -> tuple[np.ndarray, list[tuple[Box, bool]]]:
    """A real Qt window (Fusion): a live and a disabled twin of a checkbox, a radio
    button and a combo box; its pixels and each widget's box and liveness."""
    app = application()
    app.setStyle("Fusion")
    window = QWidget()
    layout = QVBoxLayout(window)
    widgets = []
    for live in (True, False):
        check = QCheckBox("Remember my choice")
        radio = QRadioButton("Send a copy")
        combo = QComboBox()
        combo.addItems(["Medium quality", "High quality"])
        for widget in (check, radio, combo):
            widget.setEnabled(live)
            layout.addWidget(widget)
            widgets.append((widget, live))
    window.resize(360, 260)
    window.show()
    app.processEvents()
    image = window.grab().toImage()
    image = image.convertToFormat(image.Format.Format_RGB888)
    pixels = Image.frombytes("RGB", (image.width(), image.height()), bytes(image.constBits()),
                             "raw", "RGB", image.bytesPerLine())  # fmt: skip
    boxes = [(Box(w.x(), w.y(), w.x() + w.width(), w.y() + w.height()), live)
             for w, live in widgets]  # fmt: skip
    window.close()
    return np.asarray(pixels), boxes


def test_the_shipped_classifier_tells_disabled_qt_widgets_from_live_ones() -> None:
    """Trained on GTK screenshots only; Qt's Fusion style is another toolkit's look."""
    pixels, boxes = _window()
    greyed = GreyedFilter()
    # Only dropdowns: live checkboxes of styled web pages and a colour chooser's pale
    # swatches (radio buttons to GTK) look greyed out too often.
    assert greyed.classes == {"dropdown"}
    p = greyed.probabilities(pixels, [(b.left, b.top, b.right, b.bottom) for b, _ in boxes])
    for (_, live), prob in zip(boxes, p, strict=True):
        assert prob < 0.2 if live else prob > 0.8


def test_the_detector_lowers_disabled_controls_only() -> None:
    pixels, boxes = _window()
    image = Image.fromarray(pixels)
    lowered_classes = GreyedFilter().classes

    def scores_on(detector: OnnxDetector) -> tuple[float, dict[tuple[str, int], float]]:
        """Summed score of the filter's classes on disabled widgets; the best score
        of each class on each live widget."""
        on_disabled, on_live = 0.0, {}
        for element in detector.parse(image):
            centre_y = (element.box.top + element.box.bottom) / 2
            for box, live in boxes:
                if box.top <= centre_y < box.bottom:
                    if live:
                        key = (element.role, box.top)
                        on_live[key] = max(on_live.get(key, 0.0), element.score)
                    elif element.role in lowered_classes:
                        on_disabled += element.score
        return on_disabled, on_live

    # A low threshold, as the bench's ranking pass uses: every box counts.
    # The detector's own scores: the box verifier would rescore both the same way.
    plain_disabled, plain_live = scores_on(
        OnnxDetector(score_threshold=0.05, greyed=False, verifier=False)
    )
    lowered_disabled, lowered_live = scores_on(OnnxDetector(score_threshold=0.05, verifier=False))
    assert plain_disabled > 0.2  # the detector alone finds the disabled twin
    assert lowered_disabled < 0.5 * plain_disabled
    assert lowered_live.keys() == plain_live.keys()
    for key, score in plain_live.items():
        assert lowered_live[key] == pytest.approx(score, abs=0.02), key


def test_missing_classifier_says_what_to_do_and_the_detector_runs_without(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ExpertUnavailable, match="train one"):
        GreyedFilter(tmp_path / "nope.onnx")
    detector = OnnxDetector(greyed_model=tmp_path / "nope.onnx")
    assert detector.greyed is None
    assert "without the greyed-out classifier" in caplog.text
    assert isinstance(detector.parse(Image.new("RGB", (320, 200), "white")), list)


def test_a_model_without_the_crop_contract_is_refused(tmp_path: Path) -> None:
    """The crop size and margin come from the file, as the model was trained to see a box."""
    old = with_metadata(default_greyed_path(), tmp_path / "old.onnx", CROP_KEY, None)
    with pytest.raises(ExpertUnavailable, match="not a desktop-agent greyed-out classifier"):
        GreyedFilter(old)
    assert GreyedFilter().shape == (32, 96, 3)


def test_crops_are_widened_clipped_and_skipped_when_tiny() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    image[10:30, 20:80] = 255
    crops, kept = crop_boxes(image, [(20, 10, 80, 30), (198, 50, 202, 52), (-5, -5, 40, 40)])
    assert kept == [0, 2]  # the 4 x 2 px box gives no crop
    assert crops.shape == (2, 32, 96, 3)
    # The 3 px margin shows black around the white box: the crop's border is dark.
    assert crops[0, 0].mean() < 100
    assert crops[0, 16, 48].min() == 255


def _toy_controls(root: Path, count: int, pale_live: bool = False) -> Path:
    """Checkbox-like rows with black text (live) beside pale twins (greyed);
    `pale_live`: every row is live, and pale."""
    writer = DatasetWriter(root)
    for seed in range(count):
        rng = random.Random(seed)
        image = Image.new("RGB", (400, 300), (245, 245, 245))
        draw = ImageDraw.Draw(image)
        labels, greyed = [], []
        for row in range(6):
            top = 20 + 45 * row
            left = rng.randint(10, 150)
            live = row % 2 == 0 or pale_live
            ink = (190, 190, 190) if pale_live or not live else (20, 20, 20)
            draw.rectangle((left, top + 4, left + 16, top + 20), outline=ink, width=2)
            draw.text((left + 24, top + 6), "Option", fill=ink)
            box = (left, top, left + 140, top + 26)
            if live:
                labels.append(LabeledBox(*box, "checkbox"))
            else:
                greyed.append(box)
        writer.add(Sample(image, labels, "gtk", seed, greyed=greyed))
    return root


def test_jitter_adds_moved_crops_of_training_boxes_only(tmp_path: Path) -> None:
    """The classifier judges the detector's boxes, which sit off the truth: training
    adds crops of each box with its edges moved; held-out images keep the truth."""
    data = _toy_controls(tmp_path / "data", 12)  # seeds 0 and 10 are held out
    crops, greyed, classes, held_out = collect([data])
    more, more_greyed, more_classes, more_held_out = collect([data], jitter=2)
    assert held_out.sum() == more_held_out.sum() == 2 * 6
    assert (~more_held_out).sum() == 3 * (~held_out).sum()
    assert more_greyed.sum() == 3 * greyed[~held_out].sum() + greyed[held_out].sum()
    assert sorted(set(more_classes)) == sorted(set(classes)) == ["checkbox", "greyed"]
    # The moved crops differ from the truth crops (the same box would crop the same pixels).
    truth = {c.tobytes() for c in crops}
    assert sum(c.tobytes() not in truth for c in more) >= 0.9 * 2 * (~held_out).sum()
    rng = np.random.default_rng(0)
    box = (100.0, 50.0, 300.0, 80.0)
    moves = np.asarray([np.subtract(jittered(box, rng), box) for _ in range(200)])
    limit = np.asarray([JITTER * 200, JITTER_PX, JITTER * 200, JITTER_PX])
    assert (np.abs(moves) <= limit + 1e-9).all()
    assert (np.abs(moves).max(0) > 0.8 * limit).all()  # every edge moves, up to its limit


@pytest.mark.slow
def test_train_export_and_load(tmp_path: Path) -> None:
    data = _toy_controls(tmp_path / "data", 80)
    out = tmp_path / "greyed.onnx"
    assert greyed_main(["--data", str(data), "--out", str(out), "--epochs", "12"]) == 0
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    # 8 held-out images x 3 live checkboxes, none called greyed: the class is kept.
    assert json.loads(meta[CLASSES_KEY]) == ["checkbox"]
    greyed = GreyedFilter(out)
    image = np.asarray(Image.open(next((data / "images").iterdir())).convert("RGB"))
    rows = [(10, 20 + 45 * r, 300, 46 + 45 * r) for r in range(6)]
    p = greyed.probabilities(image, rows)
    assert p[1::2].min() > p[0::2].max()  # the pale rows score above the live ones
    # Screenshots built apart from training where live checkboxes look pale: vetoed.
    unseen = _toy_controls(tmp_path / "unseen", 5, pale_live=True)
    args = ["--data", str(data), "--unseen", str(unseen), "--out", str(out), "--epochs", "12"]
    assert greyed_main(args) == 0
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(meta[CLASSES_KEY]) == []


def test_training_without_greyed_controls_says_what_to_build(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path / "data")
    image = Image.new("RGB", (200, 100), "white")
    writer.add(Sample(image, [LabeledBox(10, 10, 90, 40, "button")], "gtk", 1))
    with pytest.raises(SystemExit, match="gtk_train_set"):
        greyed_main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "g.onnx")])
