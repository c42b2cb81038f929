"""Composition root: builds desktop, grounder, executor, policy and agent from options.

The CLI and (later) the Qt app both call `run_instruction`, so they build the
same objects the same way. Given a `ModelsConfig` with a planner model it runs
a model planner (hierarchical, or single-model); otherwise local mode (the
instruction read as direct commands). A configured grounding model joins the
grounder as its VLM expert in both modes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop_agent.desktop.base import Desktop
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay
from desktop_agent.events import AgentEvent, RunFinished
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.instructions import parse_instruction_commands
from desktop_agent.killswitch import DEFAULT_KILL_HOTKEY, KillSwitch
from desktop_agent.llm import ModelsConfig, UsageMeter
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planner import Planner, ScriptedPlanner
from desktop_agent.safety import ConfirmFn, ConfirmMode, SafetyConfig, SafetyPolicy
from desktop_agent.trajectory import TrajectoryWriter
from grounding import Grounder

from .model_setup import (
    ModelLimits,
    ModelRun,
    attach_grounding_vlm,
    build_meter,
    build_model_run,
)

logger = logging.getLogger(__name__)


def default_output_dir() -> Path:
    return Path(platformdirs.user_data_dir("desktop-agent")) / "trajectories"


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    display: str | None = None
    virtual: bool = False
    virtual_size: tuple[int, int] = (1280, 800)
    dry_run: bool = False
    max_steps: int | None = None  # None: the config's [limits] max_steps (30)
    out: Path | None = None
    confirm_mode: ConfirmMode = "ask"
    kill_hotkey: str = DEFAULT_KILL_HOTKEY
    monitor: int = 1
    local: bool = False  # local mode even when a model is configured
    single_model: bool = False  # one coordinate-answering model, no manager
    max_cost_usd: float | None = None  # None: the config's
    max_minutes: float | None = None  # None: the config's


@contextmanager
def _ctrl_c_stops(stop_event: threading.Event) -> Iterator[None]:
    """Ctrl+C stops the run between actions instead of killing the process mid-step."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: object) -> None:
        if stop_event.is_set():  # a second Ctrl+C means now
            signal.default_int_handler(signum, None)
        logger.warning("stop requested (Ctrl+C); press again to abort at once")
        stop_event.set()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_instruction(
    instruction: str,
    options: RunOptions,
    *,
    on_event: Callable[[AgentEvent], None],
    confirm: ConfirmFn | None,
    virtual_display: VirtualDisplay | None = None,
    models: ModelsConfig | None = None,
) -> RunFinished:
    """Run an instruction end to end; returns the final event.

    With `models` configured for the planner role (and not `options.local`) a
    model planner decides; otherwise the instruction is read in local mode.
    """
    config = models or ModelsConfig()
    meter: UsageMeter | None = None
    model_run: ModelRun | None = None
    planner: Planner
    if config.is_configured("planner") and not options.local:
        # Built before the screen is touched: a missing key fails here.
        limits = ModelLimits(
            max_cost_usd=options.max_cost_usd,
            max_minutes=options.max_minutes,
            single_model=options.single_model,
        )
        model_run = build_model_run(instruction, config, limits)
        planner, meter = model_run.planner, model_run.meter
        meta = {
            "mode": model_run.mode,
            "models": model_run.models,
            "max_cost_usd": meter.max_cost_usd,
        }
    else:
        # An unreadable instruction is an InstructionError before the screen is touched.
        commands = parse_instruction_commands(instruction)
        planner = ScriptedPlanner([a for _, a in commands], source_texts=[c for c, _ in commands])
        meta = {"mode": "local"}
    max_steps = options.max_steps or config.max_steps
    with ExitStack() as stack:
        if model_run is not None:
            stack.callback(model_run.close)
        display = options.display
        if virtual_display is None and options.virtual:
            width, height = options.virtual_size
            virtual_display = stack.enter_context(VirtualDisplay(width=width, height=height))
        if virtual_display is not None:
            display = virtual_display.display
            # Apps the agent opens must reach this display and its session bus.
            for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
                if name in virtual_display.env:
                    os.environ[name] = virtual_display.env[name]
        killswitch = KillSwitch(options.kill_hotkey, display=display)
        stop_event = killswitch.stop_event
        local = LocalDesktop(monitor=options.monitor, display=display, stop_event=stop_event)
        stack.callback(local.close)
        desktop: Desktop = DryRunDesktop(local) if options.dry_run else local
        stack.enter_context(killswitch)
        stack.enter_context(_ctrl_c_stops(stop_event))

        executor_config = (
            ExecutorConfig(find_timeout_s=0.0, open_app_timeout_s=0.0)
            if options.dry_run
            else ExecutorConfig()
        )
        grounder = Grounder.default()
        if meter is None and config.is_configured("grounding"):
            # Local mode with a grounding model: its calls are counted and capped too.
            meter = build_meter(config, ModelLimits(max_cost_usd=options.max_cost_usd))
            meta["max_cost_usd"] = meter.max_cost_usd
        if attach_grounding_vlm(grounder, config, meter):
            meta["grounding_model"] = config.role("grounding").model
        executor = ActionExecutor(desktop, grounder, config=executor_config, stop_event=stop_event)
        out = options.out or default_output_dir()
        writer = TrajectoryWriter(
            out,
            instruction,
            meta={**meta, "dry_run": options.dry_run, "display": display},
        )
        agent = Agent(
            desktop,
            planner,
            executor,
            policy=SafetyPolicy(SafetyConfig(mode=options.confirm_mode)),
            confirm=confirm,
            writer=writer,
            config=AgentConfig(max_steps=max_steps, dry_run=options.dry_run),
            stop_event=stop_event,
            usage=meter,
        )
        final: RunFinished | None = None
        logger.info("kill hotkey: %s", options.kill_hotkey)
        for event in agent.run(instruction):
            on_event(event)
            if isinstance(event, RunFinished):
                final = event
        if final is None:  # pragma: no cover - the loop always ends with RunFinished
            raise RuntimeError("the agent loop ended without a RunFinished event")
        return final
