"""The closed set of actions the agent can take.

A target is either a description of a UI element (text written on it, or a
description for the grounder) or a `Point` in screenshot pixels. Actions are
frozen dataclasses; `to_dict`/`from_dict` round-trip them and `to_code` writes
them back in the action language that `desktop_agent.parser` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal


@dataclass(frozen=True, slots=True)
class Point:
    """A point in screenshot pixels."""

    x: int
    y: int

    def to_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y}


Target = str | Point
ScrollDirection = Literal["up", "down", "left", "right"]
SCROLL_DIRECTIONS: tuple[str, ...] = ("up", "down", "left", "right")


def target_to_json(target: Target | None) -> Any:
    if target is None or isinstance(target, str):
        return target
    return target.to_dict()


def target_from_json(data: Any) -> Target | None:
    if data is None or isinstance(data, str):
        return data
    if isinstance(data, dict) and set(data) == {"x", "y"}:
        return Point(int(data["x"]), int(data["y"]))
    raise ValueError(f"not a target: {data!r}")


def target_to_code(target: Target) -> str:
    if isinstance(target, Point):
        return f"({target.x}, {target.y})"
    return repr(target)


@dataclass(frozen=True, slots=True)
class Action:
    """Base of every action; `name` is its word in the action language."""

    name: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.name}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Point) or f.name in _TARGET_FIELDS:
                value = target_to_json(value)
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Action:
        name = data.get("action")
        cls = ACTIONS.get(str(name))
        if cls is None:
            raise ValueError(f"unknown action {name!r}; known: {', '.join(sorted(ACTIONS))}")
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in _TARGET_FIELDS:
                value = target_from_json(value)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[f.name] = value
        return cls(**kwargs)

    def to_code(self) -> str:
        raise NotImplementedError


_TARGET_FIELDS = frozenset({"target", "into", "at", "start", "end"})


@dataclass(frozen=True, slots=True)
class Click(Action):
    """Click the left mouse button once on a target."""

    name: ClassVar[str] = "click"
    target: Target

    def to_code(self) -> str:
        return f"click({target_to_code(self.target)})"


@dataclass(frozen=True, slots=True)
class DoubleClick(Action):
    """Double-click the left mouse button on a target."""

    name: ClassVar[str] = "double_click"
    target: Target

    def to_code(self) -> str:
        return f"double_click({target_to_code(self.target)})"


@dataclass(frozen=True, slots=True)
class RightClick(Action):
    """Click the right mouse button on a target (opens context menus)."""

    name: ClassVar[str] = "right_click"
    target: Target

    def to_code(self) -> str:
        return f"right_click({target_to_code(self.target)})"


@dataclass(frozen=True, slots=True)
class Drag(Action):
    """Press the left button on `start`, move to `end`, release."""

    name: ClassVar[str] = "drag"
    start: Target
    end: Target

    def to_code(self) -> str:
        return f"drag({target_to_code(self.start)}, {target_to_code(self.end)})"


@dataclass(frozen=True, slots=True)
class TypeText(Action):
    """Type text (any script) at the keyboard focus, or into a target clicked first."""

    name: ClassVar[str] = "type_text"
    text: str
    into: Target | None = None
    enter: bool = False

    def to_code(self) -> str:
        args = [repr(self.text)]
        if self.into is not None:
            args.append(f"into={target_to_code(self.into)}")
        if self.enter:
            args.append("enter=True")
        return f"type_text({', '.join(args)})"


@dataclass(frozen=True, slots=True)
class Hotkey(Action):
    """Press keys together, e.g. hotkey("ctrl", "s"), or one key: hotkey("enter")."""

    name: ClassVar[str] = "hotkey"
    keys: tuple[str, ...]

    def to_code(self) -> str:
        return f"hotkey({', '.join(repr(k) for k in self.keys)})"


@dataclass(frozen=True, slots=True)
class Scroll(Action):
    """Scroll the mouse wheel `amount` notches in a direction, over a target if given."""

    name: ClassVar[str] = "scroll"
    direction: ScrollDirection
    amount: int = 3
    at: Target | None = None

    def to_code(self) -> str:
        at = f", at={target_to_code(self.at)}" if self.at is not None else ""
        return f"scroll({self.direction!r}, {self.amount}{at})"


@dataclass(frozen=True, slots=True)
class Wait(Action):
    """Wait a number of seconds for the screen to settle."""

    name: ClassVar[str] = "wait"
    seconds: float = 1.0

    def to_code(self) -> str:
        return f"wait({self.seconds:g})"


@dataclass(frozen=True, slots=True)
class OpenApp(Action):
    """Start an application by its command name, e.g. open_app("mousepad")."""

    name: ClassVar[str] = "open_app"
    app: str

    def to_code(self) -> str:
        return f"open_app({self.app!r})"


@dataclass(frozen=True, slots=True)
class Done(Action):
    """Finish: the task is complete."""

    name: ClassVar[str] = "done"
    reason: str = ""

    def to_code(self) -> str:
        return f"done({self.reason!r})" if self.reason else "done()"


@dataclass(frozen=True, slots=True)
class Fail(Action):
    """Finish: the task cannot be done; say why."""

    name: ClassVar[str] = "fail"
    reason: str = ""

    def to_code(self) -> str:
        return f"fail({self.reason!r})" if self.reason else "fail()"


ACTIONS: dict[str, type[Action]] = {
    cls.name: cls
    for cls in (
        Click,
        DoubleClick,
        RightClick,
        Drag,
        TypeText,
        Hotkey,
        Scroll,
        Wait,
        OpenApp,
        Done,
        Fail,
    )
}

TERMINAL_ACTIONS: tuple[type[Action], ...] = (Done, Fail)
