"""Turn a crop of a button or icon into the recognizer's input, the same in training and use.

The crop's background colour is estimated from its rim, a button frame at the
rim is peeled off, the glyph is cut out tight, padded to a square and scaled
to INPUT_SIZE. Two channels, both relative to the background, so a dark icon
on a light button and a light icon on a dark one give the same input:

- ink: how far each pixel is from the background colour (any hue), 0..1;
- tone: lightness against the background, positive where the pixel is
  "more foreground" than the background (darker on light themes, lighter on
  dark ones), -1..1; it keeps the inner shading of full-colour icons.

Both are divided by the crop's strongest ink, so dimmed (insensitive) icons
look like active ones.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

INPUT_SIZE = 32
CHANNELS = 2
PREPROCESS_VERSION = "1"

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_EMPTY_INK = 0.06  # below this the crop is blank
_LINE_COVER = 0.6  # a frame line covers at least this share of its side
_RIM_DEPTH = 0.2  # frames are looked for in the outer fifth of each side


def _background(rgb: np.ndarray) -> np.ndarray:
    """Median colour of the crop's rim (a band about 15% deep), shape (3,)."""
    h, w = rgb.shape[:2]
    band = max(1, round(0.15 * min(h, w)))
    rim = np.concatenate(
        [
            rgb[:band].reshape(-1, 3),
            rgb[h - band :].reshape(-1, 3),
            rgb[band : h - band, :band].reshape(-1, 3),
            rgb[band : h - band, w - band :].reshape(-1, 3),
        ]
    )
    return np.median(rim, axis=0).astype(np.float32)


def _ink(rgb: np.ndarray, bg: np.ndarray) -> np.ndarray:
    return np.abs(rgb - bg).max(axis=2)


def _frame_depth(lines: np.ndarray) -> int:
    """Rows to drop from the start of `lines` (rows of ink, outermost first) for a frame.

    A frame is a run of lines that each cover most of the side, reached from
    the edge across nothing but blank lines; 0 when there is none.
    """
    limit = max(1, int(_RIM_DEPTH * lines.shape[0]))
    cover = (lines[:limit] > 0.1).mean(axis=1)
    depth = 0
    while depth < limit and cover[depth] < 0.1:
        depth += 1
    if depth >= limit or cover[depth] < _LINE_COVER:
        return 0
    while depth < limit and cover[depth] >= _LINE_COVER:
        depth += 1
    return depth


def _peel_frame(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) inside a button frame, or the whole crop if none.

    A frame needs lines on at least three sides: two parallel strokes alone
    are as likely to be the glyph itself (justify-fill, window-maximize).
    """
    h, w = ink.shape
    depths = (
        _frame_depth(ink),
        _frame_depth(ink[::-1]),
        _frame_depth(ink.T),
        _frame_depth(ink.T[::-1]),
    )
    if sum(d > 0 for d in depths) < 3:
        return 0, h, 0, w
    # Rounded corners reach further in than the frame's straight lines: keep
    # a margin clear on the framed sides (buttons pad their glyph anyway).
    margin = max(1, round(0.1 * min(h, w)))
    top, bottom, left, right = (d + margin if d else 0 for d in depths)
    if h - top - bottom < 2 or w - left - right < 2:
        return 0, h, 0, w
    return top, h - bottom, left, w - right


def _resize(channel: np.ndarray, size: int) -> np.ndarray:
    image = Image.fromarray(channel.astype(np.float32), mode="F")
    return np.asarray(image.resize((size, size), Image.Resampling.BILINEAR), dtype=np.float32)


def prepare_crop(crop: Image.Image, size: int = INPUT_SIZE) -> np.ndarray:
    """The model input for one crop: float32 array (CHANNELS, size, size).

    Never fails on odd input: an empty, one-pixel or blank crop gives zeros
    (which the model reads as "none").
    """
    out = np.zeros((CHANNELS, size, size), dtype=np.float32)
    if crop.width < 2 or crop.height < 2:
        return out
    rgb = np.asarray(crop.convert("RGB"), dtype=np.float32) / 255.0
    top, bottom, left, right = _peel_frame(_ink(rgb, _background(rgb)))
    rgb = rgb[top:bottom, left:right]
    bg = _background(rgb)
    ink = _ink(rgb, bg)
    peak = float(ink.max())
    if peak < _EMPTY_INK:
        return out
    ys, xs = np.nonzero(ink > max(_EMPTY_INK, 0.3 * peak))
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    side = max(y1 - y0, x1 - x0)
    side = round(side * 1.15) + 2  # a thin margin, as the glyph had in its icon
    cy, cx = (y0 + y1) / 2.0, (x0 + x1) / 2.0
    sy, sx = round(cy - side / 2.0), round(cx - side / 2.0)

    bg_luma = float(bg @ _LUMA)
    tone = rgb @ _LUMA - bg_luma
    if bg_luma >= 0.5:
        tone = -tone
    square = np.zeros((2, side, side), dtype=np.float32)
    # Paste the part of the crop that falls inside the square; outside is background (0).
    ty0, tx0 = max(0, -sy), max(0, -sx)
    fy0, fx0 = max(0, sy), max(0, sx)
    fy1, fx1 = min(ink.shape[0], sy + side), min(ink.shape[1], sx + side)
    if fy1 > fy0 and fx1 > fx0:
        square[0, ty0 : ty0 + fy1 - fy0, tx0 : tx0 + fx1 - fx0] = ink[fy0:fy1, fx0:fx1]
        square[1, ty0 : ty0 + fy1 - fy0, tx0 : tx0 + fx1 - fx0] = tone[fy0:fy1, fx0:fx1]
    out[0] = _resize(square[0], size) / peak
    out[1] = _resize(square[1], size) / peak
    np.clip(out[0], 0.0, 1.0, out=out[0])
    np.clip(out[1], -1.0, 1.0, out=out[1])
    return out


def prepare_batch(crops: list[Image.Image], size: int = INPUT_SIZE) -> np.ndarray:
    """Stacked inputs, float32 (N, CHANNELS, size, size)."""
    if not crops:
        return np.zeros((0, CHANNELS, size, size), dtype=np.float32)
    return np.stack([prepare_crop(c, size) for c in crops])
