"""The hierarchical planner: a manager plans subgoals, a worker acts, checks catch stalls.

Model calls, and when they happen:

- manager: once at the start (plan), when a subgoal completes (revise; after
  the last one it checks the task is done) and when a subgoal fails (replan);
- worker: once per executed action, plus once when it reports a subgoal
  already done (`done(...)`) or impossible (`fail(...)`);
- reflection: only when a progress check fires (see `progress`).

So a task of A actions in S subgoals costs about A + S + 1 calls (1 + (S+1)/A
per action), against three or more per action for a worker + reflection +
grounding loop.

How a run ends, seen from the agent loop (`desktop_agent.loop.Agent`):

- the manager answers DONE -> `Done(reason)`; FAIL -> `Fail(reason)`;
- more than `max_replans` replans -> `Fail("gave up after N replans: ...")`;
- `max_time_s` used -> `TimeLimitReached` (a `RunStopped`) before the next call;
- the cost limit -> the client's meter raises `CostLimitReached`, untouched here;
- an answer still unreadable after the re-asks -> `ModelAnswerInvalid`;
- `max_steps` is the loop's own (`MaxStepsReached`).

Nothing is executed for a step whose answer could not be read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from desktop_agent.actions import Action, Done, Fail
from desktop_agent.llm.types import ChatModel
from desktop_agent.observation import Observation
from desktop_agent.planner import Decision
from desktop_agent.step import Step, StepStatus

from .context import format_steps
from .errors import PlanningError
from .examples import ExampleSource
from .exchanges import Exchange, ModelCaller
from .manager import Manager, ManagerAnswer
from .plan import PlanRevision, PlanState, RevisionKind, SubgoalStatus
from .progress import ProgressConfig, ProgressMonitor
from .reflection import Reflector
from .worker import Worker

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class HierarchicalConfig:
    max_time_s: float | None = None
    max_replans: int = 3
    # After the last subgoal, ask the manager whether the task is really done
    # (one call); off: trust the worker and finish at once.
    verify_completion: bool = True
    history_steps: int = 8
    max_elements: int = 60
    max_subgoals: int = 10
    num_examples: int = 3
    worker_parse_retries: int = 2
    manager_parse_retries: int = 1
    reflection_parse_retries: int = 1
    # Worker answers that end a subgoal without an action, per step, before giving up.
    max_worker_calls_per_step: int = 4
    progress: ProgressConfig = field(default_factory=ProgressConfig)


class HierarchicalPlanner:
    """A `Planner` for one instruction (build one per run)."""

    # Read by the agent loop (desktop_agent.planner_record): a failed step is
    # replanned, and the worker's prompt lists the grounder's elements.
    recovers_from_failure = True
    wants_elements = True

    def __init__(
        self,
        instruction: str,
        manager_model: ChatModel,
        worker_model: ChatModel | None = None,
        *,
        reflection_model: ChatModel | None = None,
        examples: ExampleSource | None = None,
        config: HierarchicalConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instruction = instruction
        self.config = config = config or HierarchicalConfig()
        self.caller = ModelCaller(max_time_s=config.max_time_s, clock=clock)
        self.manager = Manager(
            manager_model,
            examples,
            caller=self.caller,
            max_subgoals=config.max_subgoals,
            num_examples=config.num_examples,
            max_parse_retries=config.manager_parse_retries,
        )
        self.worker = Worker(
            worker_model or manager_model,
            caller=self.caller,
            history_steps=config.history_steps,
            max_elements=config.max_elements,
            max_parse_retries=config.worker_parse_retries,
        )
        self.reflector = Reflector(
            reflection_model or manager_model,
            caller=self.caller,
            history_steps=config.history_steps,
            max_parse_retries=config.reflection_parse_retries,
        )
        self.monitor = ProgressMonitor(config.progress)
        self.plan: PlanState | None = None
        self.replans = 0
        self.actions_decided = 0
        self._advice = ""
        self._completion_pending = False
        self._last_frame: Image.Image | None = None
        self._finished: Decision | None = None

    # ------------------------------------------------------------ what the trajectory takes

    @property
    def exchanges(self) -> list[Exchange]:
        """Every model call so far, in order."""
        return list(self.caller.exchanges)

    def take_exchanges(self) -> list[Exchange]:
        """The calls made since the last take (attach them to the step just decided)."""
        return self.caller.take_new()

    @property
    def calls(self) -> int:
        return self.caller.calls

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "hierarchical",
            "instruction": self.instruction,
            "plan": self.plan.to_dict() if self.plan else None,
            "replans": self.replans,
            "calls": self.calls,
            "actions": self.actions_decided,
            "cost_usd": self.caller.cost_usd,
            "exchanges": [e.to_dict() for e in self.caller.exchanges],
        }

    # ------------------------------------------------------------ the Planner Protocol

    def next_action(self, observation: Observation, history: Sequence[Step]) -> Decision:
        if self._finished is not None:
            return self._finished
        step = len(history) + 1
        self.caller.step = step
        self.caller.check_time()
        if self.plan is None:
            self.plan = PlanState()
            answer = self.manager.plan(
                self.instruction, observation.screenshot, active_window=observation.active_window
            )
            ended = self._apply(answer, "plan", history, reason="")
        else:
            ended = self._after_last_step(observation, history)
        return ended or self._work(observation, history)

    # ------------------------------------------------------------ internals

    def _state(self) -> PlanState:
        if self.plan is None:
            raise PlanningError("the plan was used before the manager wrote it")
        return self.plan

    def _finish(self, action: Action, source_text: str) -> Decision:
        plan = self._state()
        outcome = "done" if isinstance(action, Done) else "failed"
        plan.finish(outcome, getattr(action, "reason", ""))
        self._finished = Decision(action, source_text or action.to_code(), plan.lines())
        logger.info("planner finished: %s", action.to_code())
        return self._finished

    def _apply(
        self, answer: ManagerAnswer, kind: RevisionKind, history: Sequence[Step], *, reason: str
    ) -> Decision | None:
        """Adopt the manager's answer; a Decision when it ends the run."""
        plan = self._state()
        step = len(history) + 1
        if answer.done is not None:
            plan.revisions.append(PlanRevision(kind, step, f"DONE: {answer.done}", ()))
            return self._finish(Done(answer.done), answer.text)
        if answer.fail is not None:
            plan.revisions.append(PlanRevision(kind, step, f"FAIL: {answer.fail}", ()))
            return self._finish(Fail(answer.fail), answer.text)
        plan.set_remaining(list(answer.subgoals), kind=kind, step=step, reason=reason)
        self.monitor.start_subgoal(len(history))
        self._advice = ""
        return None

    def _after_last_step(
        self, observation: Observation, history: Sequence[Step]
    ) -> Decision | None:
        """React to what the last action did: failure, subgoal completion or a stall."""
        last = history[-1] if history else None
        completion_pending, self._completion_pending = self._completion_pending, False
        if last is not None and last.status in (StepStatus.FAILED, StepStatus.DENIED):
            code = last.action.to_code() if last.action else "(no action)"
            return self._replan(
                observation, history, f"step {last.index} {code} {last.status.value}: {last.error}"
            )
        if completion_pending:
            return self._complete_subgoal(observation, history, "its last action was done")
        subgoal = self._state().active
        if subgoal is None:
            return None
        reason = self.monitor.check(
            history, before=self._last_frame, after=observation.screenshot, subgoal=subgoal.text
        )
        if reason is None:
            return None
        logger.info("progress check fired: %s", reason)
        if self.monitor.reflections_exhausted:
            return self._replan(observation, history, f"{reason} (advice did not help)")
        reflection = self.reflector.reflect(
            self.instruction, subgoal.text, reason, observation, history
        )
        if reflection.verdict == "retry":
            self._advice = f"{reason}. {reflection.advice}"
            self.monitor.after_reflection(len(history))
            return None
        return self._replan(observation, history, f"{reason}; reflection: {reflection.advice}")

    def _complete_subgoal(
        self, observation: Observation, history: Sequence[Step], note: str
    ) -> Decision | None:
        plan = self._state()
        finished = plan.end_active(SubgoalStatus.DONE, step=len(history), note=note)
        if not plan.remaining and not self.config.verify_completion:
            count = len(plan.texts(SubgoalStatus.DONE))
            return self._finish(Done(f"all {count} subgoals done"), "")
        answer = self.manager.revise(
            self.instruction,
            plan,
            observation.screenshot,
            format_steps(history, self.config.history_steps),
        )
        done_text = finished.text if finished else "?"
        return self._apply(answer, "revise", history, reason=f"completed: {done_text}")

    def _replan(
        self, observation: Observation, history: Sequence[Step], what_went_wrong: str
    ) -> Decision | None:
        plan = self._state()
        self.replans += 1
        failed = plan.end_active(SubgoalStatus.FAILED, step=len(history), note=what_went_wrong)
        if self.replans > self.config.max_replans:
            reason = f"gave up after {self.config.max_replans} replans; last problem: "
            return self._finish(Fail(reason + what_went_wrong), "")
        answer = self.manager.replan(
            self.instruction,
            plan,
            observation.screenshot,
            failed_subgoal=failed.text if failed else "(none)",
            what_went_wrong=what_went_wrong,
            last_steps=format_steps(history, self.config.history_steps),
        )
        return self._apply(answer, "replan", history, reason=what_went_wrong)

    def _work(self, observation: Observation, history: Sequence[Step]) -> Decision:
        """Ask the worker until it gives an action to execute (or the run ends)."""
        plan = self._state()
        for _ in range(self.config.max_worker_calls_per_step):
            answer = self.worker.decide(
                self.instruction, plan, observation, history, advice=self._advice
            )
            reason = getattr(answer.action, "reason", "")
            if answer.subgoal_done:
                ended = self._complete_subgoal(observation, history, reason or "done")
            elif answer.subgoal_failed:
                ended = self._replan(
                    observation, history, f"the worker gave up on it: {reason or 'no reason'}"
                )
            else:
                self._completion_pending = answer.completes_subgoal
                self._last_frame = observation.screenshot
                self.actions_decided += 1
                return Decision(answer.action, answer.text, plan.lines())
            if ended is not None:
                return ended
        raise PlanningError(
            f"the worker ended {self.config.max_worker_calls_per_step} subgoals in a row at step "
            f"{len(history) + 1} without choosing an action; nothing was executed. The manager "
            "and worker disagree about what the screen shows"
        )
