"""Terminal face of the agent: live step lines, the plan, model usage, the confirmation prompt."""

from __future__ import annotations

import sys
from collections.abc import Callable

from desktop_agent.events import (
    AgentEvent,
    PlanUpdated,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    UsageUpdated,
)
from desktop_agent.step import Step, StepStatus

_STATUS_MARK = {
    StepStatus.OK: "ok",
    StepStatus.FAILED: "FAILED",
    StepStatus.DRY_RUN: "dry-run",
    StepStatus.DENIED: "DENIED",
    StepStatus.STOPPED: "STOPPED",
}


def describe_step(step: Step) -> str:
    code = step.action.to_code() if step.action else "?"
    parts = [f"  step {step.index:>2} {_STATUS_MARK[step.status]:<8} {code}"]
    for i, (role, result) in enumerate(step.grounding.items()):
        found = result.candidates[0].text if result.candidates else ""
        acted = step.points[i] if i < len(step.points) else result.point
        parts.append(
            f"      {role}: found {found!r} via {result.expert} "
            f"({result.confidence:.2f}), acted at {acted}"
        )
    if step.points and not step.grounding:
        parts.append(f"      at {', '.join(str(p) for p in step.points)}")
    if step.error:
        parts.append(f"      error: {step.error}")
    if "not_found" in step.extra:
        parts.append(f"      (dry run: {step.extra['not_found']})")
    parts.append(f"      {step.duration_s * 1000:.0f} ms")
    return "\n".join(parts)


_SUBGOAL_MARK = {"active": ">", "done": "+", "failed": "x", "pending": " "}


def describe_plan(event: PlanUpdated) -> str:
    """The plan after a revision: one line per subgoal that was not dropped."""
    why = f": {event.reason}" if event.reason else ""
    lines = [f"  plan ({event.kind} at step {event.step}{why})"]
    for item in event.subgoals:
        if item.status != "dropped":
            mark = _SUBGOAL_MARK.get(item.status, "?")
            lines.append(f"    {mark} [{item.status}] {item.text}")
    return "\n".join(lines)


def describe_usage(event: UsageUpdated) -> str:
    limit = f" of ${event.max_cost_usd:.4f}" if event.max_cost_usd is not None else ""
    return (
        f"      model: {event.calls} calls so far, {event.total_tokens:,} tokens, "
        f"${event.cost_usd:.4f}{limit}"
    )


def usage_table(event: UsageUpdated) -> str:
    """Calls, tokens and cost per role and for the run, as a small text table."""
    header = f"  {'role':<10} {'calls':>5} {'tokens in':>10} {'tokens out':>10} {'cost':>10}"
    rows = [header]
    for r in event.roles:
        rows.append(
            f"  {r.role:<10} {r.calls:>5} {r.prompt_tokens:>10,} {r.completion_tokens:>10,} "
            f"{'$' + format(r.cost_usd, '.4f'):>10}"
        )
    rows.append(
        f"  {'total':<10} {event.calls:>5} {event.prompt_tokens:>10,} "
        f"{event.completion_tokens:>10,} {'$' + format(event.cost_usd, '.4f'):>10}"
    )
    return "\n".join(rows)


def format_event(event: AgentEvent) -> str | None:
    if isinstance(event, RunStarted):
        where = f"\n  trajectory: {event.folder}" if event.folder else ""
        return f"run: {event.instruction}{where}"
    if isinstance(event, StepStarted):
        return None
    if isinstance(event, StepFinished):
        return describe_step(event.step)
    if isinstance(event, PlanUpdated):
        return describe_plan(event)
    if isinstance(event, UsageUpdated):
        return describe_usage(event)
    if isinstance(event, RunFinished):
        lines = [f"{event.status.upper()}: {event.reason} ({event.steps} steps)"]
        if event.folder:
            lines.append(f"  report: {event.folder}/report.html")
        return "\n".join(lines)
    return None  # pragma: no cover


def print_event(event: AgentEvent) -> None:
    text = format_event(event)
    if text is not None:
        print(text, flush=True)


def terminal_confirm() -> Callable[[str], bool] | None:
    """A yes/no prompt on the terminal, or None when no one is at the terminal."""
    if not sys.stdin or not sys.stdin.isatty():
        return None

    def ask(question: str) -> bool:
        try:
            answer = input(f"\n  confirm: {question} [y/N] ")
        except EOFError:
            return False
        return answer.strip().lower() in {"y", "yes"}

    return ask
