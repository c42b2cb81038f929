"""Pictures of what grounding saw: boxes by expert, numbered marks, the chosen point.

`draw_overlay` is for people (debugging, the Qt overlay, trajectories);
`draw_marks` is for models: big numbered marks for set-of-marks prompting,
where mark ``i`` (from 1) is ``elements[i - 1]``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .types import Element, GroundingResult

logger = logging.getLogger(__name__)

# One color per expert source; unknown sources get a stable color from a palette.
SOURCE_COLORS: dict[str, tuple[int, int, int]] = {
    "tesseract": (0, 160, 255),
    "rapidocr": (0, 200, 90),
    "detector": (255, 140, 0),
    "a11y": (200, 0, 200),
    "vlm": (255, 0, 90),
}
_PALETTE = [(120, 80, 255), (0, 170, 170), (180, 140, 0), (255, 90, 200), (90, 120, 0)]
_MARK_COLORS = [(220, 0, 0), (0, 90, 220), (0, 140, 0), (170, 0, 170), (200, 100, 0)]
POINT_COLOR = (255, 0, 0)
_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
)


def source_color(source: str) -> tuple[int, int, int]:
    if source in SOURCE_COLORS:
        return SOURCE_COLORS[source]
    return _PALETTE[sum(source.encode()) % len(_PALETTE)]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_FILES:
        if Path(path).is_file() or "/" not in path:
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _label(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    color: tuple[int, int, int],
    size: int,
    bounds: tuple[int, int],
) -> None:
    """A filled tag with `text`, kept inside the image."""
    font = _font(size)
    x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
    w, h = x1 - x0 + 4, y1 - y0 + 4
    x = min(max(0, xy[0]), max(0, bounds[0] - w))
    y = min(max(0, xy[1]), max(0, bounds[1] - h))
    draw.rectangle((x, y, x + w, y + h), fill=color)
    draw.text((x + 2 - x0, y + 2 - y0), text, font=font, fill=(255, 255, 255))


def draw_overlay(
    image: Image.Image,
    elements: Sequence[Element],
    *,
    result: GroundingResult | None = None,
) -> Image.Image:
    """A copy of `image` with each element's box (colored by source) and index,
    the result's box and candidates, and its point as a crosshair."""
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    bounds = out.size
    for i, element in enumerate(elements, start=1):
        b = element.box
        color = source_color(element.source)
        draw.rectangle((b.left, b.top, max(b.left, b.right - 1), max(b.top, b.bottom - 1)),
                       outline=color, width=2)  # fmt: skip
        _label(draw, (b.left, b.top - 12), str(i), color, 10, bounds)
    if result is not None:
        for cand in result.candidates:
            c = cand.box
            draw.rectangle((c.left, c.top, max(c.left, c.right - 1), max(c.top, c.bottom - 1)),
                           outline=source_color(cand.source), width=1)  # fmt: skip
        if result.box is not None:
            b = result.box
            draw.rectangle((b.left - 2, b.top - 2, b.right + 1, b.bottom + 1),
                           outline=POINT_COLOR, width=3)  # fmt: skip
        x, y = result.point
        arm = 14
        draw.line((x - arm, y, x + arm, y), fill=POINT_COLOR, width=2)
        draw.line((x, y - arm, x, y + arm), fill=POINT_COLOR, width=2)
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), outline=POINT_COLOR, width=2)
        tag = f"{result.expert} {result.confidence:.2f}"
        _label(draw, (x + arm + 2, y - arm - 2), tag, POINT_COLOR, 12, bounds)
    return out


def draw_marks(image: Image.Image, elements: Sequence[Element]) -> Image.Image:
    """A copy of `image` with every element boxed and numbered from 1, big enough
    for a vision model to read at its input resolution."""
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    size = max(14, round(min(out.size) / 45))
    for i, element in enumerate(elements, start=1):
        b = element.box
        # Neighbours get different colors so a number is not read as the next box's.
        color = _MARK_COLORS[i % len(_MARK_COLORS)]
        draw.rectangle((b.left, b.top, max(b.left, b.right - 1), max(b.top, b.bottom - 1)),
                       outline=color, width=2)  # fmt: skip
        _label(draw, (b.left, b.top - size - 4), str(i), color, size, out.size)
    logger.debug("drew %d marks", len(elements))
    return out
