"""Screens drawn with a real font, with the boxes of what was drawn, for tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from grounding.types import Box

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True)
class DrawnScreen:
    image: Image.Image
    boxes: dict[str, tuple[int, int, int, int]]  # label -> (left, top, right, bottom)

    def inside(self, label: str, point: tuple[int, int]) -> bool:
        left, top, right, bottom = self.boxes[label]
        return left <= point[0] < right and top <= point[1] < bottom


def save_dialog(size: tuple[int, int] = (900, 520)) -> DrawnScreen:
    """A Save As dialog: a "Name:" label with an empty field, Cancel and Save buttons."""
    image = Image.new("RGB", size, (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 16)
    boxes: dict[str, tuple[int, int, int, int]] = {}

    draw.text((20, 32), "Name:", font=font, fill="black")
    boxes["Name:"] = tuple(int(v) for v in draw.textbbox((20, 32), "Name:", font=font))  # type: ignore[misc]
    field = (90, 24, 860, 58)
    draw.rectangle(field, outline=(53, 132, 228), fill="white", width=2)
    boxes["field"] = field

    draw.text((20, 100), "Folder: Documents", font=font, fill="black")
    for label, left in (("Cancel", 620), ("Save", 760)):
        button = (left, 450, left + 110, 490)
        draw.rectangle(button, outline=(180, 180, 180), fill=(230, 230, 230), width=1)
        text_w = draw.textlength(label, font=font)
        draw.text((left + (110 - text_w) / 2, 460), label, font=font, fill="black")
        boxes[label] = button
    return DrawnScreen(image, boxes)


def small_window() -> Image.Image:
    """Three buttons (Open, Save, Cancel), a field and a checkbox in a 640x400 window."""
    image = Image.new("RGB", (640, 400), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    for i, label in enumerate(("Open", "Save", "Cancel")):
        left = 20 + i * 120
        draw.rounded_rectangle((left, 20, left + 100, 54), radius=5, fill=(250, 250, 250),
                               outline=(190, 185, 180))  # fmt: skip
        draw.text((left + 30, 29), label, fill=(40, 40, 40), font=font)
    draw.rectangle((20, 80, 420, 112), fill="white", outline=(190, 185, 180))
    draw.rectangle((20, 130, 36, 146), fill="white", outline=(120, 120, 120))
    draw.text((44, 130), "Remember me", fill=(40, 40, 40), font=font)
    return image


ADWAITA_ACTIONS = Path("/usr/share/icons/Adwaita/16x16/actions")


def toolbar_window(icons: Sequence[str], line: str = "") -> tuple[Image.Image, dict[str, Box]]:
    """A GTK-like 640x400 window: a row of icon-only buttons showing Adwaita's 16 px
    symbolic `icons` (boxed under their names), `line` of text if given, and a labelled
    Close button (boxed as "Close")."""
    image = Image.new("RGB", (640, 400), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    draw.rectangle((0, 0, 639, 46), fill=(235, 235, 235))
    boxes: dict[str, Box] = {}
    for i, name in enumerate(icons):
        left, top = 12 + i * 44, 6
        draw.rounded_rectangle((left, top, left + 34, top + 34), radius=5,
                               fill=(250, 250, 250), outline=(205, 199, 194))  # fmt: skip
        icon = Image.open(ADWAITA_ACTIONS / f"{name}-symbolic.symbolic.png").convert("RGBA")
        image.paste(icon, (left + 9, top + 9), icon)
        boxes[name] = Box(left, top, left + 35, top + 35)
    if line:
        draw.text((20, 90), line, fill=(40, 40, 40), font=font)
    draw.rounded_rectangle((20, 330, 120, 364), radius=5, fill=(250, 250, 250),
                           outline=(205, 199, 194))  # fmt: skip
    draw.text((50, 338), "Close", fill=(40, 40, 40), font=font)
    boxes["Close"] = Box(20, 330, 121, 365)
    return image, boxes
