"""A second look at every detected box: a small ONNX classifier on its crops.

The one-stage detector decides an element's class from one point of a 3/4
scale frame. The verifier sees each candidate box at full resolution, twice
(tightly, and with half its size again of surroundings, which shows a
radio button's group or a combo box's frame), together with the detector's
class and score, and says what the box is: one of the detector classes or
nothing; and where its edges should be (edge shifts, box_deltas: a toolbar
button boxed around its glyph grows to the button, a row cut short grows to
its length). OnnxDetector moves each box by them and rescores each candidate of class c to
sqrt(detector score x P(c)), so a box both models believe in ranks first
(never below what the detector alone would keep), and compares that with
the thresholds calibrated for it (kept in the verifier's metadata, as they
belong to the pair).

Trained by `python -m grounding.detector.verifier_train` on the detector's
own candidates over the training sets (README, developer section).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from grounding.errors import ExpertUnavailable
from grounding.onnx_model import open_session

MODEL_FILE = "verifier.onnx"
CROP_KEY = "crop"  # [height, width]: both crops' size
CLASSES_KEY = "classes"  # the detector classes it was trained for, in order
FLOOR_KEY = "candidate_threshold"  # the lowest detector score it was trained on
THRESHOLDS_KEY = "score_thresholds"  # per class, on the rescored scores
CROP_HEIGHT, CROP_WIDTH = 24, 48
TIGHT_MARGIN = 3  # px around the box: a field's frame
CONTEXT = 0.5  # of the box's width and height, on each side, plus CONTEXT_PAD px
CONTEXT_PAD = 4
FEATURES = 3  # besides the class one-hot: score, log width and log height
MAX_SHIFT = 0.5  # of the box's size, per edge: about what the context crop shows


def default_verifier_path() -> Path:
    return Path(str(resources.files("grounding.detector") / "models" / MODEL_FILE))


def _windows(boxes: np.ndarray, width: int, height: int,
             ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:  # fmt: skip
    """The tight and the context window (x0, y0, x1, y1 arrays) of N x 4 boxes, clipped."""
    box_w, box_h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    tight = np.full(len(boxes), float(TIGHT_MARGIN))
    out = []
    for mx, my in ((tight, tight), (box_w * CONTEXT + CONTEXT_PAD, box_h * CONTEXT + CONTEXT_PAD)):
        x0 = np.maximum(0, boxes[:, 0] - mx).astype(np.int64)
        y0 = np.maximum(0, boxes[:, 1] - my).astype(np.int64)
        x1 = np.maximum(np.minimum(width, boxes[:, 2] + mx).astype(np.int64), x0 + 1)
        y1 = np.maximum(np.minimum(height, boxes[:, 3] + my).astype(np.int64), y0 + 1)
        out.append((x0, y0, x1, y1))
    return out


def verifier_crops(image: np.ndarray, boxes: Sequence[Sequence[float]] | np.ndarray,
                   size: tuple[int, int] = (CROP_HEIGHT, CROP_WIDTH)) -> np.ndarray:  # fmt: skip
    """N x height x width x 6 uint8: each box's tight crop (RGB) and context crop (RGB),
    from `image` (H x W x 3 uint8; boxes in its pixels, clipped to it).

    Each crop is its window resized bilinearly (the sample points of OpenCV's
    INTER_LINEAR resize, within one grey level of it), every crop of a frame in
    one remap call: a busy frame has some 300 candidates, and one resize call
    per window cost ~10 ms of them. The two windows' sample points alternate
    along each row of the maps, so the remapped rows are already each pixel's
    six channels (gluing two 3-channel crops together afterwards cost ~2 ms).
    """
    crop_h, crop_w = size
    count = len(boxes)
    if count == 0:
        return np.zeros((0, crop_h, crop_w, 6), np.uint8)
    height, width = image.shape[:2]
    map_x = np.empty((count, crop_h, crop_w, 2), np.float32)
    map_y = np.empty((count, crop_h, crop_w, 2), np.float32)
    windows = _windows(np.asarray(boxes, np.float64).reshape(-1, 4), width, height)
    for k, (x0, y0, x1, y1) in enumerate(windows):
        step_x, step_y = (x1 - x0) / crop_w, (y1 - y0) / crop_h
        xs = x0[:, None] + (np.arange(crop_w)[None, :] + 0.5) * step_x[:, None] - 0.5
        ys = y0[:, None] + (np.arange(crop_h)[None, :] + 0.5) * step_y[:, None] - 0.5
        map_x[..., k] = np.clip(xs, x0[:, None], (x1 - 1)[:, None])[:, None, :]
        map_y[..., k] = np.clip(ys, y0[:, None], (y1 - 1)[:, None])[:, :, None]
    pixels = cv2.remap(image, map_x.reshape(-1, crop_w * 2), map_y.reshape(-1, crop_w * 2),
                       cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    return pixels.reshape(count, crop_h, crop_w, 6)


def verifier_features(classes: np.ndarray, scores: np.ndarray, boxes: np.ndarray,
                      num_classes: int) -> np.ndarray:  # fmt: skip
    """N x (num_classes + FEATURES) float32: the detector's class (one-hot), its score,
    and log(width / 32), log(height / 32) of the box in image pixels."""
    onehot = np.eye(num_classes, dtype=np.float32)[np.asarray(classes, np.int64)]
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    width = np.maximum(boxes[:, 2] - boxes[:, 0], 1.0)
    height = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    extra = np.stack([np.asarray(scores, np.float32), np.log(width / 32), np.log(height / 32)], 1)
    return np.concatenate([onehot, extra], 1).astype(np.float32)


def box_deltas(boxes: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """N x 4 edge shifts that move `boxes` onto `targets` (left, top, right, bottom),
    as fractions of each box's width and height, clipped to +-MAX_SHIFT."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    size = np.maximum(np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, 1), 1.0)
    shifts = (np.asarray(targets, np.float64).reshape(-1, 4) - boxes) / size
    return np.clip(shifts, -MAX_SHIFT, MAX_SHIFT).astype(np.float32)


