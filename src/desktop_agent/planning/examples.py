"""Worked examples for the manager: the agent asks, something else answers.

`desktop_agent` never imports `demos`; it defines this small Protocol and the
composition root (`ui`) hands in the demos store's implementation. Without
one, `NoExamples` answers nothing and the manager plans from the task alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image


@dataclass(frozen=True)
class Example:
    """A task done before: its instruction, its steps as text, and where it came from."""

    instruction: str
    steps: str
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"instruction": self.instruction, "steps": self.steps, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Example:
        return cls(str(data["instruction"]), str(data["steps"]), str(data.get("source", "")))


class ExampleSource(Protocol):
    def examples(self, instruction: str, screenshot: Image.Image | None, k: int) -> list[Example]:
        """Up to `k` examples most like this task (best first)."""
        ...


class NoExamples:
    """An example source with nothing in it."""

    def examples(self, instruction: str, screenshot: Image.Image | None, k: int) -> list[Example]:
        return []


class StaticExamples:
    """A fixed list of examples, always the first `k` (tests, benchmarks, a config file)."""

    def __init__(self, examples: list[Example]) -> None:
        self._examples = list(examples)

    def examples(self, instruction: str, screenshot: Image.Image | None, k: int) -> list[Example]:
        return self._examples[:k]


def format_examples(examples: list[Example], *, max_chars: int = 6000) -> str:
    """The examples as prompt text, cut at `max_chars` so a long demo cannot crowd the prompt."""
    if not examples:
        return "(none)"
    parts: list[str] = []
    for number, example in enumerate(examples, 1):
        origin = f" (from {example.source})" if example.source else ""
        steps = example.steps.strip()
        parts.append(f"Example {number}{origin}\nTask: {example.instruction}\nSteps:\n{steps}")
    text = "\n\n".join(parts)
    return text if len(text) <= max_chars else text[: max_chars - 15].rstrip() + "\n[... cut ...]"
