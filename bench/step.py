"""Agent step overhead on Xvfb with a scripted planner (no model, no grounding).

`python -m bench.step [--steps N]` runs the real loop on a 1920x1080 virtual
display with mousepad open: point clicks, keys and short typing, each step
captured, checked, executed, settled and written to a trajectory. Overhead is
what the agent adds around the action itself: capture, policy, recording and
bookkeeping; grounding and model time are excluded by construction (point
targets, scripted planner) and reported apart, as are input and settle time.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from desktop_agent.actions import Action, Click, Hotkey, Point, TypeText
from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay
from desktop_agent.executor import ActionExecutor
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planner import ScriptedPlanner
from desktop_agent.step import Step
from desktop_agent.trajectory import TrajectoryWriter

from ._common import print_table, summarize_ms, write_results

TARGET_OVERHEAD_MS = 100.0


def _script(steps: int) -> list[Action]:
    cycle: list[Action] = [
        Click(Point(900, 500)),
        TypeText("ab"),
        Hotkey(("ctrl", "end")),
        Hotkey(("enter",)),
    ]
    return [cycle[i % len(cycle)] for i in range(steps)]


def _run(desktop: LocalDesktop, steps: int, out: Path | None) -> list[Step]:
    executor = ActionExecutor(desktop, None)
    writer = TrajectoryWriter(out, "bench.step") if out is not None else None
    agent = Agent(desktop, ScriptedPlanner(_script(steps)), executor, writer=writer,
                  config=AgentConfig(max_steps=steps + 1))  # fmt: skip
    for _ in agent.run("bench.step"):
        pass
    return [s for s in agent.steps if s.action is not None and s.action.name != "done"]


def _row(label: str, steps: list[Step]) -> dict[str, object]:
    def part(key: str) -> list[float]:
        return [s.timings.get(key, 0.0) for s in steps]

    overhead = [
        s.duration_s
        - s.timings.get("grounding_s", 0.0)
        - s.timings.get("plan_s", 0.0)
        - s.timings.get("execute_s", 0.0)
        - s.timings.get("settle_s", 0.0)
        for s in steps
    ]
    row: dict[str, object] = {"run": label}
    for name, samples in (
        ("overhead", overhead),
        ("capture", part("capture_s")),
        ("record", part("record_s")),
        ("input", part("execute_s")),
        ("settle", part("settle_s")),
        ("step total", [s.duration_s for s in steps]),
    ):
        stats = summarize_ms(samples)
        row[f"{name} median ms"] = round(stats["median_ms"], 1)
        row[f"{name} p90 ms"] = round(stats["p90_ms"], 1)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if shutil.which("mousepad") is None:
        raise SystemExit("mousepad is missing: run `bash packaging/install-system-deps.sh`")
    tmp = Path(tempfile.mkdtemp(prefix="bench-step-"))
    with VirtualDisplay(width=1920, height=1080) as display:
        os.environ["DISPLAY"] = display.display
        app = display.launch("mousepad", env={"GSETTINGS_BACKEND": "memory"})
        subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--class", "mousepad"],
                       env=display.env, capture_output=True, timeout=30, check=True)  # fmt: skip
        desktop = LocalDesktop(display=display.display)
        _run(desktop, 4, None)  # warm-up: imports, first mss grab
        with_trajectory = _run(desktop, args.steps, tmp / "runs")
        without = _run(desktop, args.steps, None)
        app.kill()
        desktop.close()
    rows = [_row("with trajectory", with_trajectory), _row("no trajectory", without)]
    overhead_ms = float(rows[0]["overhead median ms"])  # type: ignore[arg-type]
    verdict = "PASS" if overhead_ms <= TARGET_OVERHEAD_MS else "FAIL"
    columns = list(rows[0])
    print_table(f"Agent step overhead, 1920x1080 Xvfb, {args.steps} steps", rows, columns)
    print(f"\ntarget: overhead median <= {TARGET_OVERHEAD_MS:.0f} ms with trajectory: "
          f"{overhead_ms:.1f} ms -> {verdict}")  # fmt: skip
    payload = {"steps": args.steps, "rows": rows, "target_overhead_ms": TARGET_OVERHEAD_MS,
               "verdict": verdict}  # fmt: skip
    path = write_results("step", payload)
    print(f"results: {path}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
