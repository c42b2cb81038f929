"""The detector bench's metrics and CLI: stand-in detectors with known answers, a real ONNX file."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import bench._common
import numpy as np
import onnx
import pytest
from bench.detection_metrics import detection_ground_truth, evaluate_detections
from bench.grounding_eval import load_set
from onnx import TensorProto, helper
from PIL import Image, ImageDraw

from bench import detector as bench_detector
from grounding import Box, Element
from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.metrics import average_precision, greedy_match, iou_matrix

# A frame's accessibility snapshot: (role, left, top, right, bottom).
A11Y = [
    ("button", 100, 200, 140, 224),
    ("button", 200, 200, 260, 224),
    ("toggle", 300, 200, 380, 230),  # a GTK toggle button: class "button"
    ("button", 400, 200, 440, 224),
    ("checkbox", 100, 300, 220, 320),
    ("text_field", 100, 400, 500, 430),
    ("tab", 600, 100, 660, 124),
    ("list_item", 600, 300, 900, 330),
    ("list_item", 600, 330, 900, 360),
    ("label", 100, 500, 200, 520),  # not a detector class
    ("document frame", 0, 0, 40, 20),  # not in A11Y_TO_DETECTOR
    ("button", 100, 200, 140, 224),  # listed twice by AT-SPI
    ("button", 1250, 700, 1300, 724),  # half off the 1280-wide screen: clipped
    ("button", 500, 600, 503, 640),  # 3 px wide: dropped
    ("button", 2000, 100, 2040, 124),  # off screen: dropped
]
MARKED = (120, 212)  # the 4x4 cell marked red at the centre of the first button


def _a11y() -> list[Element]:
    return [Element(Box(*box), role=role, text=f"{role} {i}", source="atspi")
            for i, (role, *box) in enumerate(A11Y)]  # fmt: skip


def _truth(size: tuple[int, int] = (1280, 800)) -> list[Element]:
    return detection_ground_truth(_a11y(), size)


def _jitter(box: Box, rng: random.Random, dx: int = 0) -> Box:
    """Each edge moved by up to 5% of the side: IoU stays far above 0.5."""
    w, h = box.width, box.height
    return Box(box.left + dx + round(rng.uniform(-0.05, 0.05) * w),
               box.top + round(rng.uniform(-0.05, 0.05) * h),
               box.right + dx + round(rng.uniform(-0.05, 0.05) * w),
               box.bottom + round(rng.uniform(-0.05, 0.05) * h))  # fmt: skip


def _stand_in(truth: list[Element], seed: int = 0, drop_every_other: str = "",
              dx: int = 0, duplicate: bool = False) -> list[Element]:  # fmt: skip
    """A detector's output made from the ground truth itself."""
    rng = random.Random(seed)
    out, dropped = [], 0
    for e in truth:
        if e.role == drop_every_other:
            dropped += 1
            if dropped % 2:
                continue
        score = rng.uniform(0.5, 1.0)
        out.append(Element(_jitter(e.box, rng, dx), role=e.role, source="detector", score=score))
        if duplicate:  # the same element found twice, less sure the second time
            out.append(Element(_jitter(e.box, rng), role=e.role, source="detector",
                               score=score / 2))  # fmt: skip
    return out


def test_ground_truth_rules() -> None:
    truth = _truth()
    got = sorted((e.role, e.box.left, e.box.top, e.box.right, e.box.bottom) for e in truth)
    assert got == sorted([
        ("button", 100, 200, 140, 224), ("button", 200, 200, 260, 224),
        ("button", 300, 200, 380, 230), ("button", 400, 200, 440, 224),
        ("checkbox", 100, 300, 220, 320), ("text_field", 100, 400, 500, 430),
        ("tab", 600, 100, 660, 124), ("list_item", 600, 300, 900, 330),
        ("list_item", 600, 330, 900, 360), ("button", 1250, 700, 1280, 724),
    ])  # fmt: skip
    assert all(e.role in DETECTOR_CLASSES for e in truth)


def test_iou_and_greedy_matching_by_score() -> None:
    truth = np.asarray([[0, 0, 10, 10], [20, 0, 30, 10]], np.float64)
    pred = np.asarray([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 20], [50, 50, 60, 60]],
                      np.float64)  # fmt: skip
    iou = iou_matrix(pred, truth)
    assert iou[0, 0] == 1.0
    assert iou[1, 0] == pytest.approx(90 / 110)
    assert iou[2, 0] == pytest.approx(0.5)
    assert iou[3].tolist() == [0.0, 0.0]
    # The second prediction scores highest: it takes the first truth box, the exact
    # one (scored lower) is left a duplicate.
    partner = greedy_match(pred, np.asarray([0.5, 0.9, 0.1, 0.8]), truth)
    assert partner.tolist() == [-1, 0, -1, -1]
    # Without the higher-scored ones the half-overlapping box (IoU exactly 0.5) matches.
    assert greedy_match(pred[2:3], np.asarray([0.1]), truth).tolist() == [0]


