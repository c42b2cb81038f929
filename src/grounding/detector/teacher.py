"""Ignored regions from an earlier model, for labels that come from accessibility trees.

`python -m grounding.detector.teacher --model detector.onnx --data DIR [DIR ...]`

Real screenshots are labelled from their AT-SPI trees, and those trees leave
things out: the icons of an icon view, toolbar glyphs a button does not
expose, rows a list draws itself. Trained on such labels as they are, a
model learns that those things are background: fine-tuning the shipped
model on GTK screenshots lowered its icon recall on the bench from 0.54 to
0.31. This tool runs the earlier model (the teacher) over each image and
writes every confident detection that no label matches to the folder's
`ignore.jsonl` (see dataset.py), so training neither rewards nor punishes
the new model there. Synthetic sources have complete labels and are left
alone by default.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .dataset import Record, read_dataset, write_ignore
from .metrics import iou_matrix
from .onnx_detector import OnnxDetector

logger = logging.getLogger(__name__)

DEFAULT_SOURCES = ("gtk",)


def unlabelled_detections(
    detector: OnnxDetector, record: Record, match_iou: float = 0.5
) -> list[tuple[int, int, int, int]]:
    """The teacher's detections on the record's image that match none of its labels."""
    found = [e.box for e in detector.parse(record.load())]
    if not found:
        return []
    pred = np.asarray([(b.left, b.top, b.right, b.bottom) for b in found], np.float64)
    truth = np.asarray([(b.left, b.top, b.right, b.bottom) for b in record.boxes], np.float64)
    best = iou_matrix(pred, truth.reshape(-1, 4)).max(axis=1, initial=0.0)
    return [tuple(int(v) for v in pred[i]) for i in np.flatnonzero(best < match_iou)]  # type: ignore[misc]


def mark_folder(
    detector: OnnxDetector,
    folder: Path,
    sources: Sequence[str] = DEFAULT_SOURCES,
    match_iou: float = 0.5,
    progress: bool = True,
) -> tuple[int, int]:
    """Writes folder/ignore.jsonl; returns (images marked, regions)."""
    from tqdm import tqdm

    folder = Path(folder)
    # Read every record first: write_ignore replaces the file read_dataset consults.
    records = [r for r in read_dataset(folder) if r.source in sources]
    regions: dict[str, list[tuple[int, int, int, int]]] = {}
    for record in tqdm(records, desc=folder.name, file=sys.stderr, disable=not progress):
        boxes = unlabelled_detections(detector, record, match_iou)
        if boxes:
            regions[record.path.relative_to(folder).as_posix()] = boxes
    write_ignore(folder, regions)
    return len(regions), sum(len(b) for b in regions.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grounding.detector.teacher",
        description="Mark what an earlier detector finds and the labels miss as ignored "
        "regions (DIR/ignore.jsonl), for fine-tuning on accessibility-tree labels.",
    )
    parser.add_argument("--model", type=Path, default=None,
                        help="teacher ONNX model (default: the shipped detector)")  # fmt: skip
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="dataset folders")
    parser.add_argument("--sources", default=",".join(DEFAULT_SOURCES),
                        help="comma list of sources to mark (default: gtk)")  # fmt: skip
    parser.add_argument("--match-iou", type=float, default=0.5,
                        help="a detection this close to a label is not ignored")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    detector = OnnxDetector(args.model)
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    for folder in args.data:
        images, regions = mark_folder(detector, folder, sources, args.match_iou)
        logger.info("%s: %d ignored regions on %d images", folder, regions, images)
    return 0


if __name__ == "__main__":
    sys.exit(main())
