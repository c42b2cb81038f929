"""Key names: our normalized names, their aliases, and pyautogui's names for them."""

from __future__ import annotations

from ..errors import ExecutionError

# Normalized name -> pyautogui key name.
_PYAUTOGUI: dict[str, str] = {
    "ctrl": "ctrl",
    "alt": "alt",
    "shift": "shift",
    "super": "win",
    "enter": "enter",
    "escape": "esc",
    "tab": "tab",
    "backspace": "backspace",
    "delete": "delete",
    "insert": "insert",
    "home": "home",
    "end": "end",
    "pageup": "pageup",
    "pagedown": "pagedown",
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "space": "space",
    "capslock": "capslock",
    "printscreen": "printscreen",
    "menu": "apps",
    **{f"f{n}": f"f{n}" for n in range(1, 13)},
}

_ALIASES: dict[str, str] = {
    "control": "ctrl",
    "ctl": "ctrl",
    "option": "alt",
    "win": "super",
    "windows": "super",
    "meta": "super",
    "cmd": "super",
    "command": "super",
    "return": "enter",
    "esc": "escape",
    "del": "delete",
    "ins": "insert",
    "pgup": "pageup",
    "page_up": "pageup",
    "pgdn": "pagedown",
    "page_down": "pagedown",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "spacebar": "space",
    "bksp": "backspace",
}

MODIFIERS: frozenset[str] = frozenset({"ctrl", "alt", "shift", "super"})
KEY_NAMES: tuple[str, ...] = tuple(sorted(_PYAUTOGUI))


def normalize_key(name: str) -> str:
    """Our normalized name for a key ("Control" -> "ctrl", "A" -> "A", " " -> "space")."""
    if len(name) == 1:
        return "space" if name == " " else name
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in _PYAUTOGUI:
        raise ExecutionError(
            f"unknown key {name!r}; use a single character or one of: {', '.join(KEY_NAMES)}"
        )
    return key


def to_pyautogui(name: str) -> str:
    """pyautogui's name for a key given in any accepted spelling."""
    key = normalize_key(name)
    if len(key) == 1:
        # Letters go in lower case: a held shift is its own key in a combination.
        return key.lower() if key.isalpha() else key
    return _PYAUTOGUI[key]
