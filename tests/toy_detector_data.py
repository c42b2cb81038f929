"""A tiny labelled detector dataset for training tests: one button on a plain window."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw

from grounding.detector.dataset import DatasetWriter, LabeledBox, Sample


def plain_window() -> Image.Image:
    """A light 320x224 window with three boxes drawn in a row."""
    image = Image.new("RGB", (320, 224), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    for i in range(3):
        draw.rectangle((20 + 90 * i, 40, 90 + 90 * i, 64), fill=(190, 190, 215), outline="black")
    return image


def write_button_set(folder: Path, count: int = 8) -> Path:
    """`count` windows, each with one labelled button at a seeded place."""
    writer = DatasetWriter(folder)
    for seed in range(count):
        x = random.Random(seed).randint(0, 200)
        image = plain_window()
        ImageDraw.Draw(image).rectangle((x, 120, x + 70, 150), fill=(200, 215, 190))
        writer.add(Sample(image, [LabeledBox(x, 120, x + 71, 151, "button")], "toy", seed))
    return folder
