"""Prompt pieces built from what the agent has seen and done: steps, elements, lists."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from desktop_agent.observation import ELEMENTS_KEY, Observation
from desktop_agent.step import Step, StepStatus
from grounding.types import Element

logger = logging.getLogger(__name__)


def format_step(step: Step) -> str:
    code = step.action.to_code() if step.action else "(no action)"
    if step.status == StepStatus.OK:
        outcome = "ok"
    elif step.error:
        outcome = f"{step.status.value}: {step.error}"
    else:
        outcome = step.status.value
    return f"step {step.index}: {code} -> {outcome}"


def format_steps(steps: Sequence[Step], limit: int) -> str:
    """The last `limit` steps, oldest first, as action code and outcome."""
    if not steps:
        return "(none yet)"
    shown = list(steps)[-limit:] if limit > 0 else []
    lines = [format_step(s) for s in shown]
    skipped = len(steps) - len(shown)
    if skipped:
        lines.insert(0, f"({skipped} earlier steps not shown)")
    return "\n".join(lines)


def numbered(items: Sequence[str], *, empty: str = "(none)") -> str:
    return "\n".join(f"{n}. {text}" for n, text in enumerate(items, 1)) if items else empty


def _as_element(value: Any) -> Element | None:
    if isinstance(value, Element):
        return value
    if isinstance(value, dict):
        try:
            return Element.from_dict(value)
        except (KeyError, TypeError, ValueError):
            logger.debug("skipping an element that is not an Element dict: %r", value)
    return None


def observation_elements(observation: Observation) -> list[Element]:
    raw = observation.extra.get(ELEMENTS_KEY) or []
    elements = [e for e in (_as_element(v) for v in raw) if e is not None]
    return elements


def format_elements(observation: Observation, *, limit: int) -> str:
    """A compact element list in reading order, or a note that there is none."""
    elements = observation_elements(observation)
    if not elements:
        return (
            "(no element list for this screen; name targets by the text written on them, "
            'or describe them, e.g. "the search field")'
        )
    # Reading order: rows of about one text line, then left to right.
    ordered = sorted(elements, key=lambda e: (e.box.top // 12, e.box.left))
    lines = []
    for element in ordered[:limit]:
        x, y = element.box.center
        text = " ".join(element.text.split())
        label = f' "{text[:60]}"' if text else ""
        lines.append(f"- {element.role}{label} at ({x}, {y})")
    if len(ordered) > limit:
        lines.append(f"- ... {len(ordered) - limit} more not listed")
    return "\n".join(lines)


def describe_screen(observation: Observation) -> str:
    width, height = observation.size
    return f"{width}x{height}"
