"""Key-name normalization: aliases, combos, and helpful errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_agent.errors import ParseError
from desktop_agent.keys import NAMED_KEYS, normalize_key, order_keys, parse_key_combo


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("ctrl", "ctrl"),
        ("Control", "ctrl"),
        ("CTL", "ctrl"),
        ("alt", "alt"),
        ("Option", "alt"),
        ("shift", "shift"),
        ("super", "super"),
        ("win", "super"),
        ("cmd", "super"),
        ("Command", "super"),
        ("meta", "super"),
        ("enter", "enter"),
        ("Return", "enter"),
        ("esc", "escape"),
        ("Escape", "escape"),
        ("del", "delete"),
        ("Delete", "delete"),
        ("backspace", "backspace"),
        ("tab", "tab"),
        ("space", "space"),
        (" ", "space"),
        ("home", "home"),
        ("end", "end"),
        ("PgUp", "pageup"),
        ("page up", "pageup"),
        ("page_down", "pagedown"),
        ("pgdn", "pagedown"),
        ("Up", "up"),
        ("down", "down"),
        ("left", "left"),
        ("right", "right"),
        ("insert", "insert"),
        ("F1", "f1"),
        ("f24", "f24"),
        ("PrintScreen", "printscreen"),
        ("menu", "menu"),
        ("CapsLock", "capslock"),
        ("S", "s"),
        ("a", "a"),
        ("/", "/"),
        ("5", "5"),
        ("+", "+"),
        ("é", "é"),
    ],
)
def test_normalize_key_maps_aliases_to_canonical_names(name: str, canonical: str) -> None:
    assert normalize_key(name) == canonical


@pytest.mark.parametrize("name", ["ctrll", "f25", "hyper", "", "\x00", "ab"])
def test_unknown_key_lists_accepted_names(name: str) -> None:
    with pytest.raises(ParseError) as info:
        normalize_key(name)
    assert "ctrl, alt, shift" in str(info.value)
    assert "single character" in str(info.value)


def test_unknown_key_suggests_the_closest_name() -> None:
    with pytest.raises(ParseError, match="Did you mean 'ctrl'"):
        normalize_key("ctrll")
    with pytest.raises(ParseError, match="Did you mean 'escape'"):
        normalize_key("escap")


@pytest.mark.parametrize(
    ("combo", "keys"),
    [
        ("ctrl+shift+s", ("ctrl", "shift", "s")),
        ("Ctrl-S", ("ctrl", "s")),
        ("ctrl + s", ("ctrl", "s")),
        ("s+ctrl", ("ctrl", "s")),
        ("shift+ctrl+t", ("ctrl", "shift", "t")),
        ("cmd+alt+esc", ("alt", "super", "escape")),
        ("enter", ("enter",)),
        ("page up", ("pageup",)),
        ("ctrl s", ("ctrl", "s")),
        ("ctrl++", ("ctrl", "+")),
        ("ctrl+-", ("ctrl", "-")),
        ("+", ("+",)),
        ("-", ("-",)),
        ("ctrl+ctrl+s", ("ctrl", "s")),
    ],
)
def test_parse_key_combo(combo: str, keys: tuple[str, ...]) -> None:
    assert parse_key_combo(combo) == keys


@pytest.mark.parametrize("combo", ["", "   ", "ctrl+", "ctrl+bogus", "++"])
def test_bad_combo_raises_parse_error_with_the_right_form(combo: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_key_combo(combo)
    message = str(info.value)
    assert "ctrl" in message


def test_order_keys_puts_modifiers_first_and_drops_repeats() -> None:
    assert order_keys(["a", "shift", "ctrl", "a"]) == ("ctrl", "shift", "a")


@given(st.text(max_size=30))
def test_parse_key_combo_raises_only_parse_error(text: str) -> None:
    try:
        keys = parse_key_combo(text)
    except ParseError:
        return
    assert keys
    # Whatever it returns is already canonical.
    assert all(normalize_key(k) == k for k in keys)


@given(st.sampled_from(sorted(NAMED_KEYS)) | st.characters(min_codepoint=33, max_codepoint=0x2FFF))
def test_normalize_key_is_idempotent(name: str) -> None:
    try:
        once = normalize_key(name)
    except ParseError:
        return
    assert normalize_key(once) == once