def refine_boxes(boxes: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """`boxes` moved by their edge shifts (box_deltas' inverse); never inside out."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    size = np.maximum(np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, 1), 1.0)
    out = boxes + np.asarray(shifts, np.float64).reshape(-1, 4) * size
    out[:, 2:] = np.maximum(out[:, 2:], out[:, :2] + 1.0)
    return out


class BoxVerifier:
    """P(each detector class, or nothing) of candidate boxes."""

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        path = Path(model_path) if model_path is not None else default_verifier_path()
        if not path.is_file():
            raise ExpertUnavailable(
                f"box verifier {path} not found: reinstall desktop-agent, or train one with "
                "`python -m grounding.detector.verifier_train` (README, developer section)"
            )
        self._session, meta = open_session(path, threads)
        try:
            self.classes: tuple[str, ...] = tuple(json.loads(meta[CLASSES_KEY]))
            crop_h, crop_w = (int(v) for v in json.loads(meta[CROP_KEY]))
            self.floor = float(meta[FLOOR_KEY])
        except (KeyError, ValueError, TypeError) as exc:
            raise ExpertUnavailable(
                f"{path} is not a desktop-agent box verifier (metadata '{CLASSES_KEY}', "
                f"'{CROP_KEY}' and '{FLOOR_KEY}' missing)"
            ) from exc
        self.size = (crop_h, crop_w)
        # A verifier from before box refinement has one output.
        self.refines = len(self._session.get_outputs()) > 1
        self.thresholds: dict[str, float] = json.loads(meta.get(THRESHOLDS_KEY, "{}"))
        self.model_path = path

    def judge(self, image: np.ndarray, boxes: Sequence[Sequence[float]] | np.ndarray,
              classes: Sequence[int] | np.ndarray,
              scores: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """N x (len(classes) + 1) probabilities (the last: no element) of the boxes of
        `image` (H x W x 3 uint8) that the detector called `classes` with `scores`,
        and N x 4 edge shifts (box_deltas; zeros from a verifier that does not refine)."""
        if len(boxes) == 0:
            return np.zeros((0, len(self.classes) + 1), np.float32), np.zeros((0, 4), np.float32)
        crops = verifier_crops(image, boxes, self.size)
        features = verifier_features(np.asarray(classes), np.asarray(scores),
                                     np.asarray(boxes), len(self.classes))  # fmt: skip
        out = self._session.run(None, {"crops": crops, "features": features})
        shifts = out[1] if self.refines else np.zeros((len(crops), 4), np.float32)
        return np.asarray(out[0], np.float32), np.asarray(shifts, np.float32)

    def probabilities(self, image: np.ndarray, boxes: Sequence[Sequence[float]] | np.ndarray,
                      classes: Sequence[int] | np.ndarray,
                      scores: Sequence[float] | np.ndarray) -> np.ndarray:  # fmt: skip
        """judge's probabilities alone."""
        return self.judge(image, boxes, classes, scores)[0]
