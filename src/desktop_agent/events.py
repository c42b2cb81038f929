"""Typed events the agent loop yields; the CLI prints them, the Qt app shows them.

Every run yields `RunStarted`, then per step `StepStarted` and `StepFinished`,
then `RunFinished`. A model planner adds `PlanUpdated` whenever its plan
changes (before the step it was changed for) and `UsageUpdated` after each
step that made model calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actions import Action
from .step import Step


@dataclass(frozen=True)
class RunStarted:
    instruction: str
    folder: str | None


@dataclass(frozen=True)
class StepStarted:
    index: int
    action: Action
    source_text: str


@dataclass(frozen=True)
class StepFinished:
    step: Step


@dataclass(frozen=True)
class PlanItem:
    """One subgoal as the plan shows it now."""

    text: str
    status: str  # pending | active | done | failed | dropped


@dataclass(frozen=True)
class PlanUpdated:
    """The planner's plan changed: its subgoals now, and the revision that changed them."""

    step: int  # the step the plan was made or changed for
    subgoals: tuple[PlanItem, ...]
    kind: str  # plan | revise | replan (the manager's latest revision)
    reason: str  # why it was revised ("" for the first plan)
    revisions: int  # how many revisions so far

    @property
    def active(self) -> PlanItem | None:
        return next((s for s in self.subgoals if s.status == "active"), None)


@dataclass(frozen=True)
class RoleUsage:
    role: str  # planner | worker | grounding | ...
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class UsageUpdated:
    """Model calls, tokens and dollars so far in this run (totals and per role)."""

    step: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    max_cost_usd: float | None = None
    roles: tuple[RoleUsage, ...] = ()

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class RunFinished:
    status: str  # done | failed | stopped | error
    reason: str
    steps: int
    folder: str | None


AgentEvent = RunStarted | StepStarted | StepFinished | PlanUpdated | UsageUpdated | RunFinished
