"""Training targets for the CenterNet-style head, and the augmentations (numpy, PIL).

Kept free of torch so that the encoding can be tested and reused on its own.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from .codec import STRIDE
from .dataset import Record

GAUSSIAN_ALPHA = 0.54  # TTFNet's elliptical-Gaussian width: sigma = alpha * side / 6


@dataclass(slots=True)
class Targets:
    heat: np.ndarray  # C x h x w, 1.0 exactly at each centre cell
    size: np.ndarray  # 2 x h x w, log(width, height in cells) at centre cells
    offset: np.ndarray  # 2 x h x w, centre within its cell
    mask: np.ndarray  # h x w, 1 where size/offset are supervised
    weight: np.ndarray  # h x w, 0 where the heat map is neither positive nor negative


def encode(boxes: np.ndarray, classes: np.ndarray, out_h: int, out_w: int,
           num_classes: int, ignore: np.ndarray | None = None) -> Targets:  # fmt: skip
    """boxes: N x 4 (left, top, right, bottom) in input pixels.

    ignore: M x 4 boxes of elements the crop cut off (a wide list row, a
    big text view): their cells are not taught as background, since the
    network would then learn that wide elements are not elements.
    """
    weight = np.ones((out_h, out_w), np.float32)
    for left, top, right, bottom in ignore if ignore is not None else ():
        x0, x1 = max(0, int(left / STRIDE)), min(out_w, math.ceil(right / STRIDE))
        y0, y1 = max(0, int(top / STRIDE)), min(out_h, math.ceil(bottom / STRIDE))
        weight[y0:y1, x0:x1] = 0.0
    heat = np.zeros((num_classes, out_h, out_w), np.float32)
    size = np.zeros((2, out_h, out_w), np.float32)
    offset = np.zeros((2, out_h, out_w), np.float32)
    mask = np.zeros((out_h, out_w), np.float32)
    ys = np.arange(out_h, dtype=np.float32)[:, None]
    xs = np.arange(out_w, dtype=np.float32)[None, :]
    # Big boxes first, so a small box's centre wins a shared cell.
    order = np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
    for i in order:
        left, top, right, bottom = boxes[i] / STRIDE
        w, h = right - left, bottom - top
        cx, cy = (left + right) / 2, (top + bottom) / 2
        ix, iy = int(cx), int(cy)
        if not (0 <= ix < out_w and 0 <= iy < out_h) or w <= 0 or h <= 0:
            continue
        sx = max(GAUSSIAN_ALPHA * w / 6, 0.5)
        sy = max(GAUSSIAN_ALPHA * h / 6, 0.5)
        x0, x1 = max(0, int(ix - 3 * sx)), min(out_w, int(ix + 3 * sx) + 1)
        y0, y1 = max(0, int(iy - 3 * sy)), min(out_h, int(iy + 3 * sy) + 1)
        g = np.exp(-((xs[:, x0:x1] - ix) ** 2) / (2 * sx * sx)
                   - ((ys[y0:y1] - iy) ** 2) / (2 * sy * sy))  # fmt: skip
        region = heat[classes[i], y0:y1, x0:x1]
        np.maximum(region, g, out=region)
        weight[y0:y1, x0:x1] = 1.0  # a kept element's own area is always taught
        size[:, iy, ix] = (math.log(w), math.log(h))
        offset[:, iy, ix] = (cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return Targets(heat, size, offset, mask, weight)


def _photometric(rgb: np.ndarray, rng: random.Random) -> np.ndarray:
    """Theme-like colour changes: dark and inverted themes, grey, contrast."""
    out = rgb.astype(np.float32)
    if rng.random() < 0.25:
        out = 255.0 - out
    if rng.random() < 0.3:
        out = out[:, :, rng.sample(range(3), 3)]
    if rng.random() < 0.2:
        out[:] = out.mean(axis=2, keepdims=True)
    contrast = rng.uniform(0.7, 1.3)
    brightness = rng.uniform(-30, 30)
    out = (out - 128.0) * contrast + 128.0 + brightness
    return np.clip(out, 0, 255)


def augment(
    record: Record,
    crop: int,
    base_scale: float,
    class_index: dict[str, int],
    rng: random.Random,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random crop of a record at a jittered scale.

    Returns (3 x crop x crop in [0,1], boxes, classes, ignored boxes): boxes
    mostly cut off by the crop are returned apart, to be ignored, and so are
    the record's own ignored regions.
    """
    image = record.load()
    scale = base_scale * math.exp(rng.uniform(math.log(0.6), math.log(1.5)))
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    image = image.resize((width, height), Image.Resampling.BILINEAR)
    if rng.random() < 0.1:
        image = ImageOps.mirror(image)  # layouts of right-to-left locales
        mirrored = True
    else:
        mirrored = False
    x0 = rng.randint(0, max(0, width - crop))
    y0 = rng.randint(0, max(0, height - crop))
    canvas = np.zeros((crop, crop, 3), np.float32)
    part = np.asarray(image.crop((x0, y0, min(width, x0 + crop), min(height, y0 + crop))))
    canvas[: part.shape[0], : part.shape[1]] = _photometric(part, rng)
    boxes, classes, ignored = [], [], []
    sx, sy = width / record.width, height / record.height

    def in_crop(left: float, top: float, right: float, bottom: float) -> tuple[float, ...]:
        """The box in crop pixels: (cut left, top, right, bottom, whole area)."""
        left, right, top, bottom = left * sx, right * sx, top * sy, bottom * sy
        if mirrored:
            left, right = width - right, width - left
        cl, ct = max(left, x0), max(top, y0)
        cr, cb = min(right, x0 + crop, width), min(bottom, y0 + crop, height)
        return cl - x0, ct - y0, cr - x0, cb - y0, (right - left) * (bottom - top)

    for region in record.ignore:
        cl, ct, cr, cb, _ = in_crop(*region)
        if cr - cl >= 2 and cb - ct >= 2:
            ignored.append((cl, ct, cr, cb))
    for box in record.boxes:
        cl, ct, cr, cb, area = in_crop(box.left, box.top, box.right, box.bottom)
        if cr - cl < 2 or cb - ct < 2:
            continue
        if (cr - cl) * (cb - ct) < 0.6 * area:
            ignored.append((cl, ct, cr, cb))  # neither positive nor negative
            continue
        boxes.append((cl, ct, cr, cb))
        classes.append(class_index[box.cls])
    return (
        canvas.transpose(2, 0, 1) / 255.0,
        np.asarray(boxes, np.float32).reshape(-1, 4),
        np.asarray(classes, np.int64),
        np.asarray(ignored, np.float32).reshape(-1, 4),
    )
