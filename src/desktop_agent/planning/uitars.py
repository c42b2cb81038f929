"""UI-TARS-style answers -> our closed action set, with points mapped to screenshot pixels.

A single-model answer looks like
    Thought: ...
    Action: click(start_box='<|box_start|>(412,230)<|box_end|>')
The call is read with `ast` (never evaluated); points come out of the box
strings with `grounding.vlm.parse_point`, in the model's frame (0-1000, or
pixels of the image it was sent), and are mapped to screenshot pixels. The
result is re-read by `desktop_agent.parser.parse_action`, so it passes the
same checks as any other model output.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Literal

from desktop_agent.actions import (
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    Point,
    RightClick,
    Scroll,
    TypeText,
    Wait,
)
from desktop_agent.errors import ParseError
from desktop_agent.keys import parse_key_combo
from desktop_agent.parser import MAX_TEXT_CHARS, parse_action
from grounding.vlm import parse_point

CoordinateFrame = Literal["absolute", "relative1000"]
EDGE_SLACK = 0.01  # models put points a hair outside the frame at the screen edge

SINGLE_MODEL_ANSWER_FORMAT = (
    "Thought: <your reasoning>\nAction: <exactly one action from the action space, e.g. "
    "click(start_box='<|box_start|>(x1,y1)<|box_end|>')>"
)

_ACTION_LINE = re.compile(r"^\s*\W*action\W*\s*:\s*", re.IGNORECASE | re.MULTILINE)
_THOUGHT = re.compile(r"thought\s*:\s*(.*?)(?=^\s*\W*action\W*\s*:|\Z)", re.I | re.S | re.M)

_CLICKS: dict[str, type[Click] | type[DoubleClick] | type[RightClick]] = {
    "click": Click,
    "left_single": Click,
    "left_click": Click,
    "left_double": DoubleClick,
    "double_click": DoubleClick,
    "right_single": RightClick,
    "right_click": RightClick,
}
_POINT_KEYS = ("start_box", "start_point", "point", "box", "coordinate")
_END_KEYS = ("end_box", "end_point")


@dataclass(frozen=True)
class Frame:
    """How to turn the model's numbers into screenshot pixels."""

    kind: CoordinateFrame
    sent_size: tuple[int, int]  # the image the model saw
    screen_size: tuple[int, int]  # the screenshot's pixels

    def describe(self) -> str:
        return (
            "0-1000 in both directions: (0,0) is the top-left corner of the screenshot and "
            "(1000,1000) the bottom-right"
            if self.kind == "relative1000"
            else f"pixels of the {self.sent_size[0]}x{self.sent_size[1]} screenshot, "
            "(0,0) at the top-left corner"
        )

    def to_screen(self, x: float, y: float) -> Point:
        limit_x, limit_y = (
            (1000.0, 1000.0) if self.kind == "relative1000" else map(float, self.sent_size)
        )
        if not (
            -limit_x * EDGE_SLACK <= x <= limit_x * (1 + EDGE_SLACK)
            and -limit_y * EDGE_SLACK <= y <= limit_y * (1 + EDGE_SLACK)
        ):
            raise ParseError(
                f"the point ({x:g}, {y:g}) is outside the screenshot; coordinates are "
                f"{self.describe()}"
            )
        width, height = self.screen_size
        px = min(max(round(x * width / limit_x), 0), width - 1)
        py = min(max(round(y * height / limit_y), 0), height - 1)
        return Point(px, py)


def split_answer(text: str) -> tuple[str, str]:
    """(thought, action text) of a `Thought: ... Action: ...` answer."""
    matches = list(_ACTION_LINE.finditer(text))
    if not matches:
        raise ParseError(
            f"no `Action:` line found. Answer in this format:\n{SINGLE_MODEL_ANSWER_FORMAT}"
        )
    action = text[matches[-1].end() :].strip().strip("`").strip()
    thought = _THOUGHT.search(text)
    return (" ".join(thought.group(1).split()) if thought else ""), action


def _call(code: str) -> tuple[str, list[Any], dict[str, Any]]:
    if len(code) > MAX_TEXT_CHARS:
        raise ParseError(
            f"the action is {len(code)} characters; the limit is {MAX_TEXT_CHARS}. "
            "Write one short call like click(start_box='(x1,y1)')"
        )
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise ParseError(
            f"could not read {code[:80]!r} as an action: {exc.msg}. Write one call with quoted "
            "arguments and escape quotes inside content with \\' or \\\""
        ) from None
    except (RecursionError, MemoryError):
        # Deeply nested garbage overflows the parser; it must reach the model as a
        # ParseError, not escape the planner as a crash.
        raise ParseError(
            f"{code[:80]!r} is nested too deeply to read; write one call like "
            "click(start_box='(x1,y1)')"
        ) from None
    if len(tree.body) != 1:
        raise ParseError(f"found {len(tree.body)} actions; write exactly one action per step")
    node = tree.body[0]
    call = node.value if isinstance(node, ast.Expr) else None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise ParseError(f"{code[:80]!r} is not an action call like click(start_box='(x,y)')")
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise ParseError(
            f"{code[:80]!r} has an argument that is not a literal; quote every argument"
        ) from None
    return call.func.id, args, kwargs


def _arg(name: str, args: list[Any], kwargs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in kwargs:
            return kwargs[key]
    if args:
        return args[0]
    raise ParseError(f"{name}() needs {keys[0]}=..., e.g. {name}({keys[0]}='...')")


def _point(value: Any, frame: Frame, name: str) -> Point:
    parsed = parse_point(str(value))
    if parsed is None:
        raise ParseError(
            f"{name}() has no point in {str(value)[:60]!r}; write "
            "start_box='<|box_start|>(x1,y1)<|box_end|>'"
        )
    return frame.to_screen(parsed.x, parsed.y)


def to_action(code: str, frame: Frame, *, thought: str = "") -> Action:
    """One UI-TARS action call -> a validated Action in screenshot pixels."""
    name, args, kwargs = _call(code)
    action: Action
    if name in _CLICKS:
        action = _CLICKS[name](_point(_arg(name, args, kwargs, _POINT_KEYS), frame, name))
    elif name in ("drag", "select"):
        start = _point(_arg(name, args, kwargs, _POINT_KEYS), frame, name)
        end = _point(_arg(name, args[1:], kwargs, _END_KEYS), frame, name)
        action = Drag(start, end)
    elif name in ("hotkey", "press", "keydown"):
        action = Hotkey(parse_key_combo(str(_arg(name, args, kwargs, ("key", "hotkey", "keys")))))
    elif name in ("type", "type_text"):
        text = str(_arg(name, args, kwargs, ("content", "text")))
        enter = text.endswith("\n")
        action = TypeText(text[:-1] if enter else text, enter=enter)
    elif name == "scroll":
        direction = str(kwargs.get("direction", "down")).strip().lower()
        where = next((kwargs[k] for k in _POINT_KEYS if k in kwargs), None)
        at = _point(where, frame, name) if where is not None else None
        action = Scroll(direction, 5, at=at)  # type: ignore[arg-type]  # checked on re-read
    elif name == "wait":
        action = Wait(5.0)
    elif name == "finished":
        action = Done(str(kwargs.get("content", args[0] if args else "")))
    elif name in ("call_user", "fail"):
        action = Fail(f"the model asks for help: {thought}" if thought else "the model gave up")
    else:
        raise ParseError(
            f"unknown action {name!r}; use one of click, left_double, right_single, drag, "
            "hotkey, type, scroll, wait, finished, call_user"
        )
    # Re-read through our parser: the same checks (keys, directions, ranges) as any action.
    return parse_action(action.to_code())
