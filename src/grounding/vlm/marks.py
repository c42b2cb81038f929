"""Set-of-marks: candidate boxes drawn as numbered outlines on a screenshot copy."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from grounding.types import Box

# High-contrast colours that stay apart from each other and from grey UIs.
_COLOURS = (
    (230, 25, 75),
    (0, 130, 200),
    (60, 180, 75),
    (245, 130, 48),
    (145, 30, 180),
    (0, 128, 128),
    (240, 50, 230),
    (128, 0, 0),
)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow >= 10.1 ships a scalable default font; no system font needed.
    return ImageFont.load_default(size=size)


def label_size(image_size: tuple[int, int]) -> int:
    """Font size for mark numbers: readable by a VLM at the size it is sent."""
    return max(14, min(28, max(image_size) // 60))


def draw_marks(image: Image.Image, boxes: Sequence[Box]) -> Image.Image:
    """A copy of `image` with box i outlined and labelled with number i + 1."""
    marked = image.convert("RGB")
    draw = ImageDraw.Draw(marked)
    size = label_size(marked.size)
    font = _font(size)
    line = max(2, size // 8)
    for index, box in enumerate(boxes):
        colour = _COLOURS[index % len(_COLOURS)]
        draw.rectangle(
            (box.left, box.top, max(box.left, box.right - 1), max(box.top, box.bottom - 1)),
            outline=colour,
            width=line,
        )
        text = str(index + 1)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        width, height = right - left + 2 * line + 4, bottom - top + 2 * line + 2
        # Label above the box's top-left corner, or inside it at the screen's top edge.
        x = min(max(0, box.left), max(0, marked.width - width))
        y = box.top - height if box.top - height >= 0 else box.top
        draw.rectangle((x, y, x + width - 1, y + height - 1), fill=colour)
        draw.text((x + line + 2 - left, y + line - top), text, fill=(255, 255, 255), font=font)
    return marked
