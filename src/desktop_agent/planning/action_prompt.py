"""Choosing one action: the prompt sections and the answer format the worker and manager share.

Both the worker (every step) and the manager (when a plan, revision or
replan leaves a subgoal active) choose an action for the current subgoal,
from the same description of the action language (generated from the
action classes by `desktop_agent.action_docs`), the same element list and
the same answer format. The sections live in `prompts/action_*.md` and
`prompts/screen_elements.md`; this module renders them, so each is written
once.

An answer is a short thought, one action in a fenced block (parsed by
`desktop_agent.parser.parse_action`, never executed as code) and a line
`Completes subgoal: yes|no`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_agent.action_docs import describe_actions
from desktop_agent.actions import Action, Done, Fail
from desktop_agent.errors import ParseError
from desktop_agent.observation import Observation
from desktop_agent.parser import extract_code, parse_action

from .context import format_elements
from .templates import render

ACTION_ANSWER_FORMAT = (
    "Thought: <one or two sentences: what you see and what the next action does>\n"
    "```\n<exactly one action call>\n```\n"
    "Completes subgoal: <yes or no>"
)

_FENCED_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_COMPLETES = re.compile(
    r"^\W*completes?[ _-]subgoal\W*\s*:?\s*\W*(yes|no|true|false)\b", re.IGNORECASE | re.MULTILINE
)
_THOUGHT = re.compile(r"thought\s*:\s*(.*?)(?:```|$)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class WorkerAnswer:
    """One chosen action, from the worker or from the manager's answer."""

    action: Action
    thought: str = ""
    completes_subgoal: bool = False
    text: str = ""

    @property
    def subgoal_done(self) -> bool:
        """The subgoal is already complete (no action to execute)."""
        return isinstance(self.action, Done)

    @property
    def subgoal_failed(self) -> bool:
        return isinstance(self.action, Fail)


def parse_worker_answer(text: str) -> WorkerAnswer:
    """Read an action answer; ParseError (written for the model) when it is unusable."""
    blocks = _FENCED_BLOCK.findall(text)
    if len(blocks) > 1:
        raise ParseError(
            f"the answer has {len(blocks)} code blocks; write exactly one action in one block"
        )
    action = parse_action(extract_code(text))
    completes = _COMPLETES.search(text)
    thought = _THOUGHT.search(text)
    return WorkerAnswer(
        action=action,
        thought=" ".join(thought.group(1).split()) if thought else "",
        completes_subgoal=bool(completes and completes.group(1).lower() in ("yes", "true")),
        text=text,
    )


def render_section(name: str, **values: object) -> str:
    """A template rendered to go inside another one (no trailing newline to double up)."""
    return render(name, **values).rstrip()


def action_language_section() -> str:
    """The action language, described from the action definitions."""
    return render_section("action_language", action_docs=describe_actions())


def screen_elements_section(observation: Observation, *, max_elements: int) -> str:
    """The grounder's elements on this screen, compact, in reading order."""
    return render_section(
        "screen_elements", elements=format_elements(observation, limit=max_elements)
    )


def action_answer_section() -> str:
    """How to write an action answer, and the rules both the worker and manager follow."""
    return render_section("action_answer", answer_format=ACTION_ANSWER_FORMAT)
