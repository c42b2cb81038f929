"""Image-in, boxes-out conversions shared by training and the runtime expert.

Validation, the teacher, calibration and the runtime expert must prepare
pixels the same way, or the numbers measured are not the shipped model's;
so the resize, padding and the decoding of the network's outputs live here,
in numpy, PIL and OpenCV only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

STRIDE = 4  # the output grid is 1/4 of the input
ALIGN = 32  # input sides are padded to a multiple of the deepest stride


@dataclass(frozen=True, slots=True)
class Detection:
    left: float
    top: float
    right: float
    bottom: float
    cls: int
    score: float


def prepare(image: Image.Image | np.ndarray, scale: float) -> tuple[np.ndarray, float, float]:
    """RGB image (or its H x W x 3 uint8 pixels) -> 1xHxWx3 uint8, zero-padded to
    multiples of ALIGN.

    The model takes bytes and converts them itself (onnxruntime does that
    faster than numpy). Returns the array and the x and y factors from input
    pixels back to image pixels.
    """
    if isinstance(image, np.ndarray):
        rgb: Image.Image | np.ndarray = image
        image_h, image_w = image.shape[:2]
    else:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        image_w, image_h = rgb.size
    width = max(ALIGN, round(image_w * scale))
    height = max(ALIGN, round(image_h * scale))
    padded_w = -(-width // ALIGN) * ALIGN
    padded_h = -(-height // ALIGN) * ALIGN
    array = np.zeros((1, padded_h, padded_w, 3), dtype=np.uint8)
    if (width, height) == (image_w, image_h):
        array[0, :height, :width] = np.asarray(rgb)
    else:
        # Straight into the padded array: no intermediate frame to copy
        # (~1 ms of a 1920x1080 parse).
        resize(rgb, (width, height), into=array[0, :height, :width])
    return array, image_w / width, image_h / height


def resize(image: Image.Image | np.ndarray, size: tuple[int, int],
           into: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """`image` resized to `size` (width, height): plain bilinear, as OpenCV does it.

    Not Pillow's bilinear, which widens its filter to the scale's support (an
    anti-aliasing blur) and which the training crops still use: at the 3/4
    runtime scale OpenCV's sharper one measured better on the real-app bench
    (recall 0.772 -> 0.781, mAP@0.5 0.518 -> 0.533 with the same model) and
    takes ~3 ms for a 1920x1080 frame against Pillow's ~10 ms in two threads.
    With `into` (a height x width x 3 uint8 view of a larger array, strided or
    not), OpenCV writes the pixels there and returns it.
    """
    return cv2.resize(np.asarray(image), size, dst=into, interpolation=cv2.INTER_LINEAR)


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
    scores = heat[cls, ys, xs]
    return _detections(cls, ys, xs, scores, size, offset, max_detections)


HEAD_KEY = "head_dequantize"  # metadata of a detector whose graph ends in head bytes


@dataclass(frozen=True)
class QuantizedHead:
    """How to read the bytes of an 8-bit detector's last convolution (its only output,
    1 x (C + 4) x h x w: C class logits, then log width, log height, offset x, offset
    y): value = (byte - zero_point) x scale, and the four box channels, which were
    mapped onto the logits' range to share their step, mapped back by x box_unscale
    + box_unshift. grounding.detector.quantize writes it into the model's metadata.
    """

    scale: float
    zero_point: int
    box_unscale: tuple[float, float, float, float]
    box_unshift: tuple[float, float, float, float]

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> QuantizedHead | None:
        if HEAD_KEY not in meta:
            return None
        fields = json.loads(meta[HEAD_KEY])
        return cls(float(fields["scale"]), int(fields["zero_point"]),
                   tuple(float(v) for v in fields["box_unscale"]),  # type: ignore[arg-type]
                   tuple(float(v) for v in fields["box_unshift"]))  # type: ignore[arg-type]  # fmt: skip

    def to_metadata(self) -> str:
        return json.dumps({"scale": self.scale, "zero_point": self.zero_point,
                           "box_unscale": list(self.box_unscale),
                           "box_unshift": list(self.box_unshift)})  # fmt: skip

    def values(self, data: np.ndarray) -> np.ndarray:
        """Bytes -> float32 values, as onnxruntime's DequantizeLinear computes them."""
        return (data.astype(np.float32) - np.float32(self.zero_point)) * np.float32(self.scale)

    def heat_table(self) -> np.ndarray:
        """The sigmoid of each byte's logit: 256 float32 scores, not decreasing."""
        logits = self.values(np.arange(256, dtype=np.uint8)).astype(np.float64)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


