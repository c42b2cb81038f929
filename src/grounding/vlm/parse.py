"""Reading points and mark numbers out of a VLM's free text.

Coordinates come in many styles: "(x, y)", "[x, y]", "x=.., y=..",
UI-TARS "<point>x y</point>" and "click(start_box='(x,y)')", Qwen boxes
"[x1, y1, x2, y2]" or "<|box_start|>(x1,y1),(x2,y2)<|box_end|>", JSON
{"x":..,"y":..}. A box is kept and its centre taken. Frames and ranges are
the expert's business; this module only finds numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_NUM = r"[-+]?\d+(?:\.\d+)?"
_SEP = r"\s*[,\s]\s*"

# Order matters: the most specific styles first.
_POINT_TAG = re.compile(rf"<point>\s*[\[(]?\s*({_NUM}){_SEP}({_NUM})\s*[\])]?\s*</point>", re.I)
_BOX_TOKENS = re.compile(
    rf"<\|box_start\|>\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*,?\s*"
    rf"(?:\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*)?<\|box_end\|>"
)
_START_BOX = re.compile(
    rf"start_(?:box|point)\s*=\s*['\"]?\s*(?:<\|box_start\|>)?\s*[\[(]\s*({_NUM})\s*,\s*({_NUM})"
    rf"(?:\s*,\s*({_NUM})\s*,\s*({_NUM}))?\s*[\])]",
    re.I,
)
_X_EQ_Y = re.compile(rf"\bx\s*[=:]\s*({_NUM})\s*[,;]?\s*\by\s*[=:]\s*({_NUM})", re.I)
_BRACKETS = re.compile(
    rf"[\[(]\s*({_NUM})\s*,\s*({_NUM})(?:\s*,\s*({_NUM})\s*,\s*({_NUM}))?\s*[\])]"
)
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")

_MARK_JSON_KEYS = ("mark", "id", "number", "label", "answer", "index")
_MARK_WORD = re.compile(
    r"\b(?:mark|box|label|number|element)\s*(?:#|no\.?|number)?\s*:?\s*(\d+)", re.I
)
_MARK_BRACKET = re.compile(r"[\[#(]\s*(\d+)\s*[\])]?")
_INT = re.compile(r"(?<![\d.])\d+(?!\d|\.\d)")
_NONE_WORDS = re.compile(r"\b(none|no mark|not (?:present|visible|found|shown))\b", re.I)


@dataclass(frozen=True, slots=True)
class ParsedPoint:
    """A point in the model's frame, and the box it came from (if any)."""

    x: float
    y: float
    box: tuple[float, float, float, float] | None = None


def _from_numbers(values: list[str | None]) -> ParsedPoint:
    nums = [float(v) for v in values if v is not None]
    if len(nums) == 4:
        x1, y1, x2, y2 = nums
        left, right = sorted((x1, x2))
        top, bottom = sorted((y1, y2))
        return ParsedPoint((left + right) / 2, (top + bottom) / 2, (left, top, right, bottom))
    return ParsedPoint(nums[0], nums[1])


def _json_point(value: Any) -> ParsedPoint | None:
    if isinstance(value, dict):
        if "x" in value and "y" in value:
            return ParsedPoint(float(value["x"]), float(value["y"]))
        for key in ("point", "coordinate", "coordinates", "click", "bbox", "box", "bbox_2d"):
            if key in value:
                found = _json_point(value[key])
                if found:
                    return found
        return None
    if isinstance(value, list) and len(value) in (2, 4):
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return _from_numbers([str(v) for v in value])
        return None
    if isinstance(value, list) and value:
        return _json_point(value[0])  # e.g. [{"bbox_2d": [...]}]
    return None


def _parse_json(text: str) -> ParsedPoint | None:
    candidates = [text.strip()]
    candidates += [m.group(0) for m in _JSON_OBJECT.finditer(text)]
    for chunk in candidates:
        if not chunk.startswith(("{", "[")):
            continue
        try:
            value = json.loads(chunk)
        except ValueError:
            continue
        try:
            found = _json_point(value)
        except (TypeError, ValueError):
            continue
        if found:
            return found
    return None


def parse_point(text: str) -> ParsedPoint | None:
    """The first point (or box centre) in `text`, in the model's frame; None if there is none."""
    found = _parse_json(text)
    if found:
        return found
    for pattern in (_POINT_TAG, _BOX_TOKENS, _START_BOX, _X_EQ_Y, _BRACKETS):
        match = pattern.search(text)
        if match:
            return _from_numbers(list(match.groups()))
    return None


def parse_mark(text: str) -> int | None:
    """The mark number the model chose; 0 or None when it says none fits or gives none."""
    stripped = text.strip().strip("`").strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        value = None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    for match in _JSON_OBJECT.finditer(text):
        try:
            obj = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(obj, dict):
            for key in _MARK_JSON_KEYS:
                mark = obj.get(key)
                if isinstance(mark, int) and not isinstance(mark, bool):
                    return mark
                if isinstance(mark, str) and mark.strip().isdigit():
                    return int(mark)
    for pattern in (_MARK_WORD, _MARK_BRACKET):
        found = pattern.search(text)
        if found:
            return int(found.group(1))
    if _NONE_WORDS.search(text):
        return 0
    numbers = set(_INT.findall(text))
    if len(numbers) == 1:  # "The answer is 3."
        return int(numbers.pop())
    return None
