"""The VLM expert's prompts: short, one per mode and frame, rendered with `render`."""

from __future__ import annotations

import string
from typing import Final

POINT_ABSOLUTE: Final = (
    "This screenshot is $width x $height pixels. Find the UI element described as: "
    "$description\n"
    "Answer with the pixel point to click, as (x, y) in this screenshot's pixels, "
    "and nothing else. If it is not on the screen, answer: none"
)

POINT_RELATIVE1000: Final = (
    "Find the UI element described as: $description\n"
    "Answer with the point to click as (x, y) in a 0-1000 frame: x=0 is the left edge "
    "and x=1000 the right edge, y=0 the top and y=1000 the bottom. Nothing else. "
    "If it is not on the screen, answer: none"
)

CHOOSE_MARK: Final = (
    "The screenshot shows $count UI elements outlined with numbered marks (1 to $count). "
    "Which mark is: $description\n"
    "Answer with the mark number only. If no mark fits, answer 0."
)

TEMPLATES: Final = {
    "point_absolute": POINT_ABSOLUTE,
    "point_relative1000": POINT_RELATIVE1000,
    "choose_mark": CHOOSE_MARK,
}


def render(template: str, **values: object) -> str:
    """Fill `$name` fields; a missing one raises KeyError (no silent blanks).

    `string.Template` so braces and dollar signs in a description are kept as
    written (values are never re-parsed as templates).
    """
    return string.Template(template).substitute({k: str(v) for k, v in values.items()})
