"""Matching descriptions to recognised icon meanings with the vocabulary's synonyms."""

from __future__ import annotations

import pytest

from grounding.icons import IconMatcher, match_icon
from grounding.icons.vocab import Meaning

SURE = 0.95


@pytest.mark.parametrize(
    ("description", "meaning"),
    [
        ("the Save button", "document-save"),
        ("the view refresh icon", "view-refresh"),
        ("the Refresh button", "view-refresh"),
        ("reload", "view-refresh"),
        ("the Minimize button", "window-minimize"),
        ("the Maximize button", "window-maximize"),
        ("the Remove item button", "list-remove"),
        ("the Add item button", "list-add"),
        ("plus", "list-add"),
        ("the minus button", "list-remove"),
        ("the Search button", "edit-find"),
        ("the magnifier", "edit-find"),
        ("the Menu button", "open-menu"),
        ("the hamburger", "open-menu"),
        ("the New button", "document-new"),
        ("the Find and Replace icon", "edit-find-replace"),
        ("the home button", "go-home"),
        ("close", "window-close"),
        ("the x button", "window-close"),
        ("the trash", "user-trash"),
        ("the gear icon", "emblem-system"),
        ("Settings", "preferences-system"),
        ("back", "go-previous"),
        ("the Play button", "media-playback-start"),
        ("bold", "format-text-bold"),
        ("zoom in", "zoom-in"),
    ],
)
def test_descriptions_match_their_meaning(description: str, meaning: str) -> None:
    assert match_icon(description, [(meaning, 1.0)]) >= SURE
    assert match_icon(description, [("media-eject", 1.0)]) == 0.0


def test_score_is_probability_weighted() -> None:
    sure = match_icon("the Save button", [("document-save", 0.9), ("none", 0.1)])
    unsure = match_icon("the Save button", [("document-save", 0.3), ("go-home", 0.7)])
    assert sure == pytest.approx(0.9)
    assert unsure == pytest.approx(0.3)
    assert match_icon("the Save button", [("none", 1.0)]) == 0.0
    assert match_icon("the Save button", []) == 0.0


def test_exact_phrase_beats_partial_one() -> None:
    replace = match_icon("the Find and Replace icon", [("edit-find-replace", 1.0)])
    find = match_icon("the Find and Replace icon", [("edit-find", 1.0)])
    assert replace > find > 0
    save = match_icon("the Save button", [("document-save", 1.0)])
    save_as = match_icon("the Save button", [("document-save-as", 1.0)])
    assert save > save_as > 0


def test_the_right_box_ranks_first() -> None:
    boxes = {
        "minimize": [("window-minimize", 0.6), ("list-remove", 0.3)],
        "menu": [("open-menu", 0.9), ("view-more", 0.05)],
        "refresh": [("view-refresh", 0.8), ("edit-undo", 0.1)],
        "text": [("none", 0.99)],
    }
    for description, want in (("the Minimize button", "minimize"), ("the Menu button", "menu"),
                              ("the view refresh icon", "refresh")):  # fmt: skip
        scores = {k: match_icon(description, v) for k, v in boxes.items()}
        assert max(scores, key=scores.__getitem__) == want


def test_named_meanings_tell_whether_a_description_is_an_icon() -> None:
    matcher = IconMatcher()
    assert matcher.named("the Save button")[0] == ("document-save", 1.0)
    assert matcher.named("the Name field") == []
    assert matcher.fit("the Search button", "edit-find") == 1.0
    assert matcher.fit("the Search button", "none") == 0.0
    assert matcher.fit("the Search button", "not-a-meaning") == 0.0


def test_custom_vocabulary() -> None:
    matcher = IconMatcher([Meaning("rocket-launch", (), ("launch", "go to space"))])
    assert matcher.meanings == ("rocket-launch",)
    assert matcher.match("the rocket launch button", [("rocket-launch", 1.0)]) == 1.0
    assert matcher.match("launch", [("rocket-launch", 0.5)]) == 0.5
    assert matcher.match("the Save button", [("document-save", 1.0)]) == 0.0
