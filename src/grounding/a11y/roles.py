"""AT-SPI role names and states, mapped onto the grounding role vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

# AT-SPI role name (as GetRoleName returns it) -> our role.
ROLE_MAP: dict[str, str] = {
    "push button": "button",
    "button": "button",
    "toggle button": "toggle",
    "check box": "checkbox",
    "radio button": "radio",
    "text": "text_field",
    "entry": "text_field",
    "password text": "text_field",
    "editbar": "text_field",
    "combo box": "dropdown",
    "menu": "menu_item",
    "menu item": "menu_item",
    "check menu item": "menu_item",
    "radio menu item": "menu_item",
    "tearoff menu item": "menu_item",
    "page tab": "tab",
    "list item": "list_item",
    "table cell": "list_item",
    "tree item": "list_item",
    "link": "link",
    "slider": "slider",
    "icon": "icon",
    "label": "label",
    "static": "label",
    "frame": "window",
    "window": "window",
}

# Layout containers that carry no meaning of their own when they have no name.
STRUCTURAL_ROLES: frozenset[str] = frozenset(
    {
        "application",
        "filler",
        "glass pane",
        "invalid",
        "layered pane",
        "panel",
        "redundant object",
        "root pane",
        "scroll pane",
        "section",
        "separator",
        "split pane",
        "unknown",
        "viewport",
    }
)

TEXT_FIELD_ROLES: frozenset[str] = frozenset(
    atspi for atspi, ours in ROLE_MAP.items() if ours == "text_field"
)

# AtspiStateType bit numbers (at-spi2-core atspi-constants.h).
STATE_ACTIVE = 1
STATE_CHECKED = 4
STATE_ENABLED = 8
STATE_FOCUSABLE = 11
STATE_FOCUSED = 12
STATE_SENSITIVE = 24
STATE_SHOWING = 25
STATE_VISIBLE = 30
STATE_MANAGES_DESCENDANTS = 31


def map_role(atspi_role: str, parent_role: str = "") -> str:
    """Our role for an AT-SPI role name; `parent_role` tells a menu bar's menus apart.

    A "menu" directly in a "menu bar" is a top-level menu ("File"); a "menu"
    inside another menu is a submenu entry, which is clicked like a menu item.
    """
    role = atspi_role.strip().lower()
    if role == "menu" and parent_role.strip().lower() == "menu bar":
        return "menu"
    return ROLE_MAP.get(role, role.replace(" ", "_") or "unknown")


def has_state(states: Sequence[int], bit: int) -> bool:
    """Whether a GetState bitfield (a list of 32-bit words) holds state `bit`."""
    word, offset = divmod(bit, 32)
    return word < len(states) and bool((int(states[word]) >> offset) & 1)
