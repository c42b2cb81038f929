"""Detection metrics in numpy: IoU matching and all-point-interpolated AP."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of N x 4 and M x 4 boxes (left, top, right, bottom)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter, dtype=np.float64), where=union > 0)


def greedy_match(pred: np.ndarray, scores: np.ndarray, truth: np.ndarray,
                 iou: float = 0.5) -> np.ndarray:  # fmt: skip
    """For each prediction, the index of the truth box it matched, or -1.

    Predictions go best score first (ties in input order); each takes the
    still-unmatched truth box it overlaps most, if that IoU is at least `iou`.
    """
    partner = np.full(len(pred), -1, np.int64)
    if len(pred) == 0 or len(truth) == 0:
        return partner
    overlaps = iou_matrix(pred, truth)
    taken = np.zeros(len(truth), bool)
    for i in np.argsort(-np.asarray(scores), kind="stable"):
        row = np.where(taken, -1.0, overlaps[i])
        best = int(np.argmax(row))
        if row[best] >= iou:
            taken[best] = True
            partner[i] = best
    return partner


def match(pred: np.ndarray, scores: np.ndarray, truth: np.ndarray,
          iou: float = 0.5) -> np.ndarray:  # fmt: skip
    """For each prediction, True if it took a truth box (see greedy_match)."""
    return greedy_match(pred, scores, truth, iou) >= 0


def average_precision(scores: Sequence[float], hits: Sequence[bool], num_truth: int) -> float:
    """All-point interpolated AP from every prediction's score and hit flag."""
    if num_truth == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    tp = np.asarray(hits, np.float64)[order]
    if tp.size == 0:
        return 0.0
    cum_tp = np.cumsum(tp)
    recall = cum_tp / num_truth
    precision = cum_tp / np.arange(1, tp.size + 1)
    recall = np.concatenate([[0.0], recall, [recall[-1]]])
    precision = np.concatenate([[1.0], precision, [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.where(recall[1:] != recall[:-1])[0]
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))
