"""Image-in, boxes-out conversions shared by training and the runtime expert.

Both sides must prepare pixels the same way, or the shipped model sees
something it never trained on; so the resize, padding and the decoding of
the network's outputs live here, in numpy and PIL only.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

STRIDE = 4  # the output grid is 1/4 of the input
ALIGN = 32  # input sides are padded to a multiple of the deepest stride
_MIN_BAND_ROWS = 64  # smaller images are resized in one piece
_MAX_CUT_STEP = 32  # output rows between band cuts that land on whole input rows


@dataclass(frozen=True, slots=True)
class Detection:
    left: float
    top: float
    right: float
    bottom: float
    cls: int
    score: float


def prepare(image: Image.Image, scale: float, slices: int = 1) -> tuple[np.ndarray, float, float]:
    """RGB image -> 1xHxWx3 uint8, zero-padded to multiples of ALIGN.

    The model takes bytes and converts them itself (onnxruntime does that
    faster than numpy). `slices` > 1 resizes in that many bands on as many
    threads (see `resize_into`). Returns the array and the x and y factors
    from input pixels back to image pixels.
    """
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    width = max(ALIGN, round(rgb.width * scale))
    height = max(ALIGN, round(rgb.height * scale))
    padded_w = -(-width // ALIGN) * ALIGN
    padded_h = -(-height // ALIGN) * ALIGN
    array = np.zeros((1, padded_h, padded_w, 3), dtype=np.uint8)
    if (width, height) == rgb.size:
        array[0, :height, :width] = np.asarray(rgb)
    else:
        resize_into(rgb, array[0, :height, :width], slices)
    return array, image.width / width, image.height / height


def resize_into(image: Image.Image, out: np.ndarray, slices: int = 1) -> None:
    """`image` resized (bilinear, as in training) into `out` (H x W x bands uint8),
    in row bands on `slices` threads.

    Pillow resizes without the GIL, so bands run in parallel (a 1920x1080
    frame to 3/4: ~18 ms in one piece, ~10 ms in two), each written straight
    into `out`. A band starts at an output row that falls on a whole input
    row, so it uses the filter windows of the whole resize: the bytes are
    identical at 3/4 of 1920x1080 and 1280x800, and elsewhere differ by at
    most one level where a window's float position differs by an ulp. A size
    with no such row near the middle is resized in one piece.
    """
    height, width = out.shape[:2]
    image.load()  # a lazily opened file must not be decoded by two bands at once
    step = height // math.gcd(height, image.height)  # output rows between whole input rows
    if slices < 2 or height < _MIN_BAND_ROWS * slices or step > _MAX_CUT_STEP:
        out[:] = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR))
        return
    cuts = [round(height * i / slices / step) * step for i in range(1, slices)]
    bounds = [0, *cuts, height]

    def band(top: int, bottom: int) -> None:
        # Whole input rows (exact integer arithmetic): a float box an ulp off
        # shifts every filter window and changes pixels by one level.
        box = (0, top * image.height // height, image.width, bottom * image.height // height)
        part = image.resize((width, bottom - top), Image.Resampling.BILINEAR, box=box)
        out[top:bottom] = np.asarray(part)

    with ThreadPoolExecutor(max_workers=slices) as pool:
        list(pool.map(band, bounds[:-1], bounds[1:]))


def decode(
    heat: np.ndarray,
    size: np.ndarray,
    offset: np.ndarray,
    threshold: float,
    max_detections: int = 400,
) -> list[Detection]:
    """Peaks of a (peak-filtered) heat map -> boxes in network input pixels.

    heat: C x h x w; size: 2 x h x w (log of box width/height in grid cells);
    offset: 2 x h x w (centre within its cell, 0..1).
    """
    # numpy's nonzero over three axes takes ~2.4 ms on a 1920x1080 frame's
    # heat map; over the flat array, ~0.2 ms.
    cls, ys, xs = np.unravel_index(np.flatnonzero(heat.ravel() >= threshold), heat.shape)
    if cls.size == 0:
        return []
    scores = heat[cls, ys, xs]
    if scores.size > max_detections:
        keep = np.argpartition(-scores, max_detections)[:max_detections]
        cls, ys, xs, scores = cls[keep], ys[keep], xs[keep], scores[keep]
    cx = (xs + offset[0, ys, xs]) * STRIDE
    cy = (ys + offset[1, ys, xs]) * STRIDE
    w = np.exp(np.clip(size[0, ys, xs], -4.0, 8.0)) * STRIDE
    h = np.exp(np.clip(size[1, ys, xs], -4.0, 8.0)) * STRIDE
    order = np.argsort(-scores, kind="stable")
    return [
        Detection(float(cx[i] - w[i] / 2), float(cy[i] - h[i] / 2), float(cx[i] + w[i] / 2),
                  float(cy[i] + h[i] / 2), int(cls[i]), float(scores[i]))
        for i in order
    ]  # fmt: skip


def _iou(a: Detection, b: Detection) -> float:
    iw = min(a.right, b.right) - max(a.left, b.left)
    ih = min(a.bottom, b.bottom) - max(a.top, b.top)
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top)
    return inter / max(union - inter, 1e-6)


def suppress(detections: list[Detection], iou: float = 0.5) -> list[Detection]:
    """Per-class non-maximum suppression; input sorted by score, best first.

    Classes may overlap (a combo box's entry is both a dropdown and a field),
    so only boxes of the same class suppress each other.
    """
    kept: list[Detection] = []
    for det in detections:
        if all(k.cls != det.cls or _iou(k, det) < iou for k in kept):
            kept.append(det)
    return kept
