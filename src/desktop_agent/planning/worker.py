"""The worker: the current subgoal + the screen -> exactly one action.

Its answer is a short thought, one action in a fenced block (parsed by
`desktop_agent.parser.parse_action`, never executed as code) and a line
`Completes subgoal: yes|no`. The worker signals the end of a subgoal itself,
so no extra model call checks each step:

- `Completes subgoal: yes` with an ordinary action: the subgoal is complete
  once that action is done; the planner moves on at the next step.
- `done("...")` as the action: the subgoal is already complete (the worker
  saw it on the screen); nothing is executed for it.
- `fail("...")` as the action: the subgoal cannot be done from here; the
  manager replans.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_agent.action_docs import describe_actions
from desktop_agent.actions import Action, Done, Fail
from desktop_agent.errors import ParseError
from desktop_agent.llm.types import ChatMessage, ChatModel
from desktop_agent.observation import Observation
from desktop_agent.parser import extract_code, parse_action
from desktop_agent.step import Step

from .context import describe_screen, format_elements, format_steps
from .errors import PlanningError
from .exchanges import ModelCaller, screenshot_ref
from .plan import PlanState
from .templates import render

logger = logging.getLogger(__name__)

WORKER_ANSWER_FORMAT = (
    "Thought: <one or two sentences>\n```\n<exactly one action call>\n```\n"
    "Completes subgoal: <yes or no>"
)

_FENCED_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_COMPLETES = re.compile(
    r"^\W*completes?[ _-]subgoal\W*\s*:?\s*\W*(yes|no|true|false)\b", re.IGNORECASE | re.MULTILINE
)
_THOUGHT = re.compile(r"thought\s*:\s*(.*?)(?:```|$)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class WorkerAnswer:
    action: Action
    thought: str = ""
    completes_subgoal: bool = False
    text: str = ""

    @property
    def subgoal_done(self) -> bool:
        """The worker says the subgoal is already complete (no action to execute)."""
        return isinstance(self.action, Done)

    @property
    def subgoal_failed(self) -> bool:
        return isinstance(self.action, Fail)


def parse_worker_answer(text: str) -> WorkerAnswer:
    """Read a worker answer; ParseError (written for the model) when it is unusable."""
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


class Worker:
    """Asks a model for the next action of the active subgoal."""

    def __init__(
        self,
        model: ChatModel,
        *,
        caller: ModelCaller | None = None,
        history_steps: int = 8,
        max_elements: int = 60,
        max_parse_retries: int = 2,
    ) -> None:
        self.model = model
        self.caller = caller or ModelCaller()
        self.history_steps = history_steps
        self.max_elements = max_elements
        self.max_parse_retries = max_parse_retries

    def prompt(
        self,
        instruction: str,
        plan: PlanState,
        observation: Observation,
        history: Sequence[Step],
        *,
        advice: str = "",
    ) -> str:
        subgoal = plan.active
        if subgoal is None:
            raise PlanningError("the worker was asked for an action with no active subgoal")
        return render(
            "worker",
            action_docs=describe_actions(),
            instruction=instruction,
            plan="\n".join(plan.lines()),
            subgoal=subgoal.text,
            history=format_steps(history, self.history_steps),
            advice=f"Advice after a progress check (follow it): {advice}\n" if advice else "",
            elements=format_elements(observation, limit=self.max_elements),
            screen_size=describe_screen(observation),
        )

    def decide(
        self,
        instruction: str,
        plan: PlanState,
        observation: Observation,
        history: Sequence[Step],
        *,
        advice: str = "",
    ) -> WorkerAnswer:
        text = self.prompt(instruction, plan, observation, history, advice=advice)
        message = ChatMessage(
            "user",
            text,
            images=(observation.screenshot,),
            image_refs=(screenshot_ref(self.caller.step),),
        )
        answer, _ = self.caller.ask(
            self.model,
            [message],
            parse_worker_answer,
            purpose="worker",
            answer_format=WORKER_ANSWER_FORMAT,
            max_retries=self.max_parse_retries,
        )
        logger.info("worker: %s (completes subgoal: %s)", answer.action, answer.completes_subgoal)
        return answer
