"""Pictures of where a detector fails, for `python -m bench.detector --draw DIR`.

Each frame is saved with its ground truth and the predictions kept at the
operating point, matched as the bench matches them (greedily by score, IoU
0.5, class-agnostic): found truth in green, missed truth in red with its
class, and predictions that found nothing (false positives) in blue with
their class and score. Numbers say how much is missed; the pictures say why
(a greyed-out twin, an editor pane larger than any crop, a box a cell too wide).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from grounding import Element
from grounding.detector.metrics import greedy_match

from .detection_metrics import IOU_THRESHOLD, boxes_array, cutoff

FOUND, MISSED, FALSE = (0, 170, 0), (230, 0, 0), (0, 60, 255)


def kept(preds: Sequence[Element], threshold: float | Mapping[str, float]) -> list[Element]:
    """The predictions scoring at least their class's operating threshold."""
    return [p for p in preds if (p.score or 0.0) >= cutoff(threshold, p.role)]


def draw_failures(image: Image.Image, truth: Sequence[Element], preds: Sequence[Element],
                  threshold: float | Mapping[str, float],
                  iou: float = IOU_THRESHOLD) -> tuple[Image.Image, int, int]:  # fmt: skip
    """A copy of `image` with the matching drawn on it; also the counts of
    missed truth boxes and of false positives."""
    shown = kept(preds, threshold)
    scores = np.asarray([p.score or 0.0 for p in shown], np.float64)
    partner = greedy_match(boxes_array(shown), scores, boxes_array(truth), iou)
    found = set(partner[partner >= 0].tolist())
    out = image.convert("RGB")
    pen = ImageDraw.Draw(out)
    for j, element in enumerate(truth):
        b = element.box
        hit = j in found
        pen.rectangle((b.left, b.top, b.right - 1, b.bottom - 1), outline=FOUND if hit else MISSED,
                      width=1 if hit else 2)  # fmt: skip
        if not hit:
            pen.text((b.left + 2, b.bottom - 12), element.role, fill=MISSED)
    false_positives = 0
    for element, match in zip(shown, partner, strict=True):
        if match >= 0:
            continue
        false_positives += 1
        b = element.box
        pen.rectangle((b.left + 1, b.top + 1, b.right - 2, b.bottom - 2), outline=FALSE)
        pen.text((b.left + 3, b.top + 2), f"{element.role} {element.score:.2f}", fill=FALSE)
    return out, len(truth) - len(found), false_positives


def save_failures(folder: Path, name: str, image: Image.Image, truth: Sequence[Element],
                  preds: Sequence[Element],
                  threshold: float | Mapping[str, float]) -> Path:  # fmt: skip
    """draw_failures written to folder/name (a PNG)."""
    folder.mkdir(parents=True, exist_ok=True)
    picture, _, _ = draw_failures(image, truth, preds, threshold)
    path = folder / f"{Path(name).stem}.png"
    picture.save(path)
    return path
