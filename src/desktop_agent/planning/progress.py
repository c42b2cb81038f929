"""Progress checks: cheap tests run before each worker call, no model involved.

A check that fires returns a reason; only then does the planner spend a model
call on reflection (retry differently, or replan). The three checks:

- the screen did not change after the last action (a click that missed, a
  key the window ignored);
- the same action was taken `repeat_limit` times in a row;
- the current subgoal has taken `max_subgoal_steps` steps without completing.

Each window starts when a subgoal starts or a reflection answered "retry", so
one stuck spell fires once, not on every later step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from desktop_agent.actions import Action, Done, Fail, Wait
from desktop_agent.step import Step, StepStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ProgressConfig:
    repeat_limit: int = 3
    max_subgoal_steps: int = 8
    # Fraction of sampled pixels that may differ and still count as "unchanged":
    # a blinking caret or a clock must not hide a click that did nothing.
    unchanged_tolerance: float = 0.0005
    sample_stride: int = 2
    not_expected_to_change: tuple[type[Action], ...] = (Wait, Done, Fail)
    # After this many reflections on one subgoal, a firing check replans directly.
    max_reflections_per_subgoal: int = 2


def screen_changed(
    before: Image.Image, after: Image.Image, *, tolerance: float = 0.0005, stride: int = 2
) -> bool:
    """Whether more than `tolerance` of the sampled pixels differ."""
    if before.size != after.size:
        return True
    a = np.asarray(before.convert("RGB"))[::stride, ::stride]
    b = np.asarray(after.convert("RGB"))[::stride, ::stride]
    differing = np.any(a != b, axis=-1)
    return float(differing.mean()) > tolerance


class ProgressMonitor:
    """Runs the progress checks over the steps of the current window."""

    def __init__(self, config: ProgressConfig | None = None) -> None:
        self.config = config or ProgressConfig()
        self._window_after = 0  # steps with a larger index belong to the window
        self.reflections_this_subgoal = 0

    def start_subgoal(self, steps_so_far: int) -> None:
        self._window_after = steps_so_far
        self.reflections_this_subgoal = 0

    def after_reflection(self, steps_so_far: int) -> None:
        self._window_after = steps_so_far
        self.reflections_this_subgoal += 1

    @property
    def reflections_exhausted(self) -> bool:
        return self.reflections_this_subgoal >= self.config.max_reflections_per_subgoal

    def window(self, history: Sequence[Step]) -> list[Step]:
        return [s for s in history if s.index > self._window_after]

    def check(
        self,
        history: Sequence[Step],
        *,
        before: Image.Image | None,
        after: Image.Image,
        subgoal: str,
    ) -> str | None:
        """Why a check fired, or None; `before` is the frame the last action was chosen on."""
        steps = self.window(history)
        if not steps:
            return None
        last = steps[-1]
        config = self.config
        if (
            before is not None
            and last.action is not None
            and last.status == StepStatus.OK
            and not isinstance(last.action, config.not_expected_to_change)
            and not screen_changed(
                before, after, tolerance=config.unchanged_tolerance, stride=config.sample_stride
            )
        ):
            return f"the screen did not change after step {last.index}: {last.action.to_code()}"
        recent = steps[-config.repeat_limit :]
        if len(recent) >= config.repeat_limit and recent[0].action is not None:
            code = recent[0].action.to_code()
            if all(s.action is not None and s.action.to_code() == code for s in recent):
                return f"the same action {code} was taken {len(recent)} times in a row"
        if len(steps) >= config.max_subgoal_steps:
            return (
                f"the subgoal {subgoal!r} has taken {len(steps)} steps without completing "
                f"(limit {config.max_subgoal_steps})"
            )
        return None
