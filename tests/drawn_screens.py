"""Screens drawn with a real font, with the boxes of what was drawn, for tests."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

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
