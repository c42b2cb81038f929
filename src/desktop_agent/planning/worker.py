"""The worker: the current subgoal + the screen -> exactly one action.

Its answer is a short thought, one action in a fenced block (parsed by
`desktop_agent.parser.parse_action`, never executed as code) and a line
`Completes subgoal: yes|no` (the format and the prompt sections it shares
with the manager are in `action_prompt`). The worker signals the end of a
subgoal itself, so no extra model call checks each step:

- `Completes subgoal: yes` with an ordinary action: the subgoal is complete
  once that action is done; the planner moves on at the next step.
- `done("...")` as the action: the subgoal is already complete (the worker
  saw it on the screen); nothing is executed for it.
- `fail("...")` as the action: the subgoal cannot be done from here; the
  manager replans.

The worker is not asked for a subgoal's first action when the manager's
answer already chose it (see `manager`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from desktop_agent.llm.types import ChatMessage, ChatModel
from desktop_agent.observation import Observation
from desktop_agent.step import Step

from .action_prompt import (
    ACTION_ANSWER_FORMAT,
    WorkerAnswer,
    action_answer_section,
    action_language_section,
    parse_worker_answer,
    screen_elements_section,
)
from .context import describe_screen, format_steps
from .errors import PlanningError
from .exchanges import ModelCaller, screenshot_ref
from .plan import PlanState
from .templates import render

logger = logging.getLogger(__name__)

# Re-exported: the worker's answer is the shared action answer.
WORKER_ANSWER_FORMAT = ACTION_ANSWER_FORMAT
__all__ = ["WORKER_ANSWER_FORMAT", "Worker", "WorkerAnswer", "parse_worker_answer"]


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
            action_language=action_language_section(),
            instruction=instruction,
            plan="\n".join(plan.lines()),
            subgoal=subgoal.text,
            history=format_steps(history, self.history_steps),
            advice=f"Advice after a progress check (follow it): {advice}\n" if advice else "",
            screen_elements=screen_elements_section(observation, max_elements=self.max_elements),
            screen_size=describe_screen(observation),
            action_answer=action_answer_section(),
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
