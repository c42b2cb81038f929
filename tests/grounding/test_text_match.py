"""The text expert's matching rules, on hand-made OCR words (no tesseract needed)."""

from __future__ import annotations

import pytest

from grounding.ocr import OcrWord
from grounding.text_match import match_text, normalize, text_query, visual_lines
from grounding.types import Box


def word(text: str, left: int, top: int, *, height: int = 12, conf: float = 0.95) -> OcrWord:
    """A word whose width follows its length, like a 7 px-per-letter UI font."""
    return OcrWord(text, Box(left, top, left + 7 * len(text), top + height), conf, (0, 0, 0))


def row(text: str, left: int, top: int, *, conf: float = 0.95) -> list[OcrWord]:
    """Words of one label, a space (5 px) apart."""
    words = []
    for part in text.split():
        words.append(word(part, left, top, conf=conf))
        left += 7 * len(part) + 5
    return words


# --- text_query ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "query"),
    [
        ('the "Save" button', "Save"),
        ("the 'Save' button", "Save"),
        ("click “Open File” in the menu", "Open File"),
        ("«Enregistrer»", "Enregistrer"),
        ("the ‘Don’t Save’ button", "Don’t Save"),
        ("the 'Don't Save' button", "Don't Save"),
        ('Don\'t touch "Cancel"', "Cancel"),  # an apostrophe is not an opening quote
        ('the user\'s "OK" button', "OK"),
        ('"  padded  "', "padded"),
        ("Save button", "Save"),
        ("the Save button", "Save"),
        ("a Name field", "Name"),
        ("an Options menu item", "Options"),
        ("The File menu", "File"),
        ("button", "button"),  # a lone role word is the text itself
        ("Tab", "Tab"),
        ("the", ""),
        ("Other Locations", "Other Locations"),
        ("theme settings", "theme settings"),  # only the whole word "the" is dropped
        ("Menu bar", "Menu bar"),  # role words are dropped only at the end
    ],
)
def test_text_query(description: str, query: str) -> None:
    assert text_query(description) == query


# --- normalize ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name:", "name"),
        ("  Save   As  ", "save as"),
        ("(Cancel)", "cancel"),
        ("“Quoted”", "quoted"),
        ("Don’t Save", "don't save"),
        ("Straße", "strasse"),  # casefold, not lower
        ("ﬁle", "file"),  # NFKC folds the ligature OCR sometimes emits
        ("Page 12 of 340", "page 12 of 340"),
        ("...", ""),
        ("C++", "c++"),
        ("Guérin", "guerin"),  # English OCR models read "Guerin"
        ("Liévin de Trèves", "lievin de treves"),
        ("ガイド", "ガイド"),  # kana keep their voicing marks
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- visual_lines -------------------------------------------------------------------


def test_visual_lines_groups_by_geometry_not_tesseract_ids() -> None:
    title = row("Save As", 270, 12)
    label = row("Name:", 20, 64)
    sidebar = row("Other Locations", 20, 120)
    far = row("Page 12 of 340", 240, 120)  # same height as the sidebar, but far to its right
    scrambled = [*far[::-1], *sidebar, *label, *title[::-1]]
    lines = [[w.text for w in line] for line in visual_lines(scrambled)]
    assert lines == [
        ["Save", "As"],
        ["Name:"],
        ["Other", "Locations"],
        ["Page", "12", "of", "340"],
    ]


def test_visual_lines_tolerates_a_small_baseline_shift() -> None:
    words = [word("Page", 20, 100, height=14), word("12", 55, 102, height=11)]
    assert [[w.text for w in line] for line in visual_lines(words)] == [["Page", "12"]]


def test_visual_lines_splits_rows_that_barely_overlap() -> None:
    words = [word("Upper", 20, 100), word("Lower", 62, 109)]  # 3 of 12 px overlap
    assert len(visual_lines(words)) == 2


def test_visual_lines_empty() -> None:
    assert visual_lines([]) == []