def test_average_precision_by_hand() -> None:
    # 3 truth boxes; ranked hits T F T F T: precision 1, 1/2, 2/3, 1/2, 3/5 at recall
    # 1/3, 1/3, 2/3, 2/3, 1. Envelope: 1 up to 1/3, 2/3 up to 2/3, 3/5 up to 1.
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    assert average_precision(scores, [True, False, True, False, True], 3) == pytest.approx(
        (1 + 2 / 3 + 3 / 5) / 3
    )
    # Same hits, the misses ranked first: precision 1/3, 2/4, 3/5 -> envelope 3/5 throughout.
    assert average_precision(scores, [False, False, True, True, True], 3) == pytest.approx(0.6)
    # A missed truth box caps recall: two of four found, both ranked first.
    assert average_precision([0.9, 0.8], [True, True], 4) == pytest.approx(0.5)
    assert average_precision([], [], 2) == 0.0
    assert math.isnan(average_precision([0.5], [False], 0))


def test_perfect_detector_scores_one() -> None:
    frames = [(_truth(), _stand_in(_truth(), seed)) for seed in range(3)]
    result = evaluate_detections(frames, threshold=0.3)
    overall = result["overall"]
    assert overall["gt"] == 30
    assert overall["recall"] == 1.0
    assert overall["precision"] == 1.0
    assert overall["ap_agnostic"] == 1.0
    assert overall["map"] == 1.0
    assert overall["map_classes"] == 5
    for cls in ("button", "checkbox", "text_field", "tab", "list_item"):
        assert result["classes"][cls]["found"] == 1.0
        assert result["classes"][cls]["ap"] == 1.0


def test_dropping_half_the_buttons_halves_button_recall_only() -> None:
    truth = _truth((1200, 800))  # 4 buttons: the one at x=1250 is off this screen
    frames = [(truth, _stand_in(truth, seed, drop_every_other="button")) for seed in range(2)]
    result = evaluate_detections(frames, threshold=0.3)
    assert result["classes"]["button"]["gt"] == 8
    assert result["classes"]["button"]["found"] == 0.5
    assert result["classes"]["button"]["recall"] == 0.5
    assert result["classes"]["button"]["ap"] == 0.5
    assert result["classes"]["button"]["precision"] == 1.0
    assert result["classes"]["checkbox"]["found"] == 1.0
    assert result["overall"]["recall"] == pytest.approx(7 / 9, abs=1e-4)


def test_boxes_shifted_past_iou_half_find_nothing() -> None:
    # Each box shifted right by its own width: no overlap left.
    truth = _truth()
    preds = [Element(Box(e.box.left + e.box.width, e.box.top, e.box.right + e.box.width,
                         e.box.bottom), role=e.role, score=0.9) for e in truth]  # fmt: skip
    result = evaluate_detections([(truth, preds)], threshold=0.3)
    assert result["overall"]["recall"] == 0.0
    assert result["overall"]["precision"] == 0.0
    assert result["overall"]["map"] == 0.0
    # Shifted by a third of the width, IoU (2/3)/(4/3) = 0.5 would still count; by 40%, 0.43.
    shifted = [Element(Box(e.box.left + round(0.4 * e.box.width), e.box.top,
                           e.box.right + round(0.4 * e.box.width), e.box.bottom),
                       role=e.role, score=0.9) for e in truth]  # fmt: skip
    assert evaluate_detections([(truth, shifted)], threshold=0.3)["overall"]["recall"] == 0.0


def test_duplicates_are_false_positives() -> None:
    result = evaluate_detections([(_truth(), _stand_in(_truth(), duplicate=True))], 0.2)
    assert result["overall"]["recall"] == 1.0
    assert result["overall"]["precision"] == 0.5
    assert result["overall"]["predictions"] == 20
    assert result["overall"]["ap_agnostic"] == 1.0  # the duplicates rank below every hit
    # Each duplicate ranked just below its original, above the next element's: the
    # ranking alternates hit, miss; precision after the k-th hit is k / (2k - 1).
    interleaved = []
    for i, e in enumerate(_truth()):
        interleaved.append(Element(e.box, e.role, score=1.0 - 0.02 * i))
        interleaved.append(Element(e.box, e.role, score=0.99 - 0.02 * i))
    ap = evaluate_detections([(_truth(), interleaved)], 0.0)["overall"]["ap_agnostic"]
    assert ap == pytest.approx(sum(k / (2 * k - 1) for k in range(1, 11)) / 10, abs=1e-4)


