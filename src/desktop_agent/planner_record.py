"""What a model planner adds to a run: its model calls, its plan as it evolves, its usage.

The loop works with any `Planner`; these parts are optional and read by
name, so a scripted planner needs none of them:

- ``recovers_from_failure: bool``: a failed or refused step is recorded and
  the planner is asked again (it replans); without it a failed step ends the run;
- ``wants_elements: bool``: each observation carries the grounder's element
  list (``Observation.extra["elements"]``, `grounding.types.Element` dicts);
- ``take_exchanges()``: the model calls made since the last take, each with
  ``to_dict()``; they are stored in the step they decided, redacted;
- ``plan``: an object with ``to_dict()`` giving ``subgoals`` (text, status)
  and ``revisions`` (kind, step, reason, subgoals), like `planning.PlanState`;
- ``to_dict()``: the planner's state, stored in the run's metadata at the end;
- ``cancel()``: the run was stopped while the planner was deciding; its
  decision will be dropped, so it makes no further model calls.

A `UsageSource` (the run's `llm.UsageMeter`) gives tokens and cost per role.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .events import PlanItem, PlanUpdated, RoleUsage, UsageUpdated
from .redaction import redact

__all__ = ["PlannerRecord", "UsageSource", "planner_flag", "usage_totals"]

logger = logging.getLogger(__name__)

TOTAL = "total"


class UsageSource(Protocol):
    """Where usage totals come from: `desktop_agent.llm.UsageMeter` fits."""

    max_cost_usd: float | None

    def summary(self) -> Mapping[str, Mapping[str, float | int]]: ...


def planner_flag(planner: object, name: str) -> bool:
    """A capability the planner declares (`recovers_from_failure`, `wants_elements`)."""
    return bool(getattr(planner, name, False))


def usage_totals(exchanges: Sequence[Mapping[str, Any]]) -> dict[str, float | int]:
    """Calls, tokens and dollars of recorded exchanges (as `Exchange.to_dict()` gives them)."""
    prompt = sum(int(e.get("usage", {}).get("prompt_tokens", 0)) for e in exchanges)
    completion = sum(int(e.get("usage", {}).get("completion_tokens", 0)) for e in exchanges)
    return {
        "calls": len(exchanges),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "cost_usd": sum(float(e.get("cost_usd", 0.0)) for e in exchanges),
    }


def _by_role(exchanges: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | int]]:
    roles: dict[str, list[Mapping[str, Any]]] = {}
    for exchange in exchanges:
        roles.setdefault(str(exchange.get("role") or "unknown"), []).append(exchange)
    rows = {role: usage_totals(items) for role, items in sorted(roles.items())}
    rows[TOTAL] = usage_totals(exchanges)
    return rows


class PlannerRecord:
    """Reads a planner's optional parts for one run (see the module docstring)."""

    def __init__(self, planner: object, usage: UsageSource | None = None) -> None:
        self.planner = planner
        self.usage = usage
        self.recovers_from_failure = planner_flag(planner, "recovers_from_failure")
        self.wants_elements = planner_flag(planner, "wants_elements")
        self._exchanges: list[dict[str, Any]] = []  # every exchange taken so far
        self._last_plan: tuple[Any, ...] | None = None
        self._last_usage: tuple[Any, ...] | None = None

    @property
    def records_models(self) -> bool:
        return callable(getattr(self.planner, "take_exchanges", None))

    def cancel(self) -> None:
        """Tell the planner its decision in flight is dropped (if it can be told)."""
        cancel = getattr(self.planner, "cancel", None)
        if callable(cancel):
            cancel()

    def take_exchanges(self) -> list[dict[str, Any]]:
        """The planner's new model calls as redacted dicts (images by file name)."""
        take = getattr(self.planner, "take_exchanges", None)
        if not callable(take):
            return []
        taken = [redact(e.to_dict()) for e in take()]
        self._exchanges.extend(taken)
        return taken

    def plan_event(self, step: int) -> PlanUpdated | None:
        """A `PlanUpdated` when the plan differs from the last one reported, else None."""
        state = getattr(self.planner, "plan", None)
        to_dict = getattr(state, "to_dict", None)
        if not callable(to_dict):
            return None
        data = redact(to_dict())
        subgoals = tuple(
            PlanItem(str(s.get("text", "")), str(s.get("status", "")))
            for s in data.get("subgoals", [])
        )
        revisions = list(data.get("revisions", []))
        key = (subgoals, len(revisions))
        if key == self._last_plan or (not subgoals and not revisions):
            return None
        self._last_plan = key
        last = revisions[-1] if revisions else {}
        return PlanUpdated(
            step=step,
            subgoals=subgoals,
            kind=str(last.get("kind", "")),
            reason=str(last.get("reason", "")),
            revisions=len(revisions),
        )

    def usage_rows(self) -> dict[str, dict[str, float | int]]:
        """{role: {calls, prompt_tokens, completion_tokens, cost_usd, ...}} plus "total"."""
        if self.usage is not None:
            return {role: dict(row) for role, row in self.usage.summary().items()}
        return _by_role(self._exchanges)

    def usage_event(self, step: int) -> UsageUpdated | None:
        """Usage so far, or None when nothing changed since the last event."""
        rows = self.usage_rows()
        total = rows.get(TOTAL, usage_totals([]))
        roles = tuple(
            RoleUsage(
                role,
                int(row.get("calls", 0)),
                int(row.get("prompt_tokens", 0)),
                int(row.get("completion_tokens", 0)),
                float(row.get("cost_usd", 0.0)),
            )
            for role, row in rows.items()
            if role != TOTAL
        )
        event = UsageUpdated(
            step=step,
            calls=int(total.get("calls", 0)),
            prompt_tokens=int(total.get("prompt_tokens", 0)),
            completion_tokens=int(total.get("completion_tokens", 0)),
            cost_usd=float(total.get("cost_usd", 0.0)),
            max_cost_usd=self.usage.max_cost_usd if self.usage is not None else None,
            roles=roles,
        )
        if roles == self._last_usage:
            return None
        self._last_usage = roles
        return event

    def run_meta(self) -> dict[str, Any]:
        """What goes into the run's metadata at the end: planner state, usage, stray calls."""
        meta: dict[str, Any] = {}
        to_dict = getattr(self.planner, "to_dict", None)
        if callable(to_dict):
            state = dict(to_dict())
            # Each step holds its own exchanges; the header keeps the plan and counts.
            state.pop("exchanges", None)
            meta["planner"] = state
        # Calls made for a decision that never became a step (the call that hit
        # the cost ceiling, an answer that stayed unreadable).
        stray = self.take_exchanges()
        if stray:
            meta["unattached_exchanges"] = stray
        if self.records_models or self.usage is not None:
            meta["usage"] = self.usage_rows()
        return redact(meta)
