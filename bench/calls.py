"""Model calls and tokens per executed action, and VLM grounding calls per step.

`python -m bench.calls [--tasks a,b] [--no-write]` drives each task of
`bench.calls_tasks` through the real agent loop (`desktop_agent.loop.Agent`)
with the real planners and the real OpenAI client talking HTTP to a local
replay server that serves the task's scripted answers. The desktop is drawn,
not real (inputs are recorded, not executed), but every text target is found
on its pixels by the real local grounder (Tesseract). The grounder also has a
VLM expert, pointed at a second replay server: any VLM call is counted by the
grounder and by that server, and one with no scripted answer fails.

Token usage is what a hosted model would report for what the client really
sent: the server estimates it per request (`bench.calls_usage`), since the
prompts and screenshots are the agent's real ones.

Calls are counted three ways, which must agree: the run's `UsageMeter` (by
role), the planner's own exchange log and the replay server's request count.

The hierarchical planner's manager chooses each subgoal's first action in
the same answer that plans, revises or replans, so a task of A actions in S
subgoals costs about A + 1 calls (A without the final completion check)
instead of A + S + 1.

Targets (issue 5): at most 1.5 model calls per executed action on average,
and 0 VLM calls for targets that local experts find. Agent S2 spends at least
3 calls per action (worker, reflection, grounding).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop_agent.actions import Done, Fail
from desktop_agent.events import RunFinished, StepFinished
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.llm import OpenAIChatModel, RoleConfig, UsageMeter
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planning import HierarchicalConfig, HierarchicalPlanner, SingleModelPlanner
from desktop_agent.step import Step, StepStatus
from grounding import Grounder
from grounding.ocr import TextReader
from grounding.registry import build_experts
from grounding.replay_server import ReplayServer
from grounding.vlm import VlmClient, VlmConfig, VlmGrounder

from ._common import print_table, write_results
from .calls_tasks import TASKS, BenchTask, TaskDesktop, task_named
from .calls_usage import UsageReplayServer

logger = logging.getLogger(__name__)

TARGET_CALLS_PER_ACTION = 1.5
AGENT_S2_CALLS_PER_ACTION = 3.0  # worker + reflection + grounding, each action
BENCH_KEY = "bench-calls-not-a-real-key"
ROLES = ("planner", "worker", "reflection")


# ---------------------------------------------------------------- one task


@dataclass
class TaskResult:
    task: str
    shape: str
    status: str
    expected_status: str
    reason: str
    steps: int
    actions: int  # executed actions: not done()/fail(), status ok
    calls_by_role: dict[str, int]
    model_calls: int  # from the UsageMeter
    planner_exchanges: int  # from the planner's own log
    server_requests: int  # chat requests the replay server received
    unused_answers: int  # scripted answers never asked for
    prompt_tokens: int
    completion_tokens: int
    local_targets: int  # text targets the local experts found
    vlm_targets: int  # targets only the VLM found
    unfound_targets: int
    vlm_calls: int  # the grounder's count
    vlm_calls_on_local_targets: int
    vlm_requests: int  # chat requests the VLM's replay server received
    purposes: list[str] = field(default_factory=list)

    @property
    def calls_per_action(self) -> float:
        return self.model_calls / self.actions if self.actions else math.inf

    @property
    def counts_agree(self) -> bool:
        return (
            self.model_calls == self.server_requests == self.planner_exchanges
            and self.vlm_calls == self.vlm_requests
            and self.unused_answers == 0
        )

    def row(self) -> dict[str, Any]:
        per_action = max(self.actions, 1)
        return {
            "task": self.task,
            "shape": self.shape,
            "outcome": self.status if self.status == self.expected_status else f"{self.status}!",
            "actions": self.actions,
            "planner": self.calls_by_role.get("planner", 0),
            "worker": self.calls_by_role.get("worker", 0),
            "reflection": self.calls_by_role.get("reflection", 0),
            "calls": self.model_calls,
            "requests": self.server_requests,
            "calls/action": round(self.calls_per_action, 2),
            "prompt tok/action": round(self.prompt_tokens / per_action),
            "completion tok/action": round(self.completion_tokens / per_action),
            "targets local/vlm": f"{self.local_targets}/{self.vlm_targets}",
            "VLM calls": self.vlm_calls,
            "VLM calls/step": round(self.vlm_calls / per_action, 2),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "calls_per_action": self.calls_per_action,
            "counts_agree": self.counts_agree,
        }


def _role_model(server: ReplayServer, role: str, model: str, meter: UsageMeter) -> OpenAIChatModel:
    config = RoleConfig(base_url=server.base_url, model=model, max_retries=0, timeout_s=30.0)
    return OpenAIChatModel(role, config, meter=meter, api_key=BENCH_KEY)


def _planner(
    task: BenchTask, server: ReplayServer, meter: UsageMeter, config: HierarchicalConfig
) -> HierarchicalPlanner | SingleModelPlanner:
    if task.single_model:
        return SingleModelPlanner(
            task.instruction, _role_model(server, "worker", "ui-tars-1.5-7b", meter)
        )
    return HierarchicalPlanner(
        task.instruction,
        _role_model(server, "planner", "planner-model", meter),
        _role_model(server, "worker", "worker-model", meter),
        reflection_model=_role_model(server, "reflection", "planner-model", meter),
        config=config,
    )


def _executed(step: Step) -> bool:
    return not isinstance(step.action, Done | Fail) and step.status == StepStatus.OK


def run_task(
    task: BenchTask, text_reader: TextReader, *, completion_check: bool = True
) -> TaskResult:
    """Run one task through the agent loop; every count comes from the real components.

    `completion_check=False` runs the hierarchical planner without the manager's
    final "is the task done?" call; the script's last answer (that DONE) is then
    not served.
    """
    meter = UsageMeter()
    script = task.script
    if not completion_check and not task.single_model:
        script = script[:-1]
    config = HierarchicalConfig(verify_completion=completion_check)
    with UsageReplayServer(script) as server, ReplayServer(task.vlm_script) as vlm_server:
        vlm_config = VlmConfig(base_url=vlm_server.base_url, model="grounding-vlm", max_retries=0)
        vlm = VlmGrounder(VlmClient(vlm_config, environ={}))
        grounder = Grounder(text_reader, vlm=vlm)
        planner = _planner(task, server, meter, config)
        desktop = TaskDesktop(task)
        stop = threading.Event()
        executor = ActionExecutor(
            desktop, grounder, config=ExecutorConfig(find_timeout_s=0.0), stop_event=stop
        )
        loop_config = AgentConfig(max_steps=30, settle_timeout_s=0.2)
        agent = Agent(desktop, planner, executor, config=loop_config, stop_event=stop)

        local = found_by_vlm = unfound = vlm_on_local = 0
        before = 0
        final: RunFinished | None = None
        for event in agent.run(task.instruction):
            if isinstance(event, RunFinished):
                final = event
            if not isinstance(event, StepFinished):
                continue
            step_vlm_calls, before = grounder.vlm_calls - before, grounder.vlm_calls
            experts = [g.expert for g in event.step.grounding.values()]
            if experts and all(e != vlm.name for e in experts):
                local += len(experts)
                vlm_on_local += step_vlm_calls
            found_by_vlm += sum(1 for e in experts if e == vlm.name)
            if event.step.error_type == "GroundingFailed":
                unfound += 1
        assert final is not None  # the loop always ends with RunFinished
        server_requests = len(server.chat_requests)
        unused = server.remaining
        vlm_requests = len(vlm_server.chat_requests)

    usage = meter.usage()
    return TaskResult(
        task=task.name,
        shape=task.shape,
        status=final.status,
        expected_status=task.expected_status,
        reason=final.reason,
        steps=len(agent.steps),
        actions=sum(1 for s in agent.steps if _executed(s)),
        calls_by_role={role: meter.calls(role) for role in ROLES if meter.calls(role)},
        model_calls=meter.calls(),
        planner_exchanges=planner.calls,
        server_requests=server_requests,
        unused_answers=unused,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        local_targets=local,
        vlm_targets=found_by_vlm,
        unfound_targets=unfound,
        vlm_calls=grounder.vlm_calls,
        vlm_calls_on_local_targets=vlm_on_local,
        vlm_requests=vlm_requests,
        purposes=[e.purpose for e in planner.exchanges],
    )


# ---------------------------------------------------------------- the set


def totals(results: Sequence[TaskResult]) -> dict[str, Any]:
    """Pooled totals over the task set, the per-task mean and the verdicts."""
    actions = sum(r.actions for r in results)
    calls = sum(r.model_calls for r in results)
    pooled = calls / actions if actions else math.inf
    mean = sum(r.calls_per_action for r in results) / len(results) if results else math.inf
    vlm_on_local = sum(r.vlm_calls_on_local_targets for r in results)
    vlm_calls = sum(r.vlm_calls for r in results)
    purposes = Counter(p for r in results for p in r.purposes)
    return {
        "tasks": len(results),
        "actions": actions,
        "calls_by_role": {
            role: sum(r.calls_by_role.get(role, 0) for r in results) for role in ROLES
        },
        "model_calls": calls,
        "server_requests": sum(r.server_requests for r in results),
        "calls_per_action": pooled,
        "mean_task_calls_per_action": mean,
        # Agent S2's 3 per action count its grounding call too: compare like with like.
        "calls_with_vlm_per_action": (calls + vlm_calls) / actions if actions else math.inf,
        "calls_by_purpose": dict(sorted(purposes.items())),
        "prompt_tokens": sum(r.prompt_tokens for r in results),
        "completion_tokens": sum(r.completion_tokens for r in results),
        "local_targets": sum(r.local_targets for r in results),
        "vlm_targets": sum(r.vlm_targets for r in results),
        "vlm_calls": vlm_calls,
        "vlm_calls_on_local_targets": vlm_on_local,
        "meets_calls_target": pooled <= TARGET_CALLS_PER_ACTION,
        "meets_vlm_target": vlm_on_local == 0,
        "fewer_calls_than_agent_s2": pooled < AGENT_S2_CALLS_PER_ACTION,
        "unfound_targets": sum(r.unfound_targets for r in results),
        "counts_agree": all(r.counts_agree for r in results),
        "outcomes_as_expected": all(r.status == r.expected_status for r in results),
    }


def _totals_row(total: dict[str, Any]) -> dict[str, Any]:
    actions = max(total["actions"], 1)
    roles = total["calls_by_role"]
    return {
        "task": "**total**",
        "shape": f"{total['tasks']} tasks",
        "outcome": "as expected" if total["outcomes_as_expected"] else "UNEXPECTED",
        "actions": total["actions"],
        **{role: roles[role] for role in ROLES},
        "calls": total["model_calls"],
        "requests": total["server_requests"],
        "calls/action": round(total["calls_per_action"], 2),
        "prompt tok/action": round(total["prompt_tokens"] / actions),
        "completion tok/action": round(total["completion_tokens"] / actions),
        "targets local/vlm": f"{total['local_targets']}/{total['vlm_targets']}",
        "VLM calls": total["vlm_calls"],
        "VLM calls/step": round(total["vlm_calls"] / actions, 2),
    }


def verdict_lines(total: dict[str, Any]) -> list[str]:
    pooled, mean = total["calls_per_action"], total["mean_task_calls_per_action"]
    with_vlm = total["calls_with_vlm_per_action"]
    yes = {True: "MET", False: "NOT MET"}
    by_purpose = ", ".join(f"{k} {v}" for k, v in total["calls_by_purpose"].items())
    return [
        f"- model calls per executed action: {pooled:.2f} over the set "
        f"(mean of the per-task ratios {mean:.2f}); target <= {TARGET_CALLS_PER_ACTION}: "
        f"{yes[total['meets_calls_target']]}",
        f"- calls by purpose: {by_purpose}; {total['model_calls'] - total['actions']} of "
        f"{total['model_calls']} calls chose no executed action",
        f"- model + VLM grounding calls per action: {with_vlm:.2f}, against Agent S2's >= "
        f"{AGENT_S2_CALLS_PER_ACTION:.0f} (worker, reflection, grounding): "
        f"{AGENT_S2_CALLS_PER_ACTION / with_vlm:.1f}x fewer"
        if with_vlm
        else "- no actions executed",
        f"- VLM grounding calls for the {total['local_targets']} targets local experts found: "
        f"{total['vlm_calls_on_local_targets']} (target 0: {yes[total['meets_vlm_target']]}); "
        f"the VLM was asked {total['vlm_calls']} time(s), for the {total['vlm_targets']} "
        "target(s) only it could find",
        f"- calls counted by the UsageMeter = the planner's log = the replay server's requests, "
        f"and every scripted answer used: {'yes' if total['counts_agree'] else 'NO'}",
    ]


COLUMNS = [
    "task", "shape", "outcome", "actions", "planner", "worker", "reflection", "calls",
    "requests", "calls/action", "prompt tok/action", "completion tok/action",
    "targets local/vlm", "VLM calls", "VLM calls/step",
]  # fmt: skip


def run_bench(
    tasks: Sequence[BenchTask], *, completion_check: bool = True
) -> tuple[list[TaskResult], dict[str, Any]]:
    # One OCR reader for the set (Tesseract, the way the agent builds it), a fresh
    # grounder and VLM expert per task so the counts are per task.
    text_reader = build_experts(["ocr"]).text
    results = [run_task(t, text_reader, completion_check=completion_check) for t in tasks]
    return results, totals(results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calls", description=__doc__)
    parser.add_argument("--tasks", help="comma-separated task names (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print only; write no JSON")
    parser.add_argument(
        "--no-completion-check",
        action="store_true",
        help="hierarchical planner without the manager's final 'is it done?' call",
    )
    args = parser.parse_args(argv)
    check = not args.no_completion_check
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tasks = task_named(args.tasks.split(",")) if args.tasks else list(TASKS)
    results, total = run_bench(tasks, completion_check=check)
    rows = [r.row() for r in results] + [_totals_row(total)]
    title = "Model calls and tokens per executed action; VLM grounding calls per step"
    print_table(title + ("" if check else " (no final completion check)"), rows, COLUMNS)
    for result in results:
        if result.status != result.expected_status:
            print(f"task {result.task} ended {result.status}: {result.reason}")
    print("\n".join(verdict_lines(total)))
    if not args.no_write:
        path = write_results(
            "calls" if check else "calls_no_completion_check",
            {
                "completion_check": check,
                "targets": {
                    "calls_per_action_max": TARGET_CALLS_PER_ACTION,
                    "vlm_calls_on_local_targets": 0,
                    "agent_s2_calls_per_action_min": AGENT_S2_CALLS_PER_ACTION,
                },
                "tasks": [r.to_dict() for r in results],
                "totals": total,
            },
        )
        print(f"\nwrote {path}")
    ok = total["counts_agree"] and total["outcomes_as_expected"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