def test_threshold_and_class_confusion() -> None:
    truth = _truth()
    preds = _stand_in(truth)
    # Below the operating threshold: counts for AP, not for recall or precision.
    low = [Element(p.box, p.role, score=0.1) if p.role == "checkbox" else p for p in preds]
    result = evaluate_detections([(truth, low)], threshold=0.3)
    assert result["classes"]["checkbox"]["found"] == 0.0
    assert result["classes"]["checkbox"]["ap"] == 1.0
    assert result["overall"]["recall"] == pytest.approx(9 / 10, abs=1e-4)
    # The tab found as a button: found ignoring class, missed with it, a false button.
    wrong = [Element(p.box, "button", score=p.score) if p.role == "tab" else p for p in preds]
    result = evaluate_detections([(truth, wrong)], threshold=0.3)
    tab = result["classes"]["tab"]
    assert (tab["found"], tab["recall"], tab["ap"]) == (1.0, 0.0, 0.0)
    assert tab["confused_as"] == {"button": 1}
    assert result["classes"]["button"]["precision"] == pytest.approx(5 / 6, abs=1e-4)
    assert result["overall"]["recall"] == 1.0


def _write_set(folder: Path) -> None:
    """Two frames (1280x800, 1920x1080) with drawn widgets and the marked cell."""
    frames = []
    for width, height in ((1280, 800), (1920, 1080)):
        image = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(image)
        for role, *box in A11Y:
            if role != "label":
                draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), outline=(90, 90, 90))
        x, y = MARKED
        draw.rectangle((x, y, x + 3, y + 3), fill=(255, 0, 0))
        name = f"drawn-{width}x{height}.png"
        image.save(folder / name)
        frames.append({"image": name, "meta": {"app": "drawn", "size": [width, height]},
                       "a11y": [e.to_dict() for e in _a11y()], "queries": []})  # fmt: skip
    (folder / "index.json").write_text(json.dumps({"frames": frames}))


