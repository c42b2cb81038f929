"""Key names: one canonical spelling for every key the agent may press.

Models and people write keys many ways ("Control", "cmd", "Return", "PgDn",
"Ctrl-S"); the desktop backends get only the canonical names defined here.
"""

from __future__ import annotations

import difflib
import re

from desktop_agent.errors import ParseError

MODIFIERS: tuple[str, ...] = ("ctrl", "alt", "shift", "super")
"""Modifier keys, in the order a combo lists them."""

_NAMED: tuple[str, ...] = (
    *MODIFIERS,
    "enter",
    "escape",
    "delete",
    "backspace",
    "tab",
    "space",
    "home",
    "end",
    "pageup",
    "pagedown",
    "up",
    "down",
    "left",
    "right",
    "insert",
    "printscreen",
    "menu",
    "capslock",
    *(f"f{i}" for i in range(1, 25)),
)
NAMED_KEYS: frozenset[str] = frozenset(_NAMED)
"""Every canonical multi-letter key name (single characters are keys too)."""

# Aliases are matched after lowercasing and dropping spaces, "_" and "-".
_ALIASES: dict[str, str] = {
    "control": "ctrl",
    "ctl": "ctrl",
    "option": "alt",
    "opt": "alt",
    "win": "super",
    "windows": "super",
    "cmd": "super",
    "command": "super",
    "meta": "super",
    "return": "enter",
    "esc": "escape",
    "del": "delete",
    "bksp": "backspace",
    "spacebar": "space",
    "pgup": "pageup",
    "pgdn": "pagedown",
    "pgdown": "pagedown",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "uparrow": "up",
    "downarrow": "down",
    "leftarrow": "left",
    "rightarrow": "right",
    "ins": "insert",
    "prtsc": "printscreen",
    "prtscn": "printscreen",
    "printscr": "printscreen",
    "print": "printscreen",
    "apps": "menu",
    "contextmenu": "menu",
    "caps": "capslock",
}
# Whitespace characters typed as themselves mean their named key.
_CHAR_KEYS: dict[str, str] = {" ": "space", "\t": "tab", "\n": "enter", "\r": "enter"}

ACCEPTED_KEYS_TEXT = (
    "ctrl, alt, shift, super (also win/cmd), enter, escape, delete, backspace, tab, "
    "space, home, end, pageup, pagedown, up, down, left, right, insert, f1..f24, "
    "printscreen, menu, capslock, or a single character such as 'a', '5' or '/'"
)


def normalize_key(name: str) -> str:
    """Return the canonical name of one key; raise ParseError for an unknown one."""
    if not isinstance(name, str):
        raise ParseError(f"a key name must be a string like 'ctrl' or 's', got {name!r}")
    if len(name) == 1:
        if name in _CHAR_KEYS:
            return _CHAR_KEYS[name]
        if name.isprintable():
            lowered = name.lower()
            return lowered if len(lowered) == 1 else name  # "İ".lower() is two characters
        raise ParseError(
            f"key {name!r} is not a printable character. Use one of: {ACCEPTED_KEYS_TEXT}"
        )
    squashed = re.sub(r"[\s_\-]+", "", name.lower())
    if len(squashed) == 1 and squashed.isprintable():
        return squashed  # e.g. " S " -> "s"
    if squashed in NAMED_KEYS:
        return squashed
    if squashed in _ALIASES:
        return _ALIASES[squashed]
    if not squashed:
        raise ParseError(f"empty key name. Use one of: {ACCEPTED_KEYS_TEXT}")
    close = difflib.get_close_matches(squashed, [*NAMED_KEYS, *_ALIASES], n=1, cutoff=0.6)
    hint = f" Did you mean {_ALIASES.get(close[0], close[0])!r}?" if close else ""
    raise ParseError(f"unknown key {name!r}. Use one of: {ACCEPTED_KEYS_TEXT}.{hint}")


def order_keys(keys: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Drop repeats and put modifiers first (ctrl, alt, shift, super), other keys in order."""
    unique = list(dict.fromkeys(keys))
    mods = [m for m in MODIFIERS if m in unique]
    return (*mods, *(k for k in unique if k not in MODIFIERS))


def _split_combo(text: str, sep: str) -> list[str]:
    # A separator followed by nothing is the key itself: "ctrl++" is ctrl and "+".
    return re.split(rf"\s*{re.escape(sep)}\s*(?=.)", text, flags=re.DOTALL)


def parse_key_combo(text: str) -> tuple[str, ...]:
    """Read "ctrl+shift+s", "Ctrl-S", "ctrl + s" or "page up" as canonical keys, modifiers first."""
    if not isinstance(text, str):
        raise ParseError(f"a key combo must be a string like 'ctrl+s', got {text!r}")
    stripped = text.strip()
    if not stripped:
        if text and text in _CHAR_KEYS:
            return (normalize_key(text),)
        raise ParseError("empty key combo. Write keys joined by '+', like 'ctrl+s' or 'enter'")
    if len(stripped) == 1:
        return (normalize_key(stripped),)
    try:
        return (normalize_key(stripped),)  # "page up", "page-down", "F5"
    except ParseError:
        pass
    if "+" in stripped:
        parts = _split_combo(stripped, "+")
    elif "-" in stripped:
        parts = _split_combo(stripped, "-")
    else:
        parts = stripped.split()
    if any(not p for p in parts):
        raise ParseError(
            f"key combo {text!r} has an empty part. Join keys with '+', like 'ctrl+shift+s'"
        )
    return order_keys([normalize_key(p) for p in parts])
