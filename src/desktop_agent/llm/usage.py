"""Token and cost totals per model role and per run, with the run's cost ceiling.

One `UsageMeter` per run, shared by every role's client (thread-safe). The
client calls `check()` before each request, so no request is sent once the
ceiling is reached, and `record(reply)` after it, which raises
`CostLimitReached` when that reply's cost reaches the ceiling. `summary()`
feeds the trajectory and the CLI's cost table. `GroundingUsage` books the
grounding VLM's calls (made by `grounding`, which knows nothing of the meter)
in the same meter under the role "grounding".
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from .config import RoleConfig
from .errors import CostLimitReached, GroundingCostLimitReached
from .types import ChatReply, Usage

__all__ = ["GroundingUsage", "UsageMeter", "cost_of"]

logger = logging.getLogger(__name__)

TOTAL = "total"


def cost_of(usage: Usage, config: RoleConfig) -> float:
    """US dollars for `usage` at the role's prices (per million tokens)."""
    return (
        usage.prompt_tokens * config.input_usd_per_mtok
        + usage.completion_tokens * config.output_usd_per_mtok
    ) / 1_000_000


@dataclass
class _RoleTotals:
    calls: int = 0
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0


class UsageMeter:
    """Counts calls, tokens and dollars per role; enforces `max_cost_usd` for the run."""

    def __init__(self, max_cost_usd: float | None = None) -> None:
        if max_cost_usd is not None and max_cost_usd < 0:
            raise ValueError(f"max_cost_usd must be >= 0 or None, not {max_cost_usd}")
        self.max_cost_usd = max_cost_usd
        self._lock = threading.Lock()
        self._roles: dict[str, _RoleTotals] = {}

    def __repr__(self) -> str:
        return f"UsageMeter(max_cost_usd={self.max_cost_usd}, spent={self.cost_usd():.6f})"

    def _reached(self, spent: float) -> bool:
        # A free model (cost 0) never reaches even a zero ceiling.
        limit = self.max_cost_usd
        return limit is not None and spent > 0 and spent >= limit

    def record(self, reply: ChatReply) -> None:
        """Add one reply; raises `CostLimitReached` once the run's total reaches the limit."""
        with self._lock:
            totals = self._roles.setdefault(reply.role or "unknown", _RoleTotals())
            totals.calls += 1
            totals.attempts += reply.attempts
            totals.usage = totals.usage + reply.usage
            totals.cost_usd += reply.cost_usd
            spent = self._total_cost()
        if self._reached(spent):
            assert self.max_cost_usd is not None
            raise CostLimitReached(spent, self.max_cost_usd, reply)

    def check(self) -> None:
        """Raise `CostLimitReached` if the ceiling is already reached (call before a request)."""
        spent = self.cost_usd()
        if self._reached(spent):
            assert self.max_cost_usd is not None
            raise CostLimitReached(spent, self.max_cost_usd)

    def _total_cost(self) -> float:
        return sum(t.cost_usd for t in self._roles.values())

    def _select(self, role: str | None) -> list[_RoleTotals]:
        if role is None:
            return list(self._roles.values())
        return [self._roles[role]] if role in self._roles else []

    def calls(self, role: str | None = None) -> int:
        """Replies recorded for `role` (all roles when None)."""
        with self._lock:
            return sum(t.calls for t in self._select(role))

    def usage(self, role: str | None = None) -> Usage:
        """Tokens used by `role` (all roles when None)."""
        with self._lock:
            total = Usage()
            for totals in self._select(role):
                total = total + totals.usage
            return total

    def cost_usd(self, role: str | None = None) -> float:
        """Dollars spent by `role` (all roles when None)."""
        with self._lock:
            return sum(t.cost_usd for t in self._select(role))

    def summary(self) -> dict[str, dict[str, float | int]]:
        """{role: {calls, attempts, prompt_tokens, completion_tokens, total_tokens, cost_usd}}
        for every role that answered, plus "total"."""
        with self._lock:
            rows = {role: _row(totals) for role, totals in sorted(self._roles.items())}
            grand = _RoleTotals()
            for totals in self._roles.values():
                grand.calls += totals.calls
                grand.attempts += totals.attempts
                grand.usage = grand.usage + totals.usage
                grand.cost_usd += totals.cost_usd
        rows[TOTAL] = _row(grand)
        return rows


def _row(totals: _RoleTotals) -> dict[str, float | int]:
    return {
        "calls": totals.calls,
        "attempts": totals.attempts,
        "prompt_tokens": totals.usage.prompt_tokens,
        "completion_tokens": totals.usage.completion_tokens,
        "total_tokens": totals.usage.total_tokens,
        "cost_usd": totals.cost_usd,
    }


class GroundingUsage:
    """A `grounding.vlm.VlmUsageHook` that books VLM calls in the run's `UsageMeter`.

    Before a call it asks the meter: once the ceiling is reached the call is
    refused with `GroundingCostLimitReached` (the step fails, the run ends).
    After a call it records the tokens at the role's prices. An answer whose
    cost crosses the ceiling was already paid for, so it is still used; the
    next model call of any role is the one refused.
    """

    def __init__(self, meter: UsageMeter, config: RoleConfig, role: str = "grounding") -> None:
        self.meter = meter
        self.config = config
        self.role = role

    def __repr__(self) -> str:
        return f"GroundingUsage(role={self.role!r}, model={self.config.model!r}, {self.meter!r})"

    def before_call(self) -> None:
        try:
            self.meter.check()
        except CostLimitReached as exc:
            raise GroundingCostLimitReached(exc.spent_usd, exc.limit_usd) from None

    def on_usage(self, prompt_tokens: int, completion_tokens: int, model: str) -> None:
        usage = Usage(prompt_tokens, completion_tokens)
        reply = ChatReply(
            text="",  # the answer itself stays with the grounder
            usage=usage,
            cost_usd=cost_of(usage, self.config),
            model=model,
            role=self.role,
        )
        try:
            self.meter.record(reply)
        except CostLimitReached as exc:
            logger.info(
                "the %s call reached the cost ceiling (%s); its answer is used, "
                "the next model call is refused",
                self.role,
                exc,
            )