# --- match_text ---------------------------------------------------------------------


def test_exact_beats_fuzzy() -> None:
    words = [*row("Sove", 20, 20, conf=1.0), *row("Save", 20, 200, conf=0.6)]
    matches = match_text(words, "Save")
    assert [m.text for m in matches] == ["Save", "Sove"]
    assert matches[0].score > matches[1].score


def test_whole_line_beats_part_of_a_longer_line() -> None:
    # The title reads more confidently than the button; the button is still the whole label.
    words = [*row("Save As", 270, 12, conf=1.0), *row("Save", 532, 352, conf=0.9)]
    matches = match_text(words, "Save")
    assert matches[0].box.top == 352
    assert matches[0].whole_line
    assert not matches[1].whole_line
    assert matches[1].text == "Save"


def test_multi_word_match_covers_the_run() -> None:
    words = row("Other Locations", 20, 120)
    best = match_text(words, "other locations")[0]
    assert best.text == "Other Locations"
    assert best.box == words[0].box.union(words[1].box)
    assert best.score == 1.0


def test_part_of_a_line_is_found_with_its_own_box() -> None:
    words = row("Page 12 of 340", 240, 160)
    best = match_text(words, "12 of 340")[0]
    assert best.text == "12 of 340"
    assert best.box.left == words[1].box.left
    assert best.box.right == words[3].box.right


def test_label_with_colon_is_marked() -> None:
    best = match_text(row("Name:", 20, 64), "Name")[0]
    assert best.is_label
    assert best.score == 1.0
    assert not match_text(row("Name", 20, 64), "Name")[0].is_label


def test_nothing_below_threshold() -> None:
    words = row("Preferences", 20, 20)
    assert match_text(words, "Print") == []
    assert match_text(words, "Preferenses")  # one letter off is still found
    assert match_text(words, "Preferenses", threshold=0.95) == []


def test_empty_query_matches_nothing() -> None:
    assert match_text(row("Save", 0, 0), "  ") == []
    assert match_text(row("Save", 0, 0), ":") == []


def test_scores_are_capped_at_one() -> None:
    matches = match_text([*row("Save", 0, 0, conf=1.0), *row("Save", 0, 100, conf=1.0)], "Save")
    assert all(0.0 < m.score <= 1.0 for m in matches)
    assert [m.box.top for m in matches] == [0, 100]  # ties: top to bottom


def test_a_label_cut_off_by_the_image_edge_matches_by_the_part_that_shows() -> None:
    # A table column runs off a 1280 px screen: "chaotic" shows as "chao".
    cut = OcrWord("chao", Box(1250, 111, 1280, 125), 0.96, (0, 0, 0))
    [match] = match_text([cut], "chaotic", width=1280)
    assert match.text == "chao"
    assert 0.8 <= match.score < 0.85  # above the grounder's floor, below any whole reading
    assert not match.whole_line
    assert match_text([cut], "chaotic") == []  # no image width: no edge to be cut by
    assert match_text([cut], "chaotic", width=1400) == []  # not at the edge
    assert match_text([cut], "chart", width=1280) == []  # not how "chart" begins
    # The left edge cuts the start of a label.
    tail = OcrWord("otic", Box(0, 111, 30, 125), 0.96, (0, 0, 0))
    assert [m.text for m in match_text([tail], "chaotic", width=1280)] == ["otic"]
    # Two letters are too few to stand for a word.
    short = OcrWord("ch", Box(1265, 111, 1280, 125), 0.96, (0, 0, 0))
    assert match_text([short], "chaotic", width=1280) == []


def test_a_whole_label_beats_a_cut_off_one() -> None:
    cut = OcrWord("Comp", Box(1250, 111, 1280, 125), 0.99, (0, 0, 0))
    whole = OcrWord("Company", Box(100, 300, 160, 314), 0.9, (0, 0, 0))
    matches = match_text([cut, whole], "Company", width=1280)
    assert [m.text for m in matches] == ["Company", "Comp"]
