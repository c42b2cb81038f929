"""The teacher: what an earlier model finds and the labels miss is kept as a label (a
sure icon) or else neither taught as an element nor as background."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drawn_screens import small_window
from grounding.detector import teacher
from grounding.detector.dataset import (
    TEACHER_FILE,
    DatasetWriter,
    LabeledBox,
    Record,
    Sample,
    TeacherMarks,
    read_dataset,
    write_teacher,
)
from grounding.detector.metrics import iou_matrix
from grounding.detector.onnx_detector import OnnxDetector, default_model_path
from grounding.detector.targets import augment
from grounding.detector.teacher import main, mark_folder
from recorded_detectors import record_detectors


def _overlap(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _detected(detector: OnnxDetector, image: Image.Image) -> list[tuple[int, ...]]:
    """The detector's boxes, best scored first."""
    return [(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in detector.parse(image)]


def _separate_elements(boxes: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """One box per element from `boxes` (best first), none overlapping another (the
    detector may box one element as two classes, in boxes a pixel or two apart)."""
    kept: list[tuple[int, ...]] = []
    for box in boxes:
        if not any(_overlap(box, other) for other in kept):
            kept.append(box)
    return sorted(kept)


def test_read_dataset_adds_the_teachers_marks_to_each_image(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path)
    for seed in (1, 2):
        writer.add(Sample(Image.new("RGB", (60, 40)), [LabeledBox(1, 1, 9, 9, "button")],
                          "gtk", seed))  # fmt: skip
    icon = LabeledBox(40, 2, 56, 18, "icon")
    write_teacher(tmp_path, {"images/gtk-000002.webp": TeacherMarks(((10, 5, 30, 25),), (icon,))})
    with (tmp_path / TEACHER_FILE).open("a", encoding="utf-8") as out:
        out.write('{"image": "images/gtk-000001.webp", "ign')  # an interrupted write
    records = {r.seed: r for r in read_dataset(tmp_path)}
    assert records[2].ignore == ((10, 5, 30, 25),)
    assert records[2].boxes == [LabeledBox(1, 1, 9, 9, "button"), icon]
    assert records[1].ignore == ()
    assert records[1].boxes == [LabeledBox(1, 1, 9, 9, "button")]


def test_augment_passes_the_records_ignored_regions_through_the_crop(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", (200, 200), "white").save(path)
    label = LabeledBox(10, 10, 50, 50, "button")
    plain = Record(path, 200, 200, [label], "gtk", 1)
    marked = Record(path, 200, 200, [label], "gtk", 1, ignore=((100, 120, 140, 160),))
    # The crop holds the whole image at every jittered scale.
    for seed in range(8):
        _, boxes, _, ignored = augment(plain, 512, 1.0, {"button": 0}, random.Random(seed))
        assert len(boxes) == 1
        assert len(ignored) == 0
        _, boxes, _, ignored = augment(marked, 512, 1.0, {"button": 0}, random.Random(seed))
        assert len(boxes) == 1
        assert len(ignored) == 1
        (left, top, right, _bottom), (il, it, ir, ib) = boxes[0], ignored[0]
        scale = (right - left) / 40
        # Same size as the label, and where the image put it at that scale.
        assert np.allclose([ir - il, ib - it], [40 * scale, 40 * scale], atol=1e-3)
        assert abs(it - (top + 110 * scale)) < 1e-3
        assert abs(abs(il - left) - 90 * scale) < 1e-3  # either side: mirrored layouts


def test_mark_folder_ignores_what_the_teacher_finds_and_no_label_matches(tmp_path: Path) -> None:
    image = small_window()
    detector = OnnxDetector(score_threshold=0.2)
    everything = _detected(detector, image)
    found = _separate_elements(everything)
    assert len(found) >= 3, "the drawn window should give the teacher several separate elements"
    labelled, unlabelled = found[0], found[1:]
    writer = DatasetWriter(tmp_path)
    writer.add(Sample(image, [LabeledBox(*labelled, "button")], "gtk", 1))
    writer.add(Sample(image, [LabeledBox(*labelled, "button")], "qt", 2))  # complete labels
    mark_folder(detector, tmp_path, adopt=(), progress=False)
    records = {r.source: r for r in read_dataset(tmp_path)}
    assert records["gtk"].boxes == [LabeledBox(*labelled, "button")]
    ignored = set(records["gtk"].ignore)
    assert labelled not in ignored
    assert set(unlabelled) <= ignored
    assert records["qt"].ignore == ()
    # Labelling one more element takes it out of the ignored regions (and a
    # second run replaces the first run's marks).
    (tmp_path / "labels.jsonl").unlink()
    DatasetWriter(tmp_path).add(
        Sample(image, [LabeledBox(*b, "button") for b in found[:2]], "gtk", 1)
    )
    mark_folder(detector, tmp_path, adopt=(), progress=False)
    # found[1] and any other box of that element (IoU >= 0.5 with the new label).
    matched = iou_matrix(np.asarray(everything, float), np.asarray([found[1]], float))[:, 0]
    now_labelled = {b for b, iou in zip(everything, matched, strict=True) if iou >= 0.5}
    assert found[1] in now_labelled
    assert set(next(read_dataset(tmp_path)).ignore) == ignored - now_labelled


def test_sure_detections_of_an_adopted_class_become_labels(tmp_path: Path) -> None:
    image = small_window()
    detector = OnnxDetector(score_threshold=0.2)
    found = detector.parse(image)
    role = found[0].role
    of_role = sorted((e.box.left, e.box.top, e.box.right, e.box.bottom, e.score or 0.0)
                     for e in found if e.role == role)  # fmt: skip
    DatasetWriter(tmp_path).add(Sample(image, [LabeledBox(0, 380, 5, 390, "tab")], "gtk", 1))
    cut = sorted(score for *_, score in of_role)[len(of_role) // 2]
    images, ignored, adopted = mark_folder(detector, tmp_path, adopt=(role,), adopt_score=cut,
                                           progress=False)  # fmt: skip
    record = next(read_dataset(tmp_path))
    sure = [LabeledBox(*box[:4], role) for box in of_role if box[4] >= cut]
    assert sure
    assert sorted(record.boxes[1:], key=lambda b: b.to_list()) == sure
    assert record.boxes[0] == LabeledBox(0, 380, 5, 390, "tab")
    assert (images, ignored, adopted) == (1, len(found) - len(sure), len(sure))
    assert len(record.ignore) == len(found) - len(sure)
    # A second run starts from the labels alone: the first run's adopted boxes
    # are not taken for labels (which would leave nothing to adopt).
    again = mark_folder(detector, tmp_path, adopt=(role,), adopt_score=cut, progress=False)
    assert again == (images, ignored, adopted)
    assert next(read_dataset(tmp_path)) == record


def test_the_command_marks_every_folder_with_the_shipped_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = record_detectors(monkeypatch, teacher)
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        DatasetWriter(folder).add(
            Sample(small_window(), [LabeledBox(0, 0, 5, 5, "button")], "gtk", 3)
        )
    assert main(["--data", *map(str, folders)]) == 0
    for folder in folders:
        (record,) = read_dataset(folder)
        assert record.ignore, "the shipped model finds the buttons that the label misses"
    # The float model that training reads, with its verifier, not the app's 8-bit twin.
    (detector,) = used
    assert detector.model_path == default_model_path(quantized=False)
    assert detector.verifier is not None


def test_what_lies_on_a_greyed_out_control_stays_background(tmp_path: Path) -> None:
    # A greyed-out control is no target (the a11y tree and the bench leave it
    # out): the teacher must not turn its detection there into an ignored
    # region, which would stop training from teaching it as background.
    image = small_window()
    detector = OnnxDetector(score_threshold=0.2)
    found = _separate_elements(_detected(detector, image))
    assert len(found) >= 3
    greyed = found[0]
    # A region a little larger than the detection: the control's whole box.
    region = (greyed[0] - 2, greyed[1] - 2, greyed[2] + 2, greyed[3] + 2)
    writer = DatasetWriter(tmp_path)
    writer.add(Sample(image, [LabeledBox(0, 380, 5, 390, "tab")], "gtk", 1, greyed=[region]))
    mark_folder(detector, tmp_path, adopt=(), progress=False)
    record = next(read_dataset(tmp_path))
    assert record.greyed == (region,)  # read back from labels.jsonl
    ignored = set(record.ignore)
    assert greyed not in ignored
    assert set(found[1:]) <= ignored  # the others are marked as before
