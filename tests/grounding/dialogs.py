"""Fake dialogs drawn with a real TrueType font, for the real Tesseract to read.

Not a conftest.py: a second conftest module would shadow tests/conftest.py
for `from conftest import ...`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from grounding.types import Box

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BACKGROUND = (239, 239, 239)


@dataclass
class FakeDialog:
    """The image and where each piece of text was drawn (exact ink boxes)."""

    image: Image.Image
    labels: dict[str, Box] = field(default_factory=dict)  # whole label -> its text box
    words: dict[str, list[Box]] = field(default_factory=dict)  # word -> its boxes
    buttons: dict[str, Box] = field(default_factory=dict)  # button label -> its frame


class DialogPainter:
    def __init__(self, size: tuple[int, int], font_size: int = 15) -> None:
        if not FONT_PATH.exists():
            raise AssertionError(f"{FONT_PATH} is missing: apt-get install fonts-dejavu-core")
        self.font = ImageFont.truetype(str(FONT_PATH), font_size)
        self.dialog = FakeDialog(Image.new("RGB", size, BACKGROUND))
        self.draw = ImageDraw.Draw(self.dialog.image)

    def text(self, xy: tuple[float, float], label: str) -> Box:
        x, y = xy
        self.draw.text(xy, label, font=self.font, fill=(20, 20, 20))
        box = Box(*(round(v) for v in self.draw.textbbox(xy, label, font=self.font)))
        self.dialog.labels[label] = box
        prefix = ""
        for word in label.split():
            left = x + self.font.getlength(prefix)
            word_box = self.draw.textbbox((left, y), word, font=self.font)
            self.dialog.words.setdefault(word, []).append(Box(*(round(v) for v in word_box)))
            prefix += word + " "
        return box

    def button(self, frame: tuple[int, int, int, int], label: str) -> Box:
        self.draw.rounded_rectangle(frame, 4, fill=(225, 225, 225), outline=(130, 130, 130))
        left, top, right, bottom = self.draw.textbbox((0, 0), label, font=self.font)
        x = (frame[0] + frame[2] - (right - left)) // 2 - left
        y = (frame[1] + frame[3] - (bottom - top)) // 2 - top
        self.dialog.buttons[label] = Box(*frame)
        return self.text((x, y), label)

    def field(self, frame: tuple[int, int, int, int]) -> None:
        self.draw.rectangle(frame, fill=(255, 255, 255), outline=(130, 130, 130))


@functools.cache
def save_dialog() -> FakeDialog:
    """A GTK-like "Save As" dialog: title, a labelled field, a sidebar, buttons.

    Shared by tests: copy the image before drawing on it.
    """
    painter = DialogPainter((640, 400))
    painter.draw.rectangle((0, 0, 639, 40), fill=(220, 220, 225))
    painter.text((270, 12), "Save As")
    painter.text((20, 64), "Name:")
    painter.field((90, 58, 420, 88))
    painter.text((20, 120), "Other Locations")
    painter.text((20, 160), "Recent")
    painter.text((240, 160), "Page 12 of 340")
    painter.button((360, 340, 460, 375), "Cancel")
    painter.button((500, 340, 600, 375), "Save")
    return painter.dialog
