"""The router: query hints, fusion of OCR with element experts, role/ordinal/position."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding import Box, Element, Grounder
from grounding.ocr import TesseractOcr
from grounding.query import parse_query
from grounding.static import StaticExpert

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    return TesseractOcr()


def draw(labels: list[tuple[str, tuple[int, int, int, int]]], size=(900, 600)) -> Image.Image:
    """Buttons with centred labels at the given boxes."""
    image = Image.new("RGB", size, (246, 245, 244))
    d = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 16)
    for text, (left, t, r, b) in labels:
        d.rectangle((left, t, r, b), outline=(170, 170, 170), fill=(232, 232, 232))
        w = d.textlength(text, font=font)
        d.text((left + (r - left - w) / 2, t + (b - t - 16) / 2 - 2), text, font=font, fill="black")
    return image


@pytest.mark.parametrize(
    ("description", "text", "role", "ordinal", "vertical", "horizontal"),
    [
        ("Save", "Save", None, None, None, None),
        ("the 'Save' button", "Save", "button", None, None, None),
        ("the second Delete button", "Delete", "button", 2, None, None),
        ("last Delete button", "Delete", "button", -1, None, None),
        ("the OK button in the top-left corner", "OK", "button", None, "top", "left"),
        ("Cancel at the bottom right", "Cancel", None, None, "bottom", "right"),
        ("the Name field", "Name", "text_field", None, None, None),
        ("the search icon", "search", "icon", None, None, None),
        ('the "Second Opinion" tab', "Second Opinion", "tab", None, None, None),
    ],
)
def test_descriptions_split_into_text_and_hints(
    description, text, role, ordinal, vertical, horizontal
):
    q = parse_query(description)
    assert (q.text, q.role, q.ordinal, q.vertical, q.horizontal) == (
        text, role, ordinal, vertical, horizontal
    )  # fmt: skip


def test_text_inside_an_element_takes_the_elements_box_and_both_experts_agree(ocr):
    button = (600, 500, 760, 560)
    image = draw([("Save", button)])
    a11y = StaticExpert("atspi", [Element(Box(*button), "button", "Save", "atspi", 1.0)])
    result = Grounder(ocr, experts=[a11y]).locate(image, "Save")
    assert result is not None
    assert result.box == Box(*button)
    assert "tesseract" in result.expert
    assert "atspi" in result.expert


def test_role_words_prefer_elements_of_that_role(ocr):
    menu_item, button = (40, 40, 240, 70), (600, 500, 760, 560)
    image = draw([("Open", menu_item), ("Open", button)])
    a11y = StaticExpert(
        "atspi",
        [
            Element(Box(*menu_item), "menu_item", "Open", "atspi"),
            Element(Box(*button), "button", "Open", "atspi"),
        ],
    )
    grounder = Grounder(ocr, experts=[a11y])
    assert grounder.locate(image, "the Open button").box == Box(*button)
    assert grounder.locate(image, "the Open menu item").box == Box(*menu_item)


def test_ordinals_count_equal_matches_in_reading_order(ocr):
    rows = [(100, 60 + 90 * i, 260, 110 + 90 * i) for i in range(3)]
    image = draw([("Delete", box) for box in rows])
    grounder = Grounder(ocr)
    for description, row in (("the first Delete", 0), ("the second Delete", 1), ("last Delete", 2)):
        result = grounder.locate(image, description)
        assert result is not None
        assert Box(*rows[row]).contains(*result.point), description


def test_position_words_pick_the_match_in_that_corner(ocr):
    corners = {"top left": (20, 20, 140, 60), "bottom right": (740, 520, 880, 570)}
    image = draw([("OK", box) for box in corners.values()])
    grounder = Grounder(ocr)
    for where, box in corners.items():
        result = grounder.locate(image, f"OK at the {where}")
        assert result is not None
        assert Box(*box).contains(*result.point), where


def test_an_icon_with_no_text_is_found_by_its_recognized_name(ocr):
    image = draw([("Save", (600, 500, 760, 560))])
    icon = Element(Box(20, 20, 52, 52), "icon", "system-search", "icons", 0.9)
    grounder = Grounder(ocr, experts=[StaticExpert("icons", [icon])])
    result = grounder.locate(image, "the search icon")
    assert result is not None
    assert result.box == icon.box
    assert result.expert == "icons"
    assert grounder.vlm_calls == 0


def test_each_expert_runs_once_per_frame(ocr):
    image = draw([("Save", (600, 500, 760, 560))])
    calls = []

    class Counting(StaticExpert):
        def parse(self, image):
            calls.append(1)
            return super().parse(image)

    grounder = Grounder(ocr, experts=[Counting("atspi", [])])
    for description in ("Save", "Cancel", "the Save button"):
        grounder.locate(image, description)
    grounder.parse(image)
    assert len(calls) == 1
    grounder.locate(draw([("Other", (10, 10, 200, 60))]), "Other")
    assert len(calls) == 2


def test_parse_lists_text_lines_and_expert_elements(ocr):
    image = draw([("Save", (600, 500, 760, 560))])
    element = Element(Box(1, 2, 30, 40), "icon", "home", "icons")
    found = Grounder(ocr, experts=[StaticExpert("icons", [element])]).parse(image)
    assert element in found
    assert any(e.text == "Save" and e.source == "tesseract" for e in found)


def _vlm(server):
    from grounding.vlm import VlmConfig, VlmGrounder

    return VlmGrounder(VlmConfig(base_url=server.base_url, model="replay-model", max_retries=0))


def test_text_found_by_ocr_costs_no_vlm_call(ocr):
    from grounding.replay_server import ReplayServer

    image = draw([("Save", (600, 500, 760, 560))])
    with ReplayServer([]) as server:
        grounder = Grounder(ocr, vlm=_vlm(server))
        assert grounder.locate(image, "Save") is not None
        assert grounder.vlm_calls == 0
        assert server.chat_requests == []


def test_the_vlm_is_asked_only_when_local_experts_find_nothing(ocr):
    from grounding.replay_server import ReplayServer, ScriptedResponse

    image = draw([("Save", (600, 500, 760, 560))])
    with ReplayServer([ScriptedResponse.message("(60, 40)")]) as server:
        grounder = Grounder(ocr, vlm=_vlm(server))
        result = grounder.locate(image, "the gear icon")
        assert result is not None
        assert result.point == (60, 40)
        assert result.expert == "vlm"
        assert grounder.vlm_calls == 1
        assert len(server.chat_requests) == 1


def test_a_bad_vlm_answer_gives_no_point(ocr):
    from grounding.replay_server import ReplayServer, ScriptedResponse

    image = draw([("Save", (600, 500, 760, 560))])
    with ReplayServer([ScriptedResponse.message("I cannot see a gear here.")]) as server:
        grounder = Grounder(ocr, vlm=_vlm(server))
        assert grounder.locate(image, "the gear icon") is None
        assert grounder.vlm_calls == 1


class _Counting:
    """A real reader that counts how often it is asked."""

    def __init__(self, reader):
        self.reader, self.name, self.calls = reader, reader.name, 0

    def read_words(self, image):
        self.calls += 1
        return self.reader.read_words(image)


def test_the_second_ocr_is_read_only_when_the_first_is_unsure(ocr):
    from grounding.rapid_ocr import RapidOcr

    image = draw([("Save", (600, 500, 760, 560)), ("7", (100, 100, 220, 200))])
    rapid = _Counting(RapidOcr())
    grounder = Grounder(ocr, fallback=rapid)
    assert grounder.locate(image, "Save") is not None
    assert rapid.calls == 0
    grounder.locate(image, "Preferences")  # on no screen at all: both asked, once
    grounder.locate(image, "Help")
    assert rapid.calls == 1


def test_the_second_ocr_finds_what_the_first_cannot_see(ocr):
    from grounding.rapid_ocr import RapidOcr

    class Blind:
        name = "blind"

        def read_words(self, image):
            return []

    image = draw([("Save", (600, 500, 760, 560))])
    result = Grounder(Blind(), fallback=RapidOcr()).locate(image, "Save")
    assert result is not None
    assert Box(600, 500, 760, 560).contains(*result.point)
    assert result.expert == "rapidocr"


def test_a_capitalised_query_treats_other_case_as_a_partial_match():
    from grounding.ocr import OcrWord
    from grounding.text_match import match_text

    title = OcrWord("save", Box(618, 10, 646, 14), 0.9, (0, 1, 1))
    button = OcrWord("Save", Box(1120, 764, 1160, 778), 0.9, (0, 2, 1))
    (only_title,) = match_text([title], "Save")
    assert not only_title.whole_line  # so the executor waits for a real "Save"
    assert match_text([title, button], "Save")[0].box == button.box
    assert match_text([title], "save")[0].whole_line  # lowercase query: any case
