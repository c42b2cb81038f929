"""TesseractOcr on images drawn with a real font, read by the real tesseract binary."""

from __future__ import annotations

import pytesseract
import pytest
from PIL import Image

from grounding import ExpertUnavailable, Grounder
from grounding.ocr import OcrConfig, OcrWord, TesseractOcr, group_lines, upscaled
from grounding.types import Box

from .dialogs import DialogPainter, FakeDialog
from .dialogs import save_dialog as paint_save_dialog


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    return TesseractOcr()


@pytest.fixture
def save_dialog() -> FakeDialog:
    return paint_save_dialog()


def _found(words: list[OcrWord], text: str, drawn: Box) -> OcrWord | None:
    for word in words:
        if word.text == text and word.box.iou(drawn) > 0.5:
            return word
    return None


def test_reads_every_word_where_it_was_drawn(save_dialog: FakeDialog, ocr: TesseractOcr) -> None:
    words = ocr.read_words(save_dialog.image)
    for text, boxes in save_dialog.words.items():
        for drawn in boxes:
            word = _found(words, text, drawn)
            assert word is not None, f"{text!r} at {drawn} not read; read {words}"
            assert 0.5 < word.confidence <= 1.0


def test_digits_are_kept(save_dialog: FakeDialog, ocr: TesseractOcr) -> None:
    words = ocr.read_words(save_dialog.image)
    line = next(ws for ws in group_lines(words) if ws[0].text == "Page")
    assert [w.text for w in line] == ["Page", "12", "of", "340"]
    assert _found(words, "340", save_dialog.words["340"][0]) is not None


def test_read_gives_text_elements(save_dialog: FakeDialog, ocr: TesseractOcr) -> None:
    elements = ocr.read(save_dialog.image)
    cancel = next(e for e in elements if e.text == "Cancel")
    assert (cancel.role, cancel.source) == ("text", "tesseract")
    assert cancel.box.iou(save_dialog.labels["Cancel"]) > 0.5


def test_group_lines_orders_lines_and_words(save_dialog: FakeDialog, ocr: TesseractOcr) -> None:
    lines = [" ".join(w.text for w in ws) for ws in group_lines(ocr.read_words(save_dialog.image))]
    assert lines.index("Save As") < lines.index("Name:") < lines.index("Other Locations")
    assert "Page 12 of 340" in lines


def test_blank_image_reads_nothing(ocr: TesseractOcr) -> None:
    assert ocr.read_words(Image.new("RGB", (200, 100), "white")) == []


def test_scale_maps_boxes_back_to_image_pixels() -> None:
    painter = DialogPainter((300, 60), font_size=9)  # small UI text
    drawn = painter.text((20, 20), "Preferences")
    words = TesseractOcr(OcrConfig(scales=(2.5,))).read_words(painter.dialog.image)
    word = _found(words, "Preferences", drawn)
    assert word is not None, words
    assert word.box.right < 300


def test_min_confidence_drops_words(save_dialog: FakeDialog) -> None:
    assert TesseractOcr(OcrConfig(min_confidence=100.1)).read_words(save_dialog.image) == []


def test_missing_binary_is_expert_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "no-such-tesseract-binary")
    with pytest.raises(ExpertUnavailable, match="apt-get install tesseract-ocr"):
        TesseractOcr()
    # In-process Tesseract needs no binary: the default grounder still reads.
    assert Grounder.default().ocr.name == "tesseract"
    # With neither, the error says how to install Tesseract.
    from grounding.tess_inproc import InProcessTesseract

    monkeypatch.setattr(InProcessTesseract, "available", staticmethod(lambda: False))
    with pytest.raises(ExpertUnavailable, match="install-system-deps"):
        Grounder.default()


def test_missing_language_is_expert_unavailable() -> None:
    installed = set(pytesseract.get_languages(config=""))
    lang = next(code for code in ("tlh", "qaa", "xyz_zz") if code not in installed)
    with pytest.raises(ExpertUnavailable, match=f"apt-get install tesseract-ocr-{lang}") as info:
        TesseractOcr(OcrConfig(lang=f"eng+{lang}"))
    assert "eng" in str(info.value)  # lists what is installed


@pytest.mark.parametrize(
    ("scale", "size"), [(2.0, (1920, 1080)), (3.0, (900, 601)), (1.5, (900, 601))]
)
def test_upscale_in_slices_equals_one_resize(scale: float, size: tuple[int, int]) -> None:
    # Text and sharp edges everywhere, including across the slice border.
    image = Image.effect_noise(size, 80).point(lambda v: 0 if v < 128 else 255)
    want = image.resize((round(size[0] * scale), round(size[1] * scale)), Image.Resampling.LANCZOS)
    got = upscaled(image, scale)
    assert got.size == want.size
    assert got.tobytes() == want.tobytes()
