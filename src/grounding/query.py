"""Read a target description: the text to look for, the kind of element, where.

"the second 'Save' button at the bottom right" ->
Query(text="Save", role="button", ordinal=2, vertical="bottom", horizontal="right").
The router uses the text for matching, the role to prefer elements of that
kind, and the position words to break ties between equal matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text_match import text_query

# Description word -> our role vocabulary (shared with the a11y expert and detector).
ROLE_ALIASES: dict[str, str] = {
    "button": "button", "btn": "button",
    "icon": "icon",
    "field": "text_field", "textbox": "text_field", "entry": "text_field",
    "input": "text_field", "box": "text_field", "textfield": "text_field",
    "checkbox": "checkbox", "check": "checkbox",
    "radio": "radio",
    "dropdown": "dropdown", "combo": "dropdown", "combobox": "dropdown", "select": "dropdown",
    "menu": "menu", "item": "menu_item",
    "tab": "tab",
    "link": "link",
    "slider": "slider",
    "toggle": "toggle", "switch": "toggle",
    "label": "label",
}  # fmt: skip
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1,
}  # fmt: skip
_QUOTED_PART = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|(?<!\w)'[^']*'(?!\w)|‘[^’]*’")
_POSITION = re.compile(
    r"\b(?:at|in|on)?\s*(?:the\s+)?(top|upper|bottom|lower)?[\s-]*(left|right)?\s*"
    r"(?:corner|side|part|of the (?:screen|window|dialog))?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    role: str | None = None
    ordinal: int | None = None  # 1-based; -1 = last
    vertical: str | None = None  # "top" | "bottom"
    horizontal: str | None = None  # "left" | "right"


def parse_query(description: str) -> Query:
    """Split a description into the text to find and the hints around it."""
    # Hints come from the words outside quotes: 'the "Second Opinion" tab' has no ordinal.
    unquoted = _QUOTED_PART.sub(" ", description)
    words = re.findall(r"[\w'-]+", unquoted.casefold())
    role = next((ROLE_ALIASES[w] for w in reversed(words) if w in ROLE_ALIASES), None)
    ordinal = next((_ORDINALS[w] for w in words if w in _ORDINALS), None)
    vertical = horizontal = None
    for match in _POSITION.finditer(unquoted):
        v, h = match.group(1), match.group(2)
        if v:
            vertical = "top" if v.casefold() in {"top", "upper"} else "bottom"
        if h:
            horizontal = h.casefold()
    text = _strip_hints(description)
    return Query(text=text, role=role, ordinal=ordinal, vertical=vertical, horizontal=horizontal)


def _strip_hints(description: str) -> str:
    """The words to find on screen, without ordinals and position phrases."""
    base = text_query(description)
    if base != description.strip() and any(q in description for q in "\"'“‘«"):
        return base  # quoted text is taken as written
    words = base.split()
    kept = [w for w in words if w.casefold() not in _ORDINALS]
    text = " ".join(kept)
    text = re.sub(
        r"\s+(?:at|in|on)\s+the\s+(?:top|upper|bottom|lower)?[\s-]*(?:left|right)?"
        r"(?:\s+(?:corner|side|part))?(?:\s+of the (?:screen|window|dialog))?$",
        "",
        text,
        flags=re.IGNORECASE,
    )
    words = text.split()
    while len(words) > 1 and words[-1].casefold() in ROLE_ALIASES:
        words = words[:-1]
    return " ".join(words) or base
