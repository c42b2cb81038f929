"""Composition root: builds desktop, grounder, executor, policy and agent from options.

The CLI and (later) the Qt app both call `run_instruction`, so they build the
same objects the same way.
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
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planner import ScriptedPlanner
from desktop_agent.safety import ConfirmFn, ConfirmMode, SafetyConfig, SafetyPolicy
from desktop_agent.trajectory import TrajectoryWriter
from grounding import Grounder

logger = logging.getLogger(__name__)


def default_output_dir() -> Path:
    return Path(platformdirs.user_data_dir("desktop-agent")) / "trajectories"


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    display: str | None = None
    virtual: bool = False
    virtual_size: tuple[int, int] = (1280, 800)
    dry_run: bool = False
    max_steps: int = 30
    out: Path | None = None
    confirm_mode: ConfirmMode = "ask"
    kill_hotkey: str = DEFAULT_KILL_HOTKEY
    monitor: int = 1


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
) -> RunFinished:
    """Run a local-mode instruction end to end; returns the final event."""
    # An unreadable instruction is an InstructionError before the screen is touched.
    commands = parse_instruction_commands(instruction)
    with ExitStack() as stack:
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
        executor = ActionExecutor(
            desktop, Grounder.default(), config=executor_config, stop_event=stop_event
        )
        out = options.out or default_output_dir()
        writer = TrajectoryWriter(
            out,
            instruction,
            meta={"mode": "local", "dry_run": options.dry_run, "display": display},
        )
        agent = Agent(
            desktop,
            ScriptedPlanner([a for _, a in commands], source_texts=[c for c, _ in commands]),
            executor,
            policy=SafetyPolicy(SafetyConfig(mode=options.confirm_mode)),
            confirm=confirm,
            writer=writer,
            config=AgentConfig(max_steps=options.max_steps, dry_run=options.dry_run),
            stop_event=stop_event,
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