def _red_cell_model(path: Path) -> Path:
    """A real ONNX detector: a "button" 40x24 wherever a 4x4 cell is pure red."""
    n = len(DETECTOR_CLASSES)
    weight = np.zeros((n, 3, 1, 1), np.float32)
    weight[DETECTOR_CLASSES.index("button"), :, 0, 0] = [1.0, -1.0, -1.0]
    zeros2 = np.zeros((2, 3, 1, 1), np.float32)
    inits = [
        helper.make_tensor("w_heat", TensorProto.FLOAT, weight.shape, weight.ravel()),
        helper.make_tensor("w_two", TensorProto.FLOAT, zeros2.shape, zeros2.ravel()),
        helper.make_tensor("b_size", TensorProto.FLOAT, [2], np.log([10.0, 6.0]).tolist()),
        helper.make_tensor("b_offset", TensorProto.FLOAT, [2], [0.0, 0.0]),
        helper.make_tensor("to_unit", TensorProto.FLOAT, [], [1.0 / 255.0]),
    ]
    nodes = [  # bytes N x H x W x 3 in, as the shipped model takes them
        helper.make_node("Cast", ["image"], ["as_float"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["as_float"], ["planes"], perm=[0, 3, 1, 2]),
        helper.make_node("Mul", ["planes", "to_unit"], ["unit"]),
        helper.make_node("AveragePool", ["unit"], ["pooled"], kernel_shape=[4, 4],
                         strides=[4, 4]),
        helper.make_node("Conv", ["pooled", "w_heat"], ["heat"]),
        helper.make_node("Conv", ["pooled", "w_two", "b_size"], ["size"]),
        helper.make_node("Conv", ["pooled", "w_two", "b_offset"], ["offset"]),
    ]  # fmt: skip
    image = helper.make_tensor_value_info("image", TensorProto.UINT8, [1, "h", "w", 3])
    outs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, None, None, None])
            for name in ("heat", "size", "offset")]  # fmt: skip
    graph = helper.make_graph(nodes, "red_cell", [image], outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (("classes", json.dumps(list(DETECTOR_CLASSES))), ("input_scale", "1.0")):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_cli_with_a_real_onnx_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    _write_set(tmp_path)
    model = _red_cell_model(tmp_path / "red.onnx")
    monkeypatch.setattr(bench._common, "RESULTS_DIR", tmp_path / "results")
    assert bench_detector.main(["--set", str(tmp_path), "--model", str(model)]) == 0
    out = capsys.readouterr().out
    saved = json.loads((tmp_path / "results" / "detector.json").read_text())
    result = saved["result"]
    assert saved["gt_counts"]["button"] == 10  # 5 per frame (toggle included, one clipped)
    # Exactly the marked button is found in each frame: 2 of 20, at full precision.
    assert result["overall"]["gt"] == 20
    assert result["overall"]["predictions"] == 2
    assert result["overall"]["recall"] == 0.1
    assert result["overall"]["precision"] == 1.0
    assert result["classes"]["button"]["recall"] == 0.2
    assert result["classes"]["checkbox"]["found"] == 0.0
    assert set(saved["latency"]) == {"1920x1080", "1280x800"}
    assert saved["latency"]["1920x1080"]["n"] == 1
    for row in saved["latency"].values():  # a real Tesseract read timed beside each parse
        assert row["yardstick_ms"] > 0
        assert row["x_yardstick"] == round(row["median_ms"] / row["yardstick_ms"], 3)
    assert "| button | 10 | 0.200 |" in out
    assert "target recall (class-agnostic) >= 0.85: 0.100 -> FAIL" in out


def test_cli_with_a_stand_in_detector_and_a_frame_glob(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_set(tmp_path)

    class StandIn:
        """Looks the frame up by its pixels and answers with its jittered ground truth."""

        name = "stand-in"

        def __init__(self) -> None:
            self.truth: dict[bytes, list[Element]] = {}
            for frame in load_set(tmp_path):
                image = Image.open(frame.image_path).convert("RGB")
                self.truth[image.tobytes()] = detection_ground_truth(frame.a11y, image.size)

        def parse(self, image: Image.Image) -> list[Element]:
            return _stand_in(self.truth[image.tobytes()])

    monkeypatch.setattr(bench_detector, "_load_detector", lambda model: lambda t: StandIn())
    monkeypatch.setattr(bench._common, "RESULTS_DIR", tmp_path / "results")
    assert bench_detector.main(["--set", str(tmp_path), "--frames", "*-1920x1080.png"]) == 0
    saved = json.loads((tmp_path / "results" / "detector.json").read_text())
    assert saved["frames"] == 1
    assert saved["result"]["overall"]["recall"] == 1.0
    assert saved["result"]["overall"]["map"] == 1.0
    assert set(saved["latency"]) == {"1920x1080"}
    assert bench_detector.main(["--set", str(tmp_path), "--frames", "nothing-*"]) == 2


def test_cli_scores_dataset_folders_by_their_labels_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grounding.detector.dataset import (
        DatasetWriter,
        LabeledBox,
        Sample,
        TeacherMarks,
        write_teacher,
    )

    image = Image.new("RGB", (640, 480), "white")
    x, y = MARKED
    ImageDraw.Draw(image).rectangle((x, y, x + 3, y + 3), fill=(255, 0, 0))
    folder = tmp_path / "gtk-unseen"
    labels = [LabeledBox(100, 200, 140, 224, "button"), LabeledBox(100, 300, 220, 320, "checkbox")]
    DatasetWriter(folder).add(Sample(image, labels, "gtk", 1))
    # A teacher's adopted box is a training aid, not ground truth.
    icon = LabeledBox(500, 40, 530, 70, "icon")
    write_teacher(folder, {"images/gtk-000001.webp": TeacherMarks((), (icon,))})
    model = _red_cell_model(tmp_path / "red.onnx")
    monkeypatch.setattr(bench._common, "RESULTS_DIR", tmp_path / "results")
    draw = tmp_path / "draw"
    args = ["--data", str(folder), "--model", str(model), "--draw", str(draw)]
    assert bench_detector.main(args) == 0
    saved = json.loads((tmp_path / "results" / "detector_data.json").read_text())
    # The picture: the missed checkbox outlined in red, the found button in green.
    picture = Image.open(draw / "gtk-unseen-gtk-000001.png")
    assert picture.getpixel((160, 300))[:3] == (230, 0, 0)
    assert picture.getpixel((120, 200))[:3] == (0, 170, 0)
    overall = saved["result"]["overall"]
    assert (overall["gt"], overall["predictions"]) == (2, 1)
    assert overall["recall"] == 0.5
    assert overall["precision"] == 1.0
    assert saved["result"]["classes"]["button"]["ap"] == 1.0
    assert "target" not in capsys.readouterr().out  # the targets are the bench's
    assert bench_detector.main(["--data", str(tmp_path / "missing")]) == 2
