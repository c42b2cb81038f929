"""Single-model mode: one model (UI-TARS style) looks at the screen and answers an action
with coordinates; no manager, no grounder.

Points come in the model's frame, `relative1000` (UI-TARS 1.5, Qwen2.5-VL
prompts) or `absolute` (pixels of the image it was sent), and are mapped to
screenshot pixels. The screenshot is downscaled here to `max_image_side`, so
in `absolute` mode the model's pixels are known; keep it at or below the
role's `max_image_side` so the client sends this image as is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_agent.actions import Action
from desktop_agent.errors import ParseError
from desktop_agent.llm.types import ChatMessage, ChatModel
from desktop_agent.observation import Observation
from desktop_agent.planner import Decision
from desktop_agent.step import Step
from grounding.vlm import fit_image

from .context import format_step
from .exchanges import ModelCaller, ModelCallLog, screenshot_ref
from .templates import render
from .uitars import SINGLE_MODEL_ANSWER_FORMAT, CoordinateFrame, Frame, split_answer, to_action

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class SingleModelConfig:
    coordinate_frame: CoordinateFrame = "relative1000"
    max_image_side: int = 1280
    history_steps: int = 8
    max_parse_retries: int = 2
    max_time_s: float | None = None
    language: str = "English"

    def __post_init__(self) -> None:
        if self.coordinate_frame not in ("absolute", "relative1000"):
            raise ValueError(
                f"coordinate_frame must be 'absolute' or 'relative1000', "
                f"not {self.coordinate_frame!r}"
            )


def _previous(step: Step) -> str:
    """The model's own earlier answer, shortened, and what came of it."""
    try:
        thought, action = split_answer(step.source_text)
    except ParseError:  # an older answer that is not in the format: show the action code
        thought, action = "", ""
    outcome = format_step(step).split(" -> ", 1)[-1]
    said = f"Thought: {thought[:300]} Action: {action}" if action else format_step(step)
    return f"Step {step.index}: {said} -> {outcome}"


class SingleModelPlanner(ModelCallLog):
    """A `Planner` for one instruction, backed by one coordinate-answering model."""

    # Read by the agent loop: a failed step is shown to the model, which tries
    # again; it reads the screenshot itself, so no element list is built.
    recovers_from_failure = True
    wants_elements = False

    def __init__(
        self,
        instruction: str,
        model: ChatModel,
        *,
        config: SingleModelConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instruction = instruction
        self.model = model
        self.config = config or SingleModelConfig()
        self.caller = ModelCaller(max_time_s=self.config.max_time_s, clock=clock)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "single_model",
            "instruction": self.instruction,
            "coordinate_frame": self.config.coordinate_frame,
            "calls": self.calls,
            "cost_usd": self.caller.cost_usd,
            "exchanges": [e.to_dict() for e in self.caller.exchanges],
        }

    def prompt(self, history: Sequence[Step], frame: Frame) -> str:
        shown = list(history)[-self.config.history_steps :]
        lines = [_previous(s) for s in shown]
        return render(
            "single_model",
            instruction=self.instruction,
            history="\n".join(lines) if lines else "(none yet)",
            frame_note=f"Coordinates are {frame.describe()}.",
            language=self.config.language,
        )

    def next_action(self, observation: Observation, history: Sequence[Step]) -> Decision:
        step = len(history) + 1
        self.caller.step = step
        self.caller.check_time()
        fitted = fit_image(observation.screenshot, self.config.max_image_side)
        frame = Frame(self.config.coordinate_frame, fitted.size, observation.size)
        message = ChatMessage(
            "user",
            self.prompt(history, frame),
            images=(fitted.image,),
            image_refs=(screenshot_ref(step),),
        )

        def parse(text: str) -> Action:
            thought, code = split_answer(text)
            return to_action(code, frame, thought=thought)

        action, text = self.caller.ask(
            self.model,
            [message],
            parse,
            purpose="single_model",
            answer_format=SINGLE_MODEL_ANSWER_FORMAT,
            max_retries=self.config.max_parse_retries,
        )
        logger.info("single model: %s", action.to_code())
        return Decision(action, text, ())
