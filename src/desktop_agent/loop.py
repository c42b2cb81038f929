"""The agent loop: observe, decide, check, act, record; yields typed events.

The loop touches no widget and prints nothing: the CLI and the Qt app
subscribe to the events it yields. Every step is written to the trajectory as
soon as it ends, so a crash loses at most the step in flight.

A scripted planner's run ends at the first failed step. A model planner that
declares ``recovers_from_failure`` sees the failed (or refused) step in its
history and replans; the run goes on until it finishes or a limit ends it.
What else a model planner adds (element lists, model calls in each step, the
plan as it evolves, usage) is read by `planner_record.PlannerRecord`. The
kill hotkey and the stop button end a run between actions, and also while a
model planner waits for an answer (the answer is then dropped, unexecuted).
How a run ends: ``done``, ``failed`` (a failed step without recovery, a
``fail()``, or a limit: steps, time, cost, with the limit's own message),
``stopped`` (the person) or ``error`` (a bug; re-raised).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace

from PIL import Image

from grounding.errors import GroundingError

from .actions import Done, Fail
from .desktop.base import Desktop
from .errors import (
    AgentError,
    ConfirmationDenied,
    ExecutionError,
    MaxStepsReached,
    RunStopped,
    StoppedByUser,
)
from .events import AgentEvent, RunFinished, RunStarted, StepFinished, StepStarted
from .executor import ActionExecutor
from .frames import same_frame, visibly_changed
from .llm.errors import CostLimitReached
from .observation import ELEMENTS_KEY, Observation
from .planner import Decision, Planner
from .planner_record import PlannerRecord, UsageSource, usage_totals
from .safety import ConfirmFn, SafetyPolicy
from .step import Step, StepStatus
from .trajectory import TrajectoryWriter

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class AgentConfig:
    max_steps: int = 30
    dry_run: bool = False
    # After an action, wait (up to this long) for the screen to stop changing; with a
    # model planner, first for it to change (the action's effect may lag).
    settle_timeout_s: float = 1.0
    settle_poll_s: float = 0.05


class Agent:
    """Runs one instruction to completion on a Desktop."""

    def __init__(
        self,
        desktop: Desktop,
        planner: Planner,
        executor: ActionExecutor,
        *,
        policy: SafetyPolicy | None = None,
        confirm: ConfirmFn | None = None,
        writer: TrajectoryWriter | None = None,
        config: AgentConfig | None = None,
        stop_event: threading.Event | None = None,
        usage: UsageSource | None = None,
    ) -> None:
        self.desktop = desktop
        self.planner = planner
        self.executor = executor
        self.policy = policy or SafetyPolicy()
        self.confirm = confirm
        self.writer = writer
        self.config = config or AgentConfig()
        self.stop_event = stop_event or executor.stop_event
        self.steps: list[Step] = []
        self.record = PlannerRecord(planner, usage)

    def _observe(self, frame: Image.Image | None, timings: dict[str, float]) -> Observation:
        screenshot = frame if frame is not None else self.desktop.screenshot()
        extra: dict[str, object] = {}
        grounder = self.executor.grounder
        if self.record.wants_elements and grounder is not None:
            # The grounder caches this frame's parse, so grounding the chosen
            # target on the same screenshot reads nothing twice.
            started = time.perf_counter()
            try:
                extra[ELEMENTS_KEY] = [e.to_dict() for e in grounder.parse(screenshot)]
            except GroundingError as exc:
                logger.warning("no element list for this step: %s", exc)
            timings["elements_s"] = time.perf_counter() - started
        return Observation(
            screenshot,
            time.time(),
            active_window=self.desktop.active_window_title(),
            extra=extra,
        )

    def _decide(self, observation: Observation) -> Decision:
        """The planner's next decision; a model planner's wait is cut short by a stop."""
        history = tuple(self.steps)
        if not self.record.records_models:
            return self.planner.next_action(observation, history)
        answer: list[Decision] = []
        failure: list[BaseException] = []
        finished = threading.Event()

        def decide() -> None:
            try:
                answer.append(self.planner.next_action(observation, history))
            except BaseException as exc:  # handed to the loop's thread below
                failure.append(exc)
            finally:
                finished.set()

        threading.Thread(target=decide, name="planner", daemon=True).start()
        while not finished.wait(self.config.settle_poll_s):
            if self.stop_event.is_set():
                # The model call finishes in the background; its answer is dropped,
                # and the planner makes no further calls for it.
                self.record.cancel()
                raise StoppedByUser("stopped by the kill hotkey or the stop button")
        if failure:
            raise failure[0]
        return answer[0]

    def _settle(self, acted_on: Image.Image | None = None) -> Image.Image:
        """The first frame equal to the one before it, or the last one at timeout.

        With `acted_on` (the frame the action was chosen on), it first waits, within
        the same timeout, for the screen to differ from it: a dialog that takes a
        moment to open is then not seen as "the action changed nothing".
        """
        deadline = time.monotonic() + self.config.settle_timeout_s
        previous = self.desktop.screenshot()
        while (
            acted_on is not None
            and not visibly_changed(acted_on, previous)
            and time.monotonic() < deadline
            and not self.stop_event.is_set()
        ):
            self.stop_event.wait(self.config.settle_poll_s)
            previous = self.desktop.screenshot()
        while time.monotonic() < deadline and not self.stop_event.is_set():
            self.stop_event.wait(self.config.settle_poll_s)
            current = self.desktop.screenshot()
            if same_frame(current, previous):
                return current
            previous = current
        return previous

    def run(self, instruction: str) -> Iterator[AgentEvent]:
        folder = str(self.writer.folder) if self.writer else None
        yield RunStarted(instruction, folder)
        status, reason = "error", ""
        try:
            risk = self.policy.instruction_risk(instruction)
            if risk and not self.config.dry_run:
                self.policy.approve(risk, f"instruction {instruction!r}", self.confirm)
            status, reason = yield from self._steps(None)
        except StoppedByUser as exc:
            status, reason = "stopped", str(exc)
        except (RunStopped, CostLimitReached) as exc:
            # A limit (steps, time, cost): its message says which and how to raise it.
            status, reason = "failed", str(exc)
        except AgentError as exc:
            status, reason = "failed", f"{type(exc).__name__}: {exc}"
        except Exception as exc:
            logger.exception("run crashed")
            status, reason = "error", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            meta = self.record.run_meta()
            if self.writer is not None:
                self.writer.finish(status, reason, meta=meta)
        # Calls that decided no step (the one that hit the cost ceiling) count too.
        usage = self.record.usage_event(len(self.steps)) if "usage" in meta else None
        if usage is not None:
            yield usage
        yield RunFinished(status, reason, len(self.steps), folder)

    def _steps(self, frame: Image.Image | None) -> Generator[AgentEvent, None, tuple[str, str]]:
        """Yields step events; returns the run's (status, reason)."""
        for index in range(1, self.config.max_steps + 1):
            if self.stop_event.is_set():
                raise StoppedByUser("stopped by the kill hotkey or the stop button")
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            started_at = time.time()
            observation = self._observe(frame, timings)
            timings["capture_s"] = time.perf_counter() - t0 - timings.get("elements_s", 0.0)
            t1 = time.perf_counter()
            decision = self._decide(observation)
            timings["plan_s"] = time.perf_counter() - t1
            action = decision.action
            exchanges = self.record.take_exchanges()
            plan_event = self.record.plan_event(index)
            if plan_event is not None:
                yield plan_event
            yield StepStarted(index, action, decision.source_text)

            status, error, error_type = StepStatus.OK, None, None
            grounding, points, after = {}, [], None
            extra: dict[str, object] = {"plan": list(decision.plan)}
            if observation.active_window:
                extra["active_window"] = observation.active_window
            if ELEMENTS_KEY in observation.extra:
                extra["elements"] = len(observation.extra[ELEMENTS_KEY])
            if self.record.records_models:
                extra["model_calls"] = exchanges
                extra["model_usage"] = usage_totals(exchanges)
            t2 = time.perf_counter()
            try:
                if self.config.dry_run:
                    # Nothing will be executed: note the risk, ask no one.
                    risk = self.policy.action_risk(action, active_window=observation.active_window)
                else:
                    risk = self.policy.check(
                        action, active_window=observation.active_window, confirm=self.confirm
                    )
                if risk:
                    extra["risk"] = risk
                timings["policy_s"] = time.perf_counter() - t2
                t3 = time.perf_counter()
                outcome = self.executor.execute(action, observation.screenshot)
                grounding, points = outcome.grounding, outcome.points
                timings["grounding_s"] = outcome.grounding_s
                timings["execute_s"] = time.perf_counter() - t3 - outcome.grounding_s
                if self.config.dry_run:
                    status = StepStatus.DRY_RUN
            except StoppedByUser as exc:
                status, error, error_type = StepStatus.STOPPED, str(exc), type(exc).__name__
            except ConfirmationDenied as exc:
                status, error, error_type = StepStatus.DENIED, str(exc), type(exc).__name__
            except ExecutionError as exc:
                if self.config.dry_run and not isinstance(exc, CostLimitReached):
                    # A dry run never acts, so later targets may not be on screen yet.
                    status, extra["not_found"] = StepStatus.DRY_RUN, str(exc)
                else:
                    status, error, error_type = StepStatus.FAILED, str(exc), type(exc).__name__

            failed = status in (StepStatus.FAILED, StepStatus.DENIED)
            # A model planner replans around a failed step, but a person's "no" to a
            # risky action ends the run: it must not seek another route to the same risk.
            recovering = status == StepStatus.FAILED and self.record.recovers_from_failure
            final = isinstance(action, Done | Fail) or (
                status not in (StepStatus.OK, StepStatus.DRY_RUN) and not recovering
            )
            t4 = time.perf_counter()
            if not isinstance(action, Done | Fail) and status == StepStatus.OK:
                # A model planner judges progress by the next frame (and a model
                # call takes seconds): wait for the action's effect to show.
                acted_on = observation.screenshot if self.record.records_models else None
                frame = self._settle(acted_on)
                timings["settle_s"] = time.perf_counter() - t4
            else:
                frame = None
            if final and status != StepStatus.STOPPED:
                after = self.desktop.screenshot()
            step = Step(
                index=index,
                action=action,
                source_text=decision.source_text,
                status=status,
                error=error,
                error_type=error_type,
                grounding=grounding,
                points=tuple(points),
                started_at=started_at,
                timings=timings,
                extra=extra,
            )
            # The recorded duration covers everything but the recording itself.
            step = replace(step, duration_s=time.perf_counter() - t0)
            t5 = time.perf_counter()
            if self.writer is not None:
                step = self.writer.append(step, observation.screenshot, after)
            timings["record_s"] = time.perf_counter() - t5
            step = replace(step, duration_s=time.perf_counter() - t0)
            self.steps.append(step)
            yield StepFinished(step)
            usage = self.record.usage_event(index) if exchanges else None
            if usage is not None:
                yield usage

            if status == StepStatus.STOPPED:
                raise StoppedByUser(error or "stopped")
            if failed and not recovering:
                return "failed", f"step {index} ({action.to_code()}): {error}"
            if recovering:
                logger.info("step %d %s; the planner replans: %s", index, status.value, error)
            if isinstance(action, Done):
                return "done", action.reason or "done"
            if isinstance(action, Fail):
                return "failed", action.reason or "the agent gave up"
        raise MaxStepsReached(
            f"stopped after the maximum of {self.config.max_steps} steps; allow more with "
            "--max-steps, or max_steps in [limits] or $DESKTOP_AGENT_MAX_STEPS"
        )
