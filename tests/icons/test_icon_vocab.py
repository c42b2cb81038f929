"""The icon vocabulary: file format, icon-name normalisation, description words."""

from __future__ import annotations

import pytest

from grounding.icons.vocab import (
    NONE,
    is_mirrored_variant,
    load_vocabulary,
    normalize_icon_name,
    parse_vocabulary,
    words,
)


def test_vocabulary_covers_the_common_categories_with_phrases() -> None:
    meanings = load_vocabulary()
    names = {m.name for m in meanings}
    assert len(meanings) >= 200
    assert NONE not in names
    for prefix in ("document-", "edit-", "go-", "window-", "media-", "view-", "list-",
                   "format-text-", "zoom-", "mail-", "face-", "folder"):  # fmt: skip
        assert sum(n.startswith(prefix) for n in names) >= 2, prefix
    for name in ("document-save", "edit-find-replace", "go-home", "window-close",
                 "window-minimize", "window-maximize", "open-menu", "view-refresh",
                 "list-add", "list-remove", "edit-find", "document-new",
                 "media-playback-start"):  # fmt: skip
        assert name in names
    assert all(m.phrases for m in meanings if not m.name.startswith("face-"))


def test_own_name_is_a_phrase() -> None:
    refresh = next(m for m in load_vocabulary() if m.name == "view-refresh")
    assert refresh.all_phrases[0] == "view refresh"
    assert "reload" in refresh.all_phrases


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("document-save-symbolic.svg", "document-save"),
        ("go-next-symbolic-ltr.svg", "go-next"),
        ("go-next-ltr-symbolic.svg", "go-next"),
        ("list-add-16.png", "list-add"),
        ("list-add-22x22@2x.png", "list-add"),
        ("edit-find-symbolic.symbolic.png", "edit-find"),
        ("battery-020.svg", "battery-020"),  # a level, not a size
        ("stock_zoom-1.png", "stock_zoom-1"),
        ("Window-Close.SVG", "window-close"),
    ],
)
def test_normalize_icon_name(file_name: str, expected: str) -> None:
    assert normalize_icon_name(file_name) == expected


def test_right_to_left_drawings_are_told_apart() -> None:
    assert is_mirrored_variant("go-next-rtl.svg")
    assert is_mirrored_variant("media-playback-start-symbolic-rtl.svg")
    assert not is_mirrored_variant("go-next-ltr.svg")
    assert normalize_icon_name("go-next-rtl.svg") != "go-next"


def test_words_drop_role_words_stem_and_keep_signs() -> None:
    assert words("the Find and Replace icon") == ("find", "replace")
    assert words("The view-refresh button.") == ("view", "refresh")
    assert words("Minimise") == ("minimize",)
    assert words("the Settings button") == ("setting",)
    assert words("the + button") == ("+",)
    assert words("×") == ("x",)
    assert words("zoom in") == ("zoom", "in")
    assert words("the button")  # nothing but role words: keep them rather than none


def test_parse_rejects_repeats_and_bad_lines() -> None:
    good = parse_vocabulary("# c\nedit-copy | gtk-copy editcopy | copy; duplicate\n")
    assert good[0].fallbacks == ("gtk-copy", "editcopy")
    assert good[0].phrases == ("copy", "duplicate")
    with pytest.raises(ValueError, match="repeated"):
        parse_vocabulary("a | | x\na | | y\n")
    with pytest.raises(ValueError, match="line 1"):
        parse_vocabulary("just a name\n")
    with pytest.raises(ValueError, match="reserved"):
        parse_vocabulary("none | | nothing\n")
