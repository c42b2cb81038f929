"""Per-class score thresholds for a trained detector, chosen on held-out images.

`python -m grounding.detector.calibrate --model IN.onnx --data DIR [--unseen DIR] --out OUT.onnx`

With `--verifier V.onnx`, it calibrates the detector and that box verifier
together (on the pair's scores, sqrt(detector score x P(class)); OnnxDetector
also keeps what the detector alone would) and writes the thresholds into a
copy of the verifier, where OnnxDetector reads them when it uses one.

One threshold for every class wastes what the model knows: it scores list
rows and tabs lower than buttons even when it finds them. This runs the model
on the held-out images of the given datasets (the same every-10th-seed split
that training leaves out), and for each class picks the threshold that
maximises F-beta (beta 2 by default: a missed element cannot be grounded at
all, while an extra box only adds a candidate that the router must outscore).
The thresholds go into the model's metadata, where OnnxDetector reads them.
Classes with too few examples keep the default.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grounding.onnx_model import write_metadata

from .classes import DETECTOR_CLASSES
from .dataset import Record, read_dataset
from .metrics import greedy_match

logger = logging.getLogger(__name__)

METADATA_KEY = "score_thresholds"
DEFAULT_THRESHOLD = 0.3
GRID = tuple(round(0.05 * i, 2) for i in range(2, 13))  # 0.10 .. 0.60
MIN_TRUTH = 20  # fewer examples than this: too noisy to move the default


@dataclass
class ClassTally:
    """Every prediction's score and whether it took a truth box, for one class."""

    scores: list[float] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)
    num_truth: int = 0

    def at(self, threshold: float) -> tuple[float, float]:
        """(precision, recall) of the predictions scoring >= threshold."""
        scores = np.asarray(self.scores)
        kept = scores >= threshold
        found = int(np.asarray(self.hits, bool)[kept].sum())
        precision = found / int(kept.sum()) if kept.any() else 1.0
        recall = found / self.num_truth if self.num_truth else 0.0
        return precision, recall


def f_beta(precision: float, recall: float, beta: float) -> float:
    if precision <= 0 or recall <= 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


def best_threshold(tally: ClassTally, beta: float, grid: Sequence[float] = GRID) -> float:
    """The grid threshold with the best F-beta (the higher one on ties)."""
    if tally.num_truth < MIN_TRUTH:
        return DEFAULT_THRESHOLD
    best, best_score = DEFAULT_THRESHOLD, -1.0
    for threshold in grid:
        score = f_beta(*tally.at(threshold), beta)
        if score >= best_score:
            best, best_score = threshold, score
    return best


Prediction = tuple[float, float, float, float, str, float]  # left, top, right, bottom, cls, score


def tally_classes(
    pairs: Iterable[tuple[Record, Sequence[Prediction]]], iou: float = 0.5
) -> dict[str, ClassTally]:
    """Class-aware greedy matching of each image's predictions to its truth boxes."""
    tallies = {name: ClassTally() for name in DETECTOR_CLASSES}
    for record, predictions in pairs:
        for name, tally in tallies.items():
            truth = np.asarray(
                [(b.left, b.top, b.right, b.bottom) for b in record.boxes if b.cls == name],
                np.float64,
            ).reshape(-1, 4)
            mine = [p for p in predictions if p[4] == name]
            boxes = np.asarray([p[:4] for p in mine], np.float64).reshape(-1, 4)
            scores = np.asarray([p[5] for p in mine], np.float64)
            partner = greedy_match(boxes, scores, truth, iou)
            tally.num_truth += len(truth)
            tally.scores.extend(scores.tolist())
            tally.hits.extend((partner >= 0).tolist())
    return tallies


def held_out(folders: Sequence[Path], unseen: Sequence[Path] = ()) -> list[Record]:
    """The images training leaves out (seed % 10 == 0), with at least one box.

    Every image of an `unseen` folder counts: a set built apart from training
    (with another seed), so that its images cover every app, not only those
    that the every-10th split happens to hold out.
    """
    records = [r for f in folders for r in read_dataset(f) if r.boxes and r.seed % 10 == 0]
    return records + [r for f in unseen for r in read_dataset(f) if r.boxes]


def calibrate(model: Path, folders: Sequence[Path], beta: float, unseen: Sequence[Path] = (),
              verifier: Path | None = None) -> dict[str, dict[str, float]]:  # fmt: skip
    """Per class: the chosen threshold, and precision and recall there and at the default;
    with `verifier`, of the detector and that verifier together."""
    from PIL import Image

    from .onnx_detector import OnnxDetector

    # With a verifier: on its scores alone, without the boxes the detector alone
    # keeps (their keep factor is these thresholds over the detector's own).
    detector = OnnxDetector(model, score_threshold=min(GRID), verifier_model=verifier,
                            verifier=verifier is not None, keep_detector_boxes=False)  # fmt: skip
    records = held_out(folders, unseen)
    if not records:
        raise SystemExit(f"no held-out images in {', '.join(map(str, [*folders, *unseen]))}")
    pairs = []
    for record in records:
        with Image.open(record.path) as image:
            elements = detector.parse(image.convert("RGB"))
        pairs.append((record, [(e.box.left, e.box.top, e.box.right, e.box.bottom, e.role,
                                e.score) for e in elements]))  # fmt: skip
    logger.info("calibrating on %d held-out images", len(records))
    report = {}
    for name, tally in tally_classes(pairs).items():
        chosen = best_threshold(tally, beta)
        p, r = tally.at(chosen)
        p0, r0 = tally.at(DEFAULT_THRESHOLD)
        report[name] = {"threshold": chosen, "truth": tally.num_truth, "precision": p,
                        "recall": r, "default_precision": p0, "default_recall": r0}  # fmt: skip
    return report


def write_thresholds(model: Path, out: Path, thresholds: dict[str, float]) -> Path:
    """A copy of the model with the thresholds in its metadata (replacing any)."""
    return write_metadata(model, {METADATA_KEY: json.dumps(thresholds, sort_keys=True)}, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.calibrate",
                                     description=__doc__)  # fmt: skip
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, action="append", default=[],
                        help="a training dataset folder: its held-out images (repeat)")  # fmt: skip
    parser.add_argument(
        "--unseen",
        type=Path,
        action="append",
        default=[],
        help="a dataset built apart from training: all its images (repeat)",
    )
    parser.add_argument("--verifier", type=Path, default=None,
                        help="a box verifier (grounding.detector.verifier_train): calibrate the "
                        "pair, and write the thresholds into a copy of the verifier")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True,
                        help="may equal --model (or --verifier)")  # fmt: skip
    parser.add_argument("--beta", type=float, default=2.0, help="F-beta: >1 favours recall")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.data and not args.unseen:
        parser.error("give at least one --data or --unseen dataset folder")
    report = calibrate(args.model, args.data, args.beta, args.unseen, args.verifier)
    logger.info("| class | truth | threshold | precision | recall | at 0.3: precision | recall |")
    logger.info("|---|---|---|---|---|---|---|")
    for name, row in report.items():
        logger.info(
            "| %s | %d | %.2f | %.3f | %.3f | %.3f | %.3f |", name, row["truth"],
            row["threshold"], row["precision"], row["recall"], row["default_precision"],
            row["default_recall"],
        )  # fmt: skip
    target = args.verifier if args.verifier is not None else args.model
    path = write_thresholds(target, args.out, {k: v["threshold"] for k, v in report.items()})
    logger.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
