"""Arguments of an action call -> a validated Action (the second half of the parser).

`desktop_agent.parser` reads the call's literal arguments from the syntax tree;
this module binds them to an action's parameters (positional, keyword,
keyword aliases), checks their types and ranges, and builds the Action. Error
messages show the correct form so a model can fix its output.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_agent.actions import (
    ACTIONS,
    SCROLL_DIRECTIONS,
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    OpenApp,
    Point,
    RightClick,
    Scroll,
    Target,
    TypeText,
    Wait,
)
from desktop_agent.errors import ParseError
from desktop_agent.keys import order_keys, parse_key_combo

MAX_COORD = 100_000
MAX_SCROLL = 50
MAX_WAIT_SECONDS = 60.0


EXAMPLES: dict[str, str] = {
    "click": 'click("Save") or click(120, 340)',
    "double_click": 'double_click("report.txt") or double_click(120, 340)',
    "right_click": 'right_click("Desktop") or right_click(120, 340)',
    "drag": 'drag("file.txt", "Trash") or drag((10, 20), (300, 400))',
    "type_text": 'type_text("hello", into="Name", enter=False)',
    "hotkey": 'hotkey("ctrl", "s") or hotkey("enter")',
    "scroll": 'scroll("down", 3, at="File list")',
    "wait": "wait(1.5)",
    "open_app": 'open_app("mousepad")',
    "done": 'done("saved the file")',
    "fail": 'fail("the Save button is disabled")',
}


# ---------------------------------------------------------------- argument binding


@dataclass(frozen=True, slots=True)
class Call:
    """One action call: its canonical name, the name as written, literal arguments."""

    name: str  # canonical action name
    written: str  # the name as written, for messages
    args: list[Any]
    kwargs: dict[str, Any]


def _bind(call: Call, params: list[tuple[str, tuple[str, ...]]]) -> dict[str, Any]:
    """Map positional and keyword arguments onto named parameters (with keyword aliases)."""
    example = EXAMPLES[call.name]
    if len(call.args) > len(params):
        raise ParseError(
            f"{call.written}() takes at most {len(params)} positional argument(s) but got "
            f"{len(call.args)}. Write it like {example}"
        )
    bound: dict[str, Any] = dict(zip((p[0] for p in params), call.args, strict=False))
    lookup = {alias: name for name, aliases in params for alias in (name, *aliases)}
    for key, value in call.kwargs.items():
        if key not in lookup:
            close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]}=?" if close else ""
            accepted = ", ".join(lookup)
            raise ParseError(
                f"{call.written}() got an unknown keyword {key!r}; it accepts {accepted}."
                f"{hint} Write it like {example}"
            )
        name = lookup[key]
        if name in bound:
            raise ParseError(f"{call.written}() got {name!r} twice. Write it like {example}")
        bound[name] = value
    return bound


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _point(call: Call, value: Any) -> Point:
    ok = isinstance(value, tuple) and len(value) == 2 and all(_is_int(v) for v in value)
    if not ok or not all(0 <= v <= MAX_COORD for v in value):
        raise ParseError(
            f"{call.written}() got the point {value!r}; a point is two whole, non-negative "
            f"pixel numbers, like (120, 340). Write it like {EXAMPLES[call.name]}"
        )
    return Point(value[0], value[1])


def _target(call: Call, value: Any, what: str = "target") -> Target:
    if isinstance(value, str):
        if not value.strip():
            raise ParseError(
                f"{call.written}() got an empty {what}; describe the element, "
                f"like {EXAMPLES[call.name]}"
            )
        return value
    if isinstance(value, tuple):
        return _point(call, value)
    raise ParseError(
        f"{call.written}() {what} must be a description string or an (x, y) point, "
        f"got {value!r}. Write it like {EXAMPLES[call.name]}"
    )


def _optional_target(call: Call, value: Any, what: str) -> Target | None:
    return None if value is None else _target(call, value, what)


def _text(call: Call, value: Any, what: str, *, allow_empty: bool) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ParseError(
            f"{call.written}() {what} must be a non-empty string in quotes, got {value!r}. "
            f"Write it like {EXAMPLES[call.name]}"
        )
    return value


# ---------------------------------------------------------------- builders


def _build_pointing(call: Call) -> Action:
    cls = {"click": Click, "double_click": DoubleClick, "right_click": RightClick}[call.name]
    args, kwargs = list(call.args), dict(call.kwargs)
    if len(args) == 2 and not kwargs:
        args = [tuple(args)]  # click(120, 340)
    if "x" in kwargs or "y" in kwargs:
        if args or set(kwargs) != {"x", "y"}:
            raise ParseError(
                f"{call.written}() with x= and y= needs both and nothing else, "
                f"like {call.written}(x=120, y=340)"
            )
        args, kwargs = [(kwargs["x"], kwargs["y"])], {}
    bound = _bind(Call(call.name, call.written, args, kwargs), [("target", ("point",))])
    if "target" not in bound:
        raise ParseError(
            f"{call.written}() needs a target: a description string like "
            f'{call.written}("Save") or a point like {call.written}(120, 340)'
        )
    return cls(_target(call, bound["target"]))


def _build_drag(call: Call) -> Action:
    args = list(call.args)
    if len(args) == 4 and all(_is_int(a) for a in args):
        args = [tuple(args[:2]), tuple(args[2:])]  # drag(x1, y1, x2, y2)
    bound = _bind(
        Call(call.name, call.written, args, call.kwargs),
        [("start", ("from_", "source")), ("end", ("to", "destination"))],
    )
    if "start" not in bound or "end" not in bound:
        raise ParseError(
            "drag() needs where to start and where to end, each a description or a point: "
            'drag("file.txt", "Trash") or drag((10, 20), (300, 400))'
        )
    return Drag(_target(call, bound["start"], "start"), _target(call, bound["end"], "end"))


def _build_type(call: Call) -> Action:
    bound = _bind(call, [("text", ()), ("into", ("target",)), ("enter", ("press_enter",))])
    if "text" not in bound:
        raise ParseError(f"{call.written}() needs the text to type, like {EXAMPLES['type_text']}")
    text = _text(call, bound["text"], "text", allow_empty=False)
    enter = bound.get("enter", False)
    if not isinstance(enter, bool):
        raise ParseError(
            f"{call.written}() enter must be True or False, got {enter!r}. "
            f"Write it like {EXAMPLES['type_text']}"
        )
    return TypeText(text, _optional_target(call, bound.get("into"), "into"), enter)


def _build_hotkey(call: Call) -> Action:
    values = list(call.args)
    for key, value in call.kwargs.items():
        if key not in ("keys", "key"):
            raise ParseError(
                f"{call.written}() got an unknown keyword {key!r}; pass the keys as "
                f"arguments, like {EXAMPLES['hotkey']}"
            )
        values.append(value)
    keys: list[str] = []
    for value in values:
        for item in value if isinstance(value, tuple) else (value,):
            if not isinstance(item, str):
                raise ParseError(
                    f"{call.written}() keys must be key names in quotes, got {item!r}. "
                    f'Write it like {EXAMPLES["hotkey"]} or hotkey("ctrl+s")'
                )
            try:
                keys.extend(parse_key_combo(item))
            except ParseError as exc:
                raise ParseError(f"{call.written}(): {exc}") from None
    if not keys:
        raise ParseError(f"{call.written}() needs at least one key, like {EXAMPLES['hotkey']}")
    return Hotkey(order_keys(keys))


def _build_scroll(call: Call) -> Action:
    bound = _bind(call, [("direction", ()), ("amount", ("clicks", "times")), ("at", ("target",))])
    direction = bound.get("direction")
    if not isinstance(direction, str) or direction.strip().lower() not in SCROLL_DIRECTIONS:
        raise ParseError(
            f"scroll() direction must be one of {', '.join(map(repr, SCROLL_DIRECTIONS))}, "
            f"got {direction!r}. Write it like {EXAMPLES['scroll']}"
        )
    amount = bound.get("amount", 3)
    if not _is_int(amount) or not 1 <= amount <= MAX_SCROLL:
        raise ParseError(
            f"scroll() amount must be a whole number from 1 to {MAX_SCROLL}, got {amount!r}. "
            f"Write it like {EXAMPLES['scroll']}"
        )
    at = _optional_target(call, bound.get("at"), "at")
    return Scroll(direction.strip().lower(), amount, at)  # type: ignore[arg-type]


def _build_wait(call: Call) -> Action:
    seconds = _bind(call, [("seconds", ("duration", "secs"))]).get("seconds", 1.0)
    number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if not number or not 0 < seconds <= MAX_WAIT_SECONDS:
        raise ParseError(
            f"wait() seconds must be a number above 0 and at most {MAX_WAIT_SECONDS:g}, "
            f"got {seconds!r}. Write it like {EXAMPLES['wait']}"
        )
    return Wait(float(seconds))


def _build_open(call: Call) -> Action:
    bound = _bind(call, [("app", ("name", "command"))])
    if "app" not in bound:
        raise ParseError(f"open_app() needs the application's name, like {EXAMPLES['open_app']}")
    return OpenApp(_text(call, bound["app"], "app", allow_empty=False).strip())


def _build_finish(call: Call) -> Action:
    bound = _bind(call, [("reason", ("message", "text"))])
    reason = bound.get("reason", "")
    if reason is None:
        reason = ""
    cls = Done if call.name == "done" else Fail
    return cls(_text(call, reason, "reason", allow_empty=True))


BUILDERS: dict[str, Callable[[Call], Action]] = {
    "click": _build_pointing,
    "double_click": _build_pointing,
    "right_click": _build_pointing,
    "drag": _build_drag,
    "type_text": _build_type,
    "hotkey": _build_hotkey,
    "scroll": _build_scroll,
    "wait": _build_wait,
    "open_app": _build_open,
    "done": _build_finish,
    "fail": _build_finish,
}
assert set(BUILDERS) == set(ACTIONS), "every action needs a builder"
