"""The manager: writes the ordered subgoals, revises them, replans after a failure.

It is called only at the start of a run, when a subgoal completes (revise,
which also checks whether the whole task is done) and when a subgoal fails
(replan); the worker does the per-step work. Its answer is a numbered list
after a `Subgoals:` line, or `DONE: ...` / `FAIL: ...`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from PIL import Image

from desktop_agent.errors import ParseError
from desktop_agent.llm.types import ChatMessage, ChatModel

from .context import numbered
from .examples import ExampleSource, NoExamples, format_examples
from .exchanges import ModelCaller, screenshot_ref
from .plan import PlanState, SubgoalStatus
from .templates import render

logger = logging.getLogger(__name__)

MANAGER_ANSWER_FORMAT = (
    "one short paragraph of reasoning, then the line `Subgoals:` and a numbered list "
    "(1. ..., 2. ...), one subgoal per line; or the line `DONE: <what was achieved>` when the "
    "task is complete; or the line `FAIL: <reason>` when it cannot be done."
)

# Markdown emphasis and code marks at a word's edge; "my_notes.txt" keeps its underscore.
_MARKUP = re.compile(r"(?<![A-Za-z0-9])[*_`]+|[*_`]+(?![A-Za-z0-9])")
_HEADING = re.compile(r"^\s*#*\s*(?:subgoals|plan)\s*:?\s*$", re.IGNORECASE | re.MULTILINE)
_NUMBERED = re.compile(r"^\s*(?:step\s*)?(\d{1,2})\s*[.):]\s*(.+?)\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-*•]\s+(.+?)\s*$")
_MARKER = re.compile(r"^\s*(DONE|FAIL)\b\s*(?::|-|—)?\s*(.*)$")


@dataclass(frozen=True)
class ManagerAnswer:
    """Exactly one of: subgoals to do, the task is done, the task cannot be done."""

    subgoals: tuple[str, ...] = ()
    done: str | None = None
    fail: str | None = None
    text: str = ""  # the model's reply


def _clean(line: str) -> str:
    return _MARKUP.sub("", line).strip()


def _items(lines: list[str]) -> list[str]:
    found = [m.group(2) for m in (_NUMBERED.match(_clean(ln)) for ln in lines) if m]
    if found:
        return [text.strip() for text in found if text.strip()]
    return [m.group(1) for m in (_BULLET.match(ln) for ln in lines) if m]


def parse_manager_answer(text: str, *, max_subgoals: int) -> ManagerAnswer:
    """Read the manager's answer; ParseError (written for the model) when it is unusable."""
    headings = list(_HEADING.finditer(text))
    body = text[headings[-1].end() :] if headings else text
    items = _items(body.splitlines())
    markers = [m for m in (_MARKER.match(_clean(ln)) for ln in text.splitlines()) if m]
    if markers and items:
        raise ParseError(
            f"the answer has both a subgoal list and a {markers[0].group(1)}: line; "
            f"write one of them. Answer with {MANAGER_ANSWER_FORMAT}"
        )
    if markers:
        kind, reason = markers[-1].group(1), markers[-1].group(2).strip()
        reason = reason or ("the task is complete" if kind == "DONE" else "no reason given")
        return ManagerAnswer(done=reason) if kind == "DONE" else ManagerAnswer(fail=reason)
    if not items:
        where = "after the `Subgoals:` line" if headings else "in the answer"
        raise ParseError(f"no numbered subgoals found {where}. Answer with {MANAGER_ANSWER_FORMAT}")
    if len(items) > max_subgoals:
        raise ParseError(
            f"{len(items)} subgoals are more than the {max_subgoals} allowed; merge small ones. "
            f"Answer with {MANAGER_ANSWER_FORMAT}"
        )
    return ManagerAnswer(subgoals=tuple(items))


class Manager:
    """Plans with a model: plan at the start, revise after a subgoal, replan after a failure."""

    def __init__(
        self,
        model: ChatModel,
        examples: ExampleSource | None = None,
        *,
        caller: ModelCaller | None = None,
        max_subgoals: int = 10,
        num_examples: int = 3,
        max_parse_retries: int = 1,
    ) -> None:
        self.model = model
        self.examples = examples or NoExamples()
        self.caller = caller or ModelCaller()
        self.max_subgoals = max_subgoals
        self.num_examples = num_examples
        self.max_parse_retries = max_parse_retries

    def _ask(self, purpose: str, prompt: str, screenshot: Image.Image) -> ManagerAnswer:
        message = ChatMessage(
            "user", prompt, images=(screenshot,), image_refs=(screenshot_ref(self.caller.step),)
        )
        answer, text = self.caller.ask(
            self.model,
            [message],
            lambda text: parse_manager_answer(text, max_subgoals=self.max_subgoals),
            purpose=purpose,
            answer_format=MANAGER_ANSWER_FORMAT,
            max_retries=self.max_parse_retries,
        )
        logger.info("manager %s: %s", purpose, answer)
        return replace(answer, text=text)

    def plan(
        self, instruction: str, screenshot: Image.Image, *, active_window: str | None = None
    ) -> ManagerAnswer:
        examples = self.examples.examples(instruction, screenshot, self.num_examples)
        width, height = screenshot.size
        prompt = render(
            "manager_plan",
            instruction=instruction,
            screen_size=f"{width}x{height}",
            active_window=active_window or "unknown",
            examples=format_examples(examples),
            max_subgoals=self.max_subgoals,
        )
        return self._ask("plan", prompt, screenshot)

    def revise(
        self, instruction: str, plan: PlanState, screenshot: Image.Image, last_steps: str
    ) -> ManagerAnswer:
        prompt = render(
            "manager_revise",
            instruction=instruction,
            completed=numbered(plan.texts(SubgoalStatus.DONE)),
            remaining=numbered(plan.remaining),
            last_steps=last_steps,
            max_subgoals=self.max_subgoals,
        )
        return self._ask("revise", prompt, screenshot)

    def replan(
        self,
        instruction: str,
        plan: PlanState,
        screenshot: Image.Image,
        *,
        failed_subgoal: str,
        what_went_wrong: str,
        last_steps: str,
    ) -> ManagerAnswer:
        prompt = render(
            "manager_replan",
            instruction=instruction,
            completed=numbered(plan.texts(SubgoalStatus.DONE)),
            failed_subgoal=failed_subgoal,
            what_went_wrong=what_went_wrong,
            last_steps=last_steps,
            max_subgoals=self.max_subgoals,
        )
        return self._ask("replan", prompt, screenshot)