def decode_quantized(head: np.ndarray, codes: QuantizedHead, threshold: float,
                     max_detections: int = 400,
                     table: np.ndarray | None = None) -> list[Detection]:  # fmt: skip
    """decode() of an 8-bit detector's head bytes (C + 4 x h x w, QuantizedHead): the same
    boxes (scores to float rounding) as its graph with the float tail (dequantize, sigmoid,
    3x3 max-pool peaks) would give, which cost 2-4 ms a 1920x1080 frame on two cores;
    here only the candidates above `threshold` are looked at. The sigmoid is monotone, so
    a byte that is the largest of its 3x3 neighbourhood is exactly a peak of the heat map.
    `table`: heat_table(), cached.
    """
    classes = head.shape[0] - 4
    table = codes.heat_table() if table is None else table
    floor = int(np.searchsorted(table, np.float32(threshold), side="left"))
    if floor > 255:
        return []
    logits = head[:classes]
    flat = np.flatnonzero(logits.ravel() >= floor)
    cls, ys, xs = np.unravel_index(flat, logits.shape)
    # Zeros around the map act as the max-pool's -inf padding: no byte is below zero.
    padded = np.pad(logits, ((0, 0), (1, 1), (1, 1)))
    values = logits[cls, ys, xs]
    peak = np.ones(len(flat), bool)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if (dy, dx) != (1, 1):
                peak &= padded[cls, ys + dy, xs + dx] <= values
    cls, ys, xs = cls[peak], ys[peak], xs[peak]
    box = codes.values(head[classes:, ys, xs])
    box = (
        box * np.asarray(codes.box_unscale, np.float32)[:, None]
        + np.asarray(codes.box_unshift, np.float32)[:, None]
    )
    return _detections(cls, ys, xs, table[head[cls, ys, xs]], box[:2], box[2:],
                       max_detections, gathered=True)  # fmt: skip


def _detections(cls: np.ndarray, ys: np.ndarray, xs: np.ndarray, scores: np.ndarray,
                size: np.ndarray, offset: np.ndarray, max_detections: int,
                gathered: bool = False) -> list[Detection]:  # fmt: skip
    """Boxes of the peaks at (cls, ys, xs), best first. size and offset: 2 x h x w maps,
    or (gathered) 2 x N values at the peaks already."""
    if cls.size == 0:
        return []
    if scores.size > max_detections:
        keep = np.argpartition(-scores, max_detections)[:max_detections]
        cls, ys, xs, scores = cls[keep], ys[keep], xs[keep], scores[keep]
        if gathered:
            size, offset = size[:, keep], offset[:, keep]
    if gathered:
        log_w, log_h, off_x, off_y = size[0], size[1], offset[0], offset[1]
    else:
        log_w, log_h = size[0, ys, xs], size[1, ys, xs]
        off_x, off_y = offset[0, ys, xs], offset[1, ys, xs]
    cx = (xs + off_x) * STRIDE
    cy = (ys + off_y) * STRIDE
    w = np.exp(np.clip(log_w, -4.0, 8.0)) * STRIDE
    h = np.exp(np.clip(log_h, -4.0, 8.0)) * STRIDE
    order = np.argsort(-scores, kind="stable")
    # Whole arrays, then Python numbers: indexing numpy per box cost ~10 us a box
    # (~3 ms of a busy frame's 300).
    cx, cy, w, h = cx[order], cy[order], w[order], h[order]
    rows = zip((cx - w / 2).tolist(), (cy - h / 2).tolist(), (cx + w / 2).tolist(),
               (cy + h / 2).tolist(), cls[order].tolist(),
               scores[order].astype(np.float64).tolist(), strict=True)  # fmt: skip
    return [Detection(*row) for row in rows]


def suppress(detections: list[Detection], iou: float = 0.5) -> list[Detection]:
    """Per-class non-maximum suppression; input sorted by score, best first.

    Classes may overlap (a combo box's entry is both a dropdown and a field),
    so only boxes of the same class suppress each other. Greedy, in numpy: a
    busy frame decodes some 400 candidates, which pairwise in Python took ~20 ms.
    """
    if not detections:
        return []
    boxes = np.asarray([(d.left, d.top, d.right, d.bottom) for d in detections], np.float64)
    classes = np.asarray([d.cls for d in detections])
    kept = np.zeros(len(detections), bool)
    for cls in np.unique(classes):
        idx = np.flatnonzero(classes == cls)
        b = boxes[idx]
        iw = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
        ih = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
        inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        clash = inter / np.maximum(area[:, None] + area[None, :] - inter, 1e-6) >= iou
        np.fill_diagonal(clash, False)
        # A box that clashes with no other is kept whatever the order; the greedy
        # pass need only walk the others (a few dozen of a busy frame's 400).
        lonely = ~clash.any(axis=1)
        kept[idx[lonely]] = True
        crowd = np.flatnonzero(~lonely)
        suppressed = np.zeros(len(idx), bool)
        for i in crowd.tolist():
            if not suppressed[i]:
                kept[idx[i]] = True
                suppressed |= clash[i]
    return [d for d, keep in zip(detections, kept, strict=True) if keep]
