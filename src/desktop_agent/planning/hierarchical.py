"""The hierarchical planner: a manager plans subgoals, a worker acts, checks catch stalls.

Model calls, and when they happen:

- manager: once at the start (plan), when a subgoal completes (revise; after
  the last one it checks the task is done) and when a subgoal fails
  (replan). An answer that leaves a subgoal active also chooses that
  subgoal's first action (same format, action language, element list and
  trimmed history as the worker), which is executed without a worker call;
- worker: once per executed action that the manager did not choose (the
  second and later actions of each subgoal), plus once when it reports a
  subgoal already done (`done(...)`) or impossible (`fail(...)`), plus once
  when the manager's action part was missing or unreadable (it is not asked
  again: the worker chooses instead, so nothing partial is executed);
- reflection: only when a progress check fires (see `progress`).

So a task of A actions in S subgoals costs about A + 1 calls: 1 plan, S - 1
revises that each start the next subgoal, 1 final revise that answers DONE,
and A - S worker calls; (A + 1) / A per action, and A without the final
check (`verify_completion=False`). A manager that never writes a usable
action costs A + S + 1, the cost without this protocol. Agent S2's worker +
reflection + grounding loop spends three or more calls per action.

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

from .action_prompt import WorkerAnswer
from .errors import PlanningError
from .examples import ExampleSource
from .exchanges import ModelCaller, ModelCallLog
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


class HierarchicalPlanner(ModelCallLog):
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
            history_steps=config.history_steps,
            max_elements=config.max_elements,
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
        # Actions the manager chose with its answer, and its answers whose action
        # part could not be used (each cost a worker call instead).
        self.manager_actions = 0
        self.manager_action_fallbacks = 0
        self._manager_action: WorkerAnswer | None = None
        self._advice = ""
        self._completion_pending = False
        self._last_frame: Image.Image | None = None
        self._finished: Decision | None = None

    # ------------------------------------------------------------ what the trajectory takes

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "hierarchical",
            "instruction": self.instruction,
            "plan": self.plan.to_dict() if self.plan else None,
            "replans": self.replans,
            "calls": self.calls,
            "actions": self.actions_decided,
            "manager_actions": self.manager_actions,
            "manager_action_fallbacks": self.manager_action_fallbacks,
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
            answer = self.manager.plan(self.instruction, observation)
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
        self._manager_action = None
        if answer.done is not None:
            plan.revisions.append(PlanRevision(kind, step, f"DONE: {answer.done}", ()))
            return self._finish(Done(answer.done), answer.text)
        if answer.fail is not None:
            plan.revisions.append(PlanRevision(kind, step, f"FAIL: {answer.fail}", ()))
            return self._finish(Fail(answer.fail), answer.text)
        plan.set_remaining(list(answer.subgoals), kind=kind, step=step, reason=reason)
        self.monitor.start_subgoal(len(history))
        self._advice = ""
        self._manager_action = answer.action
        if answer.action is None:
            self.manager_action_fallbacks += 1
            logger.info("the worker chooses the first action: %s", answer.action_problem)
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
        answer = self.manager.revise(self.instruction, plan, observation, history)
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
            observation,
            history,
            failed_subgoal=failed.text if failed else "(none)",
            what_went_wrong=what_went_wrong,
        )
        return self._apply(answer, "replan", history, reason=what_went_wrong)

    def _next_answer(self, observation: Observation, history: Sequence[Step]) -> WorkerAnswer:
        """The action the manager's last answer chose (no call), else the worker's."""
        chosen, self._manager_action = self._manager_action, None
        if chosen is not None:
            self.manager_actions += 1
            return chosen
        plan = self._state()
        return self.worker.decide(self.instruction, plan, observation, history, advice=self._advice)

    def _work(self, observation: Observation, history: Sequence[Step]) -> Decision:
        """Take the manager's action or ask the worker until there is one to execute."""
        plan = self._state()
        for _ in range(self.config.max_worker_calls_per_step):
            answer = self._next_answer(observation, history)
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
