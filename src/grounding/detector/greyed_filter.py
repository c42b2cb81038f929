"""Is a detected control greyed out? A small ONNX classifier on its crop.

Trained by `python -m grounding.detector.greyed` and shipped beside the
detector (models/greyed.onnx). Its metadata lists the detector classes it
applies to (those whose live controls it rarely mistakes for greyed ones);
OnnxDetector multiplies those boxes' scores by (1 - P(greyed out)), so a
greyed-out twin ranks below its live one and mostly under the threshold.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from grounding.errors import ExpertUnavailable
from grounding.onnx_model import open_session

logger = logging.getLogger(__name__)

MODEL_FILE = "greyed.onnx"
CLASSES_KEY = "greyed_classes"
CROP_KEY = "crop"  # [height, width, margin]: how the model was trained to see a box
CROP_HEIGHT, CROP_WIDTH = 32, 96  # controls are wide: a checkbox row, a combo box
MARGIN = 3  # px of context around the box: the frame a live entry draws


def default_greyed_path() -> Path:
    return Path(str(resources.files("grounding.detector") / "models" / MODEL_FILE))


def crop_boxes(image: np.ndarray, boxes: Sequence[Sequence[float]],
               shape: tuple[int, int, int] = (CROP_HEIGHT, CROP_WIDTH, MARGIN),
               ) -> tuple[np.ndarray, list[int]]:  # fmt: skip
    """Crops (N x height x width x 3 uint8, `shape` = height, width, margin) of the
    boxes (left, top, right, bottom in `image` pixels, widened by the margin and
    clipped), and the index of each box that gave one (a box under 6 px a side
    gives none)."""
    crop_h, crop_w, margin = shape
    height, width = image.shape[:2]
    crops, kept = [], []
    for i, (left, top, right, bottom) in enumerate(boxes):
        x0, y0 = max(0, int(left) - margin), max(0, int(top) - margin)
        x1, y1 = min(width, int(right) + margin), min(height, int(bottom) + margin)
        if x1 - x0 < 6 or y1 - y0 < 6:
            continue
        crops.append(cv2.resize(image[y0:y1, x0:x1], (crop_w, crop_h),
                                interpolation=cv2.INTER_AREA))  # fmt: skip
        kept.append(i)
    if not crops:
        return np.zeros((0, crop_h, crop_w, 3), np.uint8), kept
    return np.stack(crops), kept


class GreyedFilter:
    """P(greyed out) of boxes of the classes the model applies to."""

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        path = Path(model_path) if model_path is not None else default_greyed_path()
        if not path.is_file():
            raise ExpertUnavailable(
                f"greyed-out classifier {path} not found: reinstall desktop-agent, or train one "
                "with `python -m grounding.detector.greyed` (README, developer section)"
            )
        self._session, meta = open_session(path, threads)
        try:
            self.classes: frozenset[str] = frozenset(json.loads(meta[CLASSES_KEY]))
            crop_h, crop_w, margin = (int(v) for v in json.loads(meta[CROP_KEY]))
        except (KeyError, ValueError, TypeError) as exc:
            raise ExpertUnavailable(
                f"{path} is not a desktop-agent greyed-out classifier (metadata "
                f"'{CLASSES_KEY}' and '{CROP_KEY}' missing)"
            ) from exc
        self.shape = (crop_h, crop_w, margin)
        self.model_path = path

    def probabilities(self, image: np.ndarray, boxes: Sequence[Sequence[float]]) -> np.ndarray:
        """P(greyed out) of each box of `image` (H x W x 3 uint8); 0 for a box too
        small to judge."""
        out = np.zeros(len(boxes), np.float32)
        crops, kept = crop_boxes(image, boxes, self.shape)
        if kept:
            out[kept] = self._session.run(None, {"crops": crops})[0]
        return out
