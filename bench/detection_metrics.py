"""Detection metrics for `python -m bench.detector`, in numpy (no torch, no pycocotools).

Ground truth comes from a frame's accessibility snapshot (`detection_ground_truth`).
Predictions are matched to it greedily by score at IoU 0.5, each ground-truth
box at most once (COCO style). One matching on every prediction serves both the
operating point (recall/precision of the predictions scoring at least the
threshold) and AP (the whole ranking): greedy matching by score gives the
high-scoring predictions the same partners whether the low ones exist or not.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grounding import Box, Element
from grounding.detector.classes import A11Y_TO_DETECTOR, DETECTOR_CLASSES
from grounding.detector.metrics import average_precision, greedy_match

IOU_THRESHOLD = 0.5
# Buckets of a truth box's longer side (px): a small icon, a control, a pane, an editor.
SIZE_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("< 32 px", 0, 32), ("32-127 px", 32, 128), ("128-511 px", 128, 512), (">= 512 px", 512, 10**9)
)  # fmt: skip
GT_MIN_SIDE = 4  # px: a box thinner than this is a hidden or collapsed node, not a target


def detection_ground_truth(
    elements: Sequence[Element], size: tuple[int, int], min_side: int = GT_MIN_SIDE
) -> list[Element]:
    """The detection ground truth of one frame from its accessibility elements.

    The rules, in order:
    1. the element's role maps through A11Y_TO_DETECTOR to a detector class
       (a GTK "toggle" button becomes "button"); other roles (labels, panels,
       menu-bar "menu"s, spin buttons, column headers) are not ground truth;
    2. its box is clipped to the image (`size` = width, height);
    3. the clipped box is at least `min_side` px wide and tall (drops empty,
       off-screen and collapsed nodes);
    4. identical boxes of the same class count once (AT-SPI lists some nodes twice).
    Returns Elements whose role is the detector class; text and source are kept.
    """
    width, height = size
    seen: set[tuple[str, Box]] = set()
    truth: list[Element] = []
    for element in elements:
        cls = A11Y_TO_DETECTOR.get(element.role)
        if cls is None:
            continue
        b = element.box
        left, top = max(0, b.left), max(0, b.top)
        right, bottom = min(width, b.right), min(height, b.bottom)
        if right - left < min_side or bottom - top < min_side:
            continue
        box = Box(left, top, right, bottom)
        if (cls, box) in seen:
            continue
        seen.add((cls, box))
        truth.append(Element(box, role=cls, text=element.text, source=element.source))
    return truth


def boxes_array(elements: Sequence[Element]) -> np.ndarray:
    """N x 4 float64 (left, top, right, bottom)."""
    if not elements:
        return np.zeros((0, 4), np.float64)
    return np.asarray([(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in elements],
                      np.float64)  # fmt: skip


@dataclass
class _Tally:
    """Pooled over frames for one class (or for all, class-agnostic)."""

    num_truth: int = 0
    scores: list[float] = field(default_factory=list)  # every prediction
    hits: list[bool] = field(default_factory=list)
    found_at_threshold: int = 0  # truth boxes matched by a prediction >= threshold


def evaluate_detections(
    frames: Iterable[tuple[Sequence[Element], Sequence[Element]]],
    threshold: float | Mapping[str, float],
    iou: float = IOU_THRESHOLD,
) -> dict[str, Any]:
    """Score (truth, predictions) pairs, one per frame; predictions' role is their class.

    Returns {"overall": {...}, "classes": {name: {...}}}:
    - overall: class-agnostic recall and precision of the predictions scoring
      >= `threshold` (one for all, or one per predicted class), class-agnostic
      AP, and mAP (mean of the per-class APs over the classes present in the
      truth);
    - per class: truth count, `found` (recall ignoring the predicted class),
      `recall`/`precision` with the class required, AP, prediction count, and
      `confused_as` (the predicted class of truth boxes found under another class).
    """
    agnostic = _Tally()
    per_class: dict[str, _Tally] = defaultdict(_Tally)
    found_any: Counter[str] = Counter()
    confused: dict[str, Counter[str]] = defaultdict(Counter)
    predicted: Counter[str] = Counter()
    by_size_truth: Counter[str] = Counter()
    by_size_found: Counter[str] = Counter()
    for truth, preds in frames:
        t_boxes, p_boxes = boxes_array(truth), boxes_array(preds)
        p_scores = np.asarray([p.score for p in preds], np.float64)
        keep = p_scores >= np.asarray([cutoff(threshold, p.role) for p in preds], np.float64)
        predicted.update(p.role for p, k in zip(preds, keep, strict=True) if k)
        # Class-agnostic: is there a box at all?
        partner = greedy_match(p_boxes, p_scores, t_boxes, iou)
        agnostic.num_truth += len(truth)
        agnostic.scores.extend(p_scores.tolist())
        agnostic.hits.extend((partner >= 0).tolist())
        found_truth = set(partner[(partner >= 0) & keep].tolist())
        for j, element in enumerate(truth):
            bucket = size_bucket(element.box)
            by_size_truth[bucket] += 1
            by_size_found[bucket] += j in found_truth
        for i in np.where((partner >= 0) & keep)[0]:
            agnostic.found_at_threshold += 1
            t_cls, p_cls = truth[partner[i]].role, preds[i].role
            found_any[t_cls] += 1
            if p_cls != t_cls:
                confused[t_cls][p_cls] += 1
        # Per class: predictions of a class against truth of that class only.
        for cls in {e.role for e in truth} | {p.role for p in preds}:
            t_idx = [i for i, e in enumerate(truth) if e.role == cls]
            p_idx = np.asarray([i for i, p in enumerate(preds) if p.role == cls], np.int64)
            tally = per_class[cls]
            tally.num_truth += len(t_idx)
            if p_idx.size == 0:
                continue
            partner = greedy_match(p_boxes[p_idx], p_scores[p_idx], t_boxes[t_idx], iou)
            tally.scores.extend(p_scores[p_idx].tolist())
            tally.hits.extend((partner >= 0).tolist())
            tally.found_at_threshold += int(((partner >= 0) & keep[p_idx]).sum())
    classes: dict[str, dict[str, Any]] = {}
    for cls in sorted(per_class, key=_class_order):
        tally = per_class[cls]
        n_pred = predicted[cls]
        classes[cls] = {
            "gt": tally.num_truth,
            "found": _ratio(found_any[cls], tally.num_truth),
            "recall": _ratio(tally.found_at_threshold, tally.num_truth),
            "precision": _ratio(tally.found_at_threshold, n_pred),
            "ap": _finite(average_precision(tally.scores, tally.hits, tally.num_truth)),
            "predictions": n_pred,
            "confused_as": dict(confused[cls].most_common()),
        }
    aps = [c["ap"] for c in classes.values() if c["gt"] > 0]
    n_pred_total = sum(predicted.values())
    overall = {
        "gt": agnostic.num_truth,
        "predictions": n_pred_total,
        "matched": agnostic.found_at_threshold,
        "recall": _ratio(agnostic.found_at_threshold, agnostic.num_truth),
        "precision": _ratio(agnostic.found_at_threshold, n_pred_total),
        "ap_agnostic": _finite(
            average_precision(agnostic.scores, agnostic.hits, agnostic.num_truth)
        ),
        "map": round(float(np.mean(aps)), 4) if aps else None,
        "map_classes": len(aps),
        # Class-agnostic recall at the operating point by the truth box's size.
        "recall_by_size": {
            name: {"gt": by_size_truth[name],
                   "recall": _ratio(by_size_found[name], by_size_truth[name])}
            for name, _, _ in SIZE_BUCKETS if by_size_truth[name]
        },
    }  # fmt: skip
    shown = threshold if isinstance(threshold, float | int) else dict(threshold)
    return {"iou": iou, "threshold": shown, "overall": overall, "classes": classes}


def cutoff(threshold: float | Mapping[str, float], role: str) -> float:
    """The operating threshold of a prediction of class `role`."""
    return float(threshold) if isinstance(threshold, float | int) else threshold[role]


def size_bucket(box: Box) -> str:
    """The SIZE_BUCKETS name of a box, by its longer side."""
    side = max(box.right - box.left, box.bottom - box.top)
    return next(name for name, low, high in SIZE_BUCKETS if low <= side < high)


def _class_order(name: str) -> tuple[int, str]:
    return (DETECTOR_CLASSES.index(name) if name in DETECTOR_CLASSES else len(DETECTOR_CLASSES),
            name)  # fmt: skip


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)
