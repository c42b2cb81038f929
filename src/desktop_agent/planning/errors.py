"""Errors the planning package raises; all sit in the desktop_agent error tree.

AgentError
 +-- PlanningError             a planner could not produce a usable decision
 |    +-- TemplateError        a prompt template is missing, malformed or under-filled
 |    +-- ModelAnswerInvalid   a model's answer stayed unreadable after the re-asks
 +-- RunStopped
      +-- TimeLimitReached     the run used its wall-clock budget

Cost limits are the model client's meter (`desktop_agent.llm.errors.CostLimitReached`);
it propagates out of the planner untouched, like every other model error.
"""

from __future__ import annotations

from desktop_agent.errors import AgentError, RunStopped


class PlanningError(AgentError):
    """A planner could not produce a usable decision; nothing was executed."""


class TemplateError(PlanningError):
    """A prompt template could not be loaded or rendered (names the template)."""


class ModelAnswerInvalid(PlanningError):
    """A model's answer could not be read even after asking again with the error."""


class TimeLimitReached(RunStopped):
    """The run used all the wall-clock time it was given."""
