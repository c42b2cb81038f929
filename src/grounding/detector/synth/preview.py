"""`render_preview`: a sample with its boxes drawn in class colours, for eyeballing labels."""

from __future__ import annotations

from PIL import Image, ImageDraw

from grounding.detector.classes import CLASS_INDEX
from grounding.detector.dataset import Sample

COLORS: dict[str, tuple[int, int, int]] = {
    "button": (230, 25, 75), "text_field": (60, 180, 75), "checkbox": (255, 150, 0),
    "radio": (0, 130, 200), "dropdown": (145, 30, 180), "tab": (70, 240, 240),
    "menu_item": (240, 50, 230), "list_item": (170, 110, 40), "link": (0, 0, 255),
    "slider": (128, 128, 0), "toggle": (255, 225, 25), "icon": (0, 200, 200),
}  # fmt: skip


def render_preview(sample: Sample) -> Image.Image:
    """A copy of the image with every box outlined and named."""
    image = sample.image.convert("RGB")
    draw = ImageDraw.Draw(image)
    for box in sample.boxes:
        color = COLORS.get(box.cls, (255, 0, 0)) if box.cls in CLASS_INDEX else (255, 0, 0)
        draw.rectangle((box.left, box.top, box.right - 1, box.bottom - 1), outline=color, width=2)
        label = box.cls
        w = draw.textlength(label)
        draw.rectangle((box.left, box.top, box.left + w + 2, box.top + 10), fill=color)
        draw.text((box.left + 1, box.top - 1), label, fill=(0, 0, 0))
    return image
