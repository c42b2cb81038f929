"""The manager: writes the ordered subgoals, revises them, replans after a failure.

It is called at the start of a run (plan), when a subgoal completes (revise,
which also checks whether the whole task is done) and when a subgoal fails
(replan). Its answer is a numbered list after a `Subgoals:` line, or
`DONE: ...` / `FAIL: ...`.

An answer that leaves a subgoal to do also chooses that subgoal's first
action, in the worker's format (`action_prompt`) after a `First action:`
line, from the same action language, element list and trimmed history the
worker gets: the planner executes it without a worker call. A missing or
unreadable action part does not make the answer unusable and is not asked
again: `ManagerAnswer.action` is then None and the worker chooses the action,
so nothing partial is executed and the cost is one worker call, as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from desktop_agent.errors import ParseError
from desktop_agent.llm.types import ChatMessage, ChatModel
from desktop_agent.observation import Observation
from desktop_agent.step import Step

from .action_prompt import (
    WorkerAnswer,
    action_answer_section,
    action_language_section,
    parse_worker_answer,
    render_section,
    screen_elements_section,
)
from .context import describe_screen, format_steps, numbered
from .examples import ExampleSource, NoExamples, format_examples
from .exchanges import ModelCaller, screenshot_ref
from .plan import PlanState, SubgoalStatus
from .templates import render

logger = logging.getLogger(__name__)

MANAGER_ANSWER_FORMAT = (
    "one short paragraph of reasoning, then the line `Subgoals:` and a numbered list "
    "(1. ..., 2. ...), one subgoal per line, then the line `First action:` and the first action "
    "of subgoal 1 (Thought:, the action in a ``` block, Completes subgoal: yes or no); or the "
    "line `DONE: <what was achieved>` when the task is complete; or the line `FAIL: <reason>` "
    "when it cannot be done."
)

# Markdown emphasis and code marks at a word's edge; "my_notes.txt" keeps its underscore.
_MARKUP = re.compile(r"(?<![A-Za-z0-9])[*_`]+|[*_`]+(?![A-Za-z0-9])")
_HEADING = re.compile(r"^\s*#*\s*(?:subgoals|plan)\s*:?\s*$", re.IGNORECASE | re.MULTILINE)
_NUMBERED = re.compile(r"^\s*(?:step\s*)?(\d{1,2})\s*[.):]\s*(.+?)\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-*•]\s+(.+?)\s*$")
_MARKER = re.compile(r"^\s*(DONE|FAIL)\b\s*(?::|-|—)?\s*(.*)$")
# Where the action part starts, once the list has begun.
_ACTION_START = re.compile(r"^\W*(?:first\s+action\b|thought\s*:)|^\s*```", re.IGNORECASE)


@dataclass(frozen=True)
class ManagerAnswer:
    """Exactly one of: subgoals to do, the task is done, the task cannot be done.

    With subgoals, `action` is the first subgoal's first action when the
    manager wrote a usable one; otherwise `action_problem` says why not
    (the worker is asked instead).
    """

    subgoals: tuple[str, ...] = ()
    done: str | None = None
    fail: str | None = None
    text: str = ""  # the model's reply
    action: WorkerAnswer | None = None
    action_problem: str | None = None


def _clean(line: str) -> str:
    return _MARKUP.sub("", line).strip()


def _items(lines: list[str]) -> list[str]:
    found = [m.group(2) for m in (_NUMBERED.match(_clean(ln)) for ln in lines) if m]
    if found:
        return [text.strip() for text in found if text.strip()]
    return [m.group(1) for m in (_BULLET.match(ln) for ln in lines) if m]


def _is_item(line: str) -> bool:
    return bool(_NUMBERED.match(_clean(line)) or _BULLET.match(line))


def split_action_part(text: str) -> tuple[str, str]:
    """(the plan part, the action part): the action part starts after the first list item,
    at a `First action:` or `Thought:` line or a code fence; "" when there is none."""
    headings = list(_HEADING.finditer(text))
    offset = headings[-1].end() if headings else 0
    seen_item = False
    for line in text[offset:].splitlines(keepends=True):
        if seen_item and _ACTION_START.match(line):
            return text[:offset], text[offset:]
        seen_item = seen_item or _is_item(line)
        offset += len(line)
    return text, ""


def _first_action(part: str) -> tuple[WorkerAnswer | None, str | None]:
    """The action part read like a worker answer, or why it cannot be used."""
    if not part.strip():
        return None, "the answer has no first action"
    try:
        answer = parse_worker_answer(part.strip())
    except ParseError as exc:
        return None, f"its first action could not be read: {exc}"
    if answer.subgoal_done or answer.subgoal_failed:
        return None, f"its first action {answer.action.to_code()} starts nothing"
    return answer, None


def parse_manager_answer(text: str, *, max_subgoals: int) -> ManagerAnswer:
    """Read the manager's answer; ParseError (written for the model) when it is unusable.

    Only the plan part can make the answer unusable: a bad action part is
    reported in `action_problem`, never raised.
    """
    plan_part, action_part = split_action_part(text)
    headings = list(_HEADING.finditer(plan_part))
    body = plan_part[headings[-1].end() :] if headings else plan_part
    items = _items(body.splitlines())
    markers = [m for m in (_MARKER.match(_clean(ln)) for ln in plan_part.splitlines()) if m]
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
    action, problem = _first_action(action_part)
    return ManagerAnswer(subgoals=tuple(items), action=action, action_problem=problem)


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
        history_steps: int = 8,
        max_elements: int = 60,
    ) -> None:
        self.model = model
        self.examples = examples or NoExamples()
        self.caller = caller or ModelCaller()
        self.max_subgoals = max_subgoals
        self.num_examples = num_examples
        self.max_parse_retries = max_parse_retries
        self.history_steps = history_steps
        self.max_elements = max_elements

    def _acting_sections(self, observation: Observation) -> dict[str, object]:
        """What the worker is shown to choose an action, and how to write the first one."""
        first_action = render_section("manager_first_action", action_answer=action_answer_section())
        return {
            "action_language": action_language_section(),
            "screen_elements": screen_elements_section(observation, max_elements=self.max_elements),
            "first_action": first_action,
            "screen_size": describe_screen(observation),
            "max_subgoals": self.max_subgoals,
        }

    def _ask(self, purpose: str, prompt: str, observation: Observation) -> ManagerAnswer:
        message = ChatMessage(
            "user",
            prompt,
            images=(observation.screenshot,),
            image_refs=(screenshot_ref(self.caller.step),),
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
        if answer.action_problem:
            logger.info("manager %s: no usable first action (%s)", purpose, answer.action_problem)
        return replace(answer, text=text)

    def plan(self, instruction: str, observation: Observation) -> ManagerAnswer:
        screenshot = observation.screenshot
        examples = self.examples.examples(instruction, screenshot, self.num_examples)
        prompt = render(
            "manager_plan",
            instruction=instruction,
            active_window=observation.active_window or "unknown",
            examples=format_examples(examples),
            **self._acting_sections(observation),
        )
        return self._ask("plan", prompt, observation)

    def revise(
        self, instruction: str, plan: PlanState, observation: Observation, history: Sequence[Step]
    ) -> ManagerAnswer:
        prompt = render(
            "manager_revise",
            instruction=instruction,
            completed=numbered(plan.texts(SubgoalStatus.DONE)),
            remaining=numbered(plan.remaining),
            last_steps=format_steps(history, self.history_steps),
            **self._acting_sections(observation),
        )
        return self._ask("revise", prompt, observation)

    def replan(
        self,
        instruction: str,
        plan: PlanState,
        observation: Observation,
        history: Sequence[Step],
        *,
        failed_subgoal: str,
        what_went_wrong: str,
    ) -> ManagerAnswer:
        prompt = render(
            "manager_replan",
            instruction=instruction,
            completed=numbered(plan.texts(SubgoalStatus.DONE)),
            failed_subgoal=failed_subgoal,
            what_went_wrong=what_went_wrong,
            last_steps=format_steps(history, self.history_steps),
            **self._acting_sections(observation),
        )
        return self._ask("replan", prompt, observation)
