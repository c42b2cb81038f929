"""The detector's class vocabulary, shared by the data generators, training and the expert.

The names are our role vocabulary (grounding.query.ROLE_ALIASES, the a11y
expert's ROLE_MAP), so a detected box can be matched against a description's
role word without translation.
"""

from __future__ import annotations

DETECTOR_CLASSES: tuple[str, ...] = (
    "button",  # push buttons and toggle buttons, with text, an icon or both
    "text_field",  # single- and multi-line entries, spin-button entries, search fields
    "checkbox",
    "radio",
    "dropdown",  # combo boxes, selects
    "tab",
    "menu_item",  # items of menus and menu bars
    "list_item",  # rows of lists, trees and tables
    "link",
    "slider",  # sliders and scroll bars' handles are not included: sliders only
    "toggle",  # on/off switches
    "icon",  # a standalone icon or image that can be clicked (no frame around it)
)

CLASS_INDEX: dict[str, int] = {name: i for i, name in enumerate(DETECTOR_CLASSES)}

# How the accessibility roles of real apps map onto detector classes for
# evaluation: a GTK "toggle button" looks like a button.
A11Y_TO_DETECTOR: dict[str, str] = {
    "button": "button",
    "toggle": "button",
    "checkbox": "checkbox",
    "radio": "radio",
    "text_field": "text_field",
    "dropdown": "dropdown",
    "menu_item": "menu_item",
    "menu": "menu_item",  # a menu-bar entry that opens a menu
    "spin_button": "text_field",
    "tab": "tab",
    "list_item": "list_item",
    "link": "link",
    "slider": "slider",
    "icon": "icon",
}
