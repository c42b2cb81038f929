"""The Agent S2-style baseline reads each frame's own words, once."""

from __future__ import annotations

import bench.grounding_eval as grounding_eval
import pytest
from bench.grounding_eval import tesseract_word_baseline
from PIL import Image, ImageDraw, ImageFont

from grounding.ocr import OcrWord, TesseractOcr


def _frame(word: str) -> Image.Image:
    image = Image.new("RGB", (400, 120), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 28)
    ImageDraw.Draw(image).text((40, 40), word, fill="black", font=font)
    return image


def test_each_frame_is_read_once_and_matched_against_its_own_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A freed frame's id() is reused by a later one; make every id() collide, so a
    # cache keyed by id() would answer the second frame with the first one's words.
    monkeypatch.setattr(grounding_eval, "id", lambda _obj: 0, raising=False)
    reads: list[Image.Image] = []
    read_words = TesseractOcr.read_words

    def counted(self: TesseractOcr, image: Image.Image) -> list[OcrWord]:
        reads.append(image)
        return read_words(self, image)

    monkeypatch.setattr(TesseractOcr, "read_words", counted)
    locate = tesseract_word_baseline()
    first = _frame("Alpha")
    assert locate(first, "Alpha") is not None
    assert locate(first, "Bravo") is None
    second = _frame("Bravo")
    assert locate(second, "Bravo") is not None
    assert locate(second, "Alpha") is None
    assert reads == [first, second]  # one OCR pass per frame, not per query
