"""What an earlier model finds and accessibility-tree labels miss, for fine-tuning.

`python -m grounding.detector.teacher --model detector.onnx --data DIR [DIR ...]`

Real screenshots are labelled from their AT-SPI trees, and those trees leave
things out: the icons of an icon view, toolbar glyphs a button does not
expose, rows a list draws itself. Trained on such labels as they are, a
model learns that those things are background: fine-tuning the detector
on GTK screenshots lowered its icon recall on the bench from 0.54 to 0.31
(0.53 with these marks). This tool runs the earlier model (the teacher) over each image and
writes every detection that no label matches to the folder's
`teacher.jsonl` (see dataset.py): as a label where the teacher is sure of a
class it should keep (icons, by default), else as a region that training
neither rewards nor punishes. Synthetic sources have complete labels and
are left alone by default. Nor does it mark what lies on a greyed-out
control that the labels record (`Record.greyed`): such a control is no
target, so it stays background, as the bench counts it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .dataset import (
    LabeledBox,
    Record,
    Region,
    TeacherMarks,
    read_dataset,
    write_teacher,
)
from .metrics import iou_matrix
from .onnx_detector import OnnxDetector, default_model_path
from .verifier import default_verifier_path

logger = logging.getLogger(__name__)

DEFAULT_SOURCES = ("gtk",)
# Icons are what a fine-tune on AT-SPI labels loses first (icon views, glyphs
# in toolbars); the teacher's sure ones are kept as labels.
DEFAULT_ADOPT = ("icon",)
DEFAULT_ADOPT_SCORE = 0.5


def teacher_marks(
    detector: OnnxDetector,
    record: Record,
    match_iou: float = 0.5,
    adopt: Sequence[str] = DEFAULT_ADOPT,
    adopt_score: float = DEFAULT_ADOPT_SCORE,
) -> TeacherMarks:
    """The teacher's detections on the record's image that match none of its labels:
    those of an adopted class scored at least adopt_score as boxes, the rest ignored;
    a detection lying mostly (half its area or more) on a greyed-out control is left
    as background."""
    found = detector.parse(record.load())
    if not found:
        return TeacherMarks()
    pred = np.asarray([(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in found],
                      np.float64)  # fmt: skip
    truth = np.asarray([(b.left, b.top, b.right, b.bottom) for b in record.boxes], np.float64)
    best = iou_matrix(pred, truth.reshape(-1, 4)).max(axis=1, initial=0.0)
    on_greyed = _covered_share(pred, np.asarray(record.greyed, np.float64).reshape(-1, 4))
    ignore: list[Region] = []
    boxes: list[LabeledBox] = []
    for i in np.flatnonzero((best < match_iou) & (on_greyed < 0.5)):
        element, box = found[i], found[i].box
        if element.role in adopt and (element.score or 0.0) >= adopt_score:
            boxes.append(LabeledBox(box.left, box.top, box.right, box.bottom, element.role))
        else:
            ignore.append((box.left, box.top, box.right, box.bottom))
    return TeacherMarks(tuple(ignore), tuple(boxes))


def _covered_share(pred: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """For each predicted box, the largest share of its area that one region covers."""
    if len(pred) == 0 or len(regions) == 0:
        return np.zeros(len(pred))
    width = np.minimum(pred[:, None, 2], regions[None, :, 2]) - np.maximum(
        pred[:, None, 0], regions[None, :, 0])  # fmt: skip
    height = np.minimum(pred[:, None, 3], regions[None, :, 3]) - np.maximum(
        pred[:, None, 1], regions[None, :, 1])  # fmt: skip
    inter = np.clip(width, 0, None) * np.clip(height, 0, None)
    area = np.maximum((pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1]), 1.0)
    return (inter / area[:, None]).max(axis=1)


def mark_folder(
    detector: OnnxDetector,
    folder: Path,
    sources: Sequence[str] = DEFAULT_SOURCES,
    match_iou: float = 0.5,
    adopt: Sequence[str] = DEFAULT_ADOPT,
    adopt_score: float = DEFAULT_ADOPT_SCORE,
    progress: bool = True,
) -> tuple[int, int, int]:
    """Writes folder/teacher.jsonl; returns (images marked, regions ignored, boxes adopted)."""
    from tqdm import tqdm

    folder = Path(folder)
    # The labels alone: the marks of an earlier run are replaced, not built on.
    records = [r for r in read_dataset(folder, teacher=False) if r.source in sources]
    marks: dict[str, TeacherMarks] = {}
    for record in tqdm(records, desc=folder.name, file=sys.stderr, disable=not progress):
        mark = teacher_marks(detector, record, match_iou, adopt, adopt_score)
        if mark.ignore or mark.boxes:
            marks[record.path.relative_to(folder).as_posix()] = mark
    write_teacher(folder, marks)
    return (len(marks), sum(len(m.ignore) for m in marks.values()),
            sum(len(m.boxes) for m in marks.values()))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grounding.detector.teacher",
        description="Mark what an earlier detector finds and the labels miss, as labels or "
        "ignored regions (DIR/teacher.jsonl), for fine-tuning on accessibility-tree labels.",
    )
    parser.add_argument("--model", type=Path, default=None,
                        help="teacher ONNX model (default: the shipped float detector with "
                        "its verifier: the model training reads, not its 8-bit twin)")  # fmt: skip
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="dataset folders")
    parser.add_argument("--sources", default=",".join(DEFAULT_SOURCES),
                        help="comma list of sources to mark (default: gtk)")  # fmt: skip
    parser.add_argument("--match-iou", type=float, default=0.5,
                        help="a detection this close to a label is not marked")  # fmt: skip
    parser.add_argument("--adopt", default=",".join(DEFAULT_ADOPT),
                        help="comma list of classes whose sure detections become labels "
                        "(default: icon; empty: ignore every unlabelled detection)")  # fmt: skip
    parser.add_argument("--adopt-score", type=float, default=DEFAULT_ADOPT_SCORE,
                        help="the teacher's score from which a detection is adopted")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.model is None:
        detector = OnnxDetector(default_model_path(quantized=False),
                                verifier_model=default_verifier_path())  # fmt: skip
    else:
        detector = OnnxDetector(args.model)
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    adopt = tuple(s.strip() for s in args.adopt.split(",") if s.strip())
    for folder in args.data:
        images, ignored, adopted = mark_folder(detector, folder, sources, args.match_iou, adopt,
                                               args.adopt_score)  # fmt: skip
        logger.info("%s: %d regions ignored and %d boxes adopted on %d images", folder, ignored,
                    adopted, images)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
