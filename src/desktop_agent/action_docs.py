"""The action language described for a model, generated from the Action classes.

The dataclasses in `desktop_agent.actions` are the single source of truth: each
line here is an action's signature (from its fields and defaults) and its
docstring, so a new field or action shows up in prompts without editing text.
"""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields

from desktop_agent.actions import ACTIONS, SCROLL_DIRECTIONS, Action
from desktop_agent.keys import ACCEPTED_KEYS_TEXT


def signature(cls: type[Action]) -> str:
    """`click(target)`, `type_text(text, into=None, enter=False)`, `hotkey(*keys)`."""
    params: list[str] = []
    for f in fields(cls):
        if str(f.type).startswith("tuple"):
            params.append(f"*{f.name}")  # a tuple field is written as several arguments
        elif f.default is not MISSING:
            params.append(f"{f.name}={f.default!r}")
        else:
            params.append(f.name)
    return f"{cls.name}({', '.join(params)})"


def summary(cls: type[Action]) -> str:
    """The first paragraph of the class docstring on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n")[0].split())


def action_signatures() -> list[str]:
    """Every action's signature, in registry order."""
    return [signature(cls) for cls in ACTIONS.values()]


def describe_actions() -> str:
    """The action language for a prompt: a short preamble, then one line per action."""
    lines = [
        "Write exactly one action call per step with literal arguments only.",
        'A target is a description of a UI element in quotes, like "Save", '
        "or a point in screenshot pixels, like (120, 340).",
        f"Scroll directions: {', '.join(SCROLL_DIRECTIONS)}. Keys: {ACCEPTED_KEYS_TEXT}.",
        "",
    ]
    lines.extend(f"{signature(cls)}: {summary(cls)}" for cls in ACTIONS.values())
    return "\n".join(lines)
