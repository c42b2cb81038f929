"""pyautogui's names for our keys. Spellings are normalized in one place:
`desktop_agent.keys`, the same table the action parser uses."""

from __future__ import annotations

from desktop_agent import keys as canonical
from desktop_agent.errors import ExecutionError, ParseError

# Normalized name -> pyautogui key name, where the two differ.
_PYAUTOGUI_RENAMES: dict[str, str] = {"super": "win", "escape": "esc", "menu": "apps"}

MODIFIERS: frozenset[str] = frozenset(canonical.MODIFIERS)
KEY_NAMES: tuple[str, ...] = tuple(sorted(canonical.NAMED_KEYS))


def normalize_key(name: str) -> str:
    """Our normalized name for a key ("Control" -> "ctrl", "A" -> "a", " " -> "space")."""
    try:
        return canonical.normalize_key(name)
    except ParseError as exc:
        raise ExecutionError(f"unknown key {name!r}: {exc}") from exc


def to_pyautogui(name: str) -> str:
    """pyautogui's name for a key given in any accepted spelling."""
    key = normalize_key(name)
    if len(key) == 1:
        # Letters go in lower case: a held shift is its own key in a combination.
        return key.lower() if key.isalpha() else key
    return _PYAUTOGUI_RENAMES.get(key, key)
