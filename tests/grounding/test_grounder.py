"""Grounder.locate on a dialog drawn with a real font and read by the real tesseract."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from grounding import Grounder, GroundingResult, TargetNotFound
from grounding.ocr import OcrWord, TesseractOcr

from .dialogs import FakeDialog
from .dialogs import save_dialog as paint_save_dialog


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    return TesseractOcr()


@pytest.fixture
def save_dialog() -> FakeDialog:
    return paint_save_dialog()


@pytest.fixture(scope="module")
def grounder(ocr: TesseractOcr) -> Grounder:
    return Grounder(ocr)


def _located(grounder: Grounder, dialog: FakeDialog, description: str) -> GroundingResult:
    result = grounder.locate(dialog.image, description)
    assert result is not None, f"{description!r} not found; seen {grounder.parse(dialog.image)}"
    return result


def test_cancel_point_is_inside_its_text(grounder: Grounder, save_dialog: FakeDialog) -> None:
    result = _located(grounder, save_dialog, "Cancel")
    assert save_dialog.labels["Cancel"].contains(*result.point)
    assert save_dialog.buttons["Cancel"].contains(*result.point)
    assert result.box is not None
    assert result.box.iou(save_dialog.labels["Cancel"]) > 0.5
    assert result.expert == "tesseract"
    assert result.confidence >= grounder.min_confidence


def test_save_button_beats_save_as_title(grounder: Grounder, save_dialog: FakeDialog) -> None:
    result = _located(grounder, save_dialog, 'the "Save" button')
    assert save_dialog.buttons["Save"].contains(*result.point)
    assert not save_dialog.labels["Save As"].contains(*result.point)
    # The title was a candidate too, ranked below.
    assert any(c.box.iou(save_dialog.words["Save"][0]) > 0.5 for c in result.candidates[1:]), (
        result.candidates
    )


def test_name_finds_the_label(grounder: Grounder, save_dialog: FakeDialog) -> None:
    result = _located(grounder, save_dialog, "Name")
    assert save_dialog.labels["Name:"].contains(*result.point)
    best = result.candidates[0]
    assert (best.role, best.text) == ("label", "Name:")


def test_multi_word_target(grounder: Grounder, save_dialog: FakeDialog) -> None:
    result = _located(grounder, save_dialog, "Other Locations")
    assert result.box is not None
    assert result.box.iou(save_dialog.labels["Other Locations"]) > 0.7
    assert result.candidates[0].text == "Other Locations"


def test_text_with_digits(grounder: Grounder, save_dialog: FakeDialog) -> None:
    result = _located(grounder, save_dialog, "Page 12 of 340")
    assert save_dialog.labels["Page 12 of 340"].contains(*result.point)


def test_text_not_on_screen_is_none(grounder: Grounder, save_dialog: FakeDialog) -> None:
    assert grounder.locate(save_dialog.image, "Print") is None
    assert grounder.locate(save_dialog.image, "the Preferences button") is None


def test_locate_or_raise_lists_what_was_seen(grounder: Grounder, save_dialog: FakeDialog) -> None:
    with pytest.raises(TargetNotFound) as info:
        grounder.locate_or_raise(save_dialog.image, "the Print button")
    error = info.value
    assert error.description == "the Print button"
    message = str(error)
    assert "'the Print button'" in message
    for label in ("Cancel", "Other Locations", "Name:", "Page 12 of 340"):
        assert any(label in seen for seen in error.seen), error.seen
    for seen in error.seen:
        assert repr(seen) in message


def test_locate_or_raise_returns_the_result(grounder: Grounder, save_dialog: FakeDialog) -> None:
    assert grounder.locate_or_raise(save_dialog.image, "Cancel") == grounder.locate(
        save_dialog.image, "Cancel"
    )


def test_parse_gives_one_element_per_line(grounder: Grounder, save_dialog: FakeDialog) -> None:
    texts = [e.text for e in grounder.parse(save_dialog.image)]
    assert texts[0] == "Save As"  # top to bottom
    for label in ("Name:", "Other Locations", "Recent", "Page 12 of 340", "Cancel", "Save"):
        # A button's border may be read as "|" beside its label.
        assert any(text.startswith(label) for text in texts), texts


def test_blank_screen_raises_with_no_text(grounder: Grounder) -> None:
    with pytest.raises(TargetNotFound, match="no text at all"):
        grounder.locate_or_raise(Image.new("RGB", (320, 200), "white"), "Save")


# --- the frame cache ----------------------------------------------------------------


class CountingOcr:
    """Counts real tesseract reads."""

    def __init__(self, ocr: TesseractOcr, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = ocr.read_words

        def read_words(image: Image.Image) -> list[OcrWord]:
            self.calls += 1
            return real(image)

        monkeypatch.setattr(ocr, "read_words", read_words)


def test_same_frame_is_read_once(save_dialog: FakeDialog, monkeypatch: pytest.MonkeyPatch) -> None:
    ocr = TesseractOcr()
    counter = CountingOcr(ocr, monkeypatch)
    grounder = Grounder(ocr)
    first = grounder.locate(save_dialog.image, "Cancel")
    assert counter.calls == 1
    # A new image object with the same pixels is the same frame.
    assert grounder.locate(save_dialog.image.copy(), "Save") is not None
    assert grounder.locate(save_dialog.image, "Cancel") == first
    assert counter.calls == 1

    changed = save_dialog.image.copy()
    ImageDraw.Draw(changed).rectangle((355, 335, 465, 380), fill=(239, 239, 239))  # Cancel gone
    assert grounder.locate(changed, "Cancel") is None
    assert counter.calls == 2
    assert grounder.locate(changed, "Save") is not None
    assert counter.calls == 2
    assert grounder.locate(save_dialog.image, "Cancel") == first


def test_tesseract_alone_asks_its_1x_reading_for_a_label_beside_a_field() -> None:
    from drawn_screens import save_dialog as drawn_save_dialog

    dialog = drawn_save_dialog()
    grounder = Grounder.default(experts=["ocr"])
    # At 2x Tesseract loses "Name:", 19 px from the entry's border ...
    assert "Name:" not in {w.text for w in grounder.words(dialog.image)}
    # ... and its 1x reading, asked because nothing was confident, keeps it.
    result = grounder.locate(dialog.image, "Name")
    assert result is not None
    assert result.expert == "tesseract-1x"
    assert dialog.inside("Name:", result.point)
