"""The Agent S2-style baseline reads each frame's own words."""

from __future__ import annotations

from bench.grounding_eval import tesseract_word_baseline
from PIL import Image, ImageDraw, ImageFont


def _frame(word: str) -> Image.Image:
    image = Image.new("RGB", (400, 120), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 28)
    ImageDraw.Draw(image).text((40, 40), word, fill="black", font=font)
    return image


def test_each_frame_is_matched_against_its_own_words() -> None:
    locate = tesseract_word_baseline()
    first = _frame("Alpha")
    assert locate(first, "Alpha") is not None
    del first  # the next frame may well get the freed frame's id()
    second = _frame("Bravo")
    assert locate(second, "Bravo") is not None
    assert locate(second, "Alpha") is None
