"""The agent loop: events, trajectory, failures, safety, stop, step budget."""

from __future__ import annotations

import json
import threading

import pytest

from desktop_agent.actions import Click, Done, Fail, Hotkey, TypeText, Wait
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.desktop.image import ImageDesktop
from desktop_agent.events import RunFinished, RunStarted, StepFinished, StepStarted
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planner import ScriptedPlanner
from desktop_agent.safety import SafetyConfig, SafetyPolicy
from desktop_agent.step import StepStatus
from desktop_agent.trajectory import TrajectoryWriter, load_trajectory
from drawn_screens import save_dialog
from grounding import Grounder


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder.default()


def build(tmp_path, grounder, actions, *, title=None, mode="ask", confirm=None, **config):
    screen = save_dialog()
    desktop = DryRunDesktop(ImageDesktop(screen.image, title=title))
    stop = threading.Event()
    executor = ActionExecutor(
        desktop, grounder, config=ExecutorConfig(find_timeout_s=0.0), stop_event=stop
    )
    writer = TrajectoryWriter(tmp_path, "test run", meta={"test": True})
    agent = Agent(
        desktop,
        ScriptedPlanner(actions),
        executor,
        policy=SafetyPolicy(SafetyConfig(mode=mode)),
        confirm=confirm,
        writer=writer,
        config=AgentConfig(settle_timeout_s=0.2, **config),
        stop_event=stop,
    )
    return agent, desktop, writer, screen, stop


def test_a_scripted_run_yields_events_acts_and_records_every_step(tmp_path, grounder):
    actions = [TypeText("a.txt", into="Name"), Click("Save"), Done("saved")]
    agent, desktop, writer, screen, _ = build(tmp_path, grounder, actions)
    events = list(agent.run("save a.txt"))

    assert isinstance(events[0], RunStarted)
    assert [type(e) for e in events[1:-1]] == [StepStarted, StepFinished] * 3
    final = events[-1]
    assert isinstance(final, RunFinished)
    assert (final.status, final.reason, final.steps) == ("done", "saved", 3)
    assert [c[0] for c in desktop.calls] == ["click", "hotkey", "type_text", "click"]
    assert screen.inside("Save", desktop.calls[-1][1])

    saved = load_trajectory(writer.folder)
    assert saved.status == "done"
    assert [s.action for s in saved.steps] == actions
    # OCR decided; the detector may agree ("tesseract+detector").
    assert saved.steps[1].grounding["target"].expert.split("+")[0] == "tesseract"
    assert (writer.folder / saved.steps[0].screenshot).is_file()
    for step in saved.steps:
        assert step.timings["capture_s"] >= 0
    lines = (writer.folder / "steps.jsonl").read_text().splitlines()
    assert [json.loads(line)["index"] for line in lines] == [1, 2, 3]


def test_a_target_not_on_screen_fails_the_run_at_that_step(tmp_path, grounder):
    actions = [Click("Preferences"), Click("Save")]
    agent, desktop, writer, _, _ = build(tmp_path, grounder, actions)
    final = list(agent.run("open preferences"))[-1]
    assert final.status == "failed"
    assert "Preferences" in final.reason
    assert "step 1" in final.reason
    assert desktop.calls == []  # the second action never ran
    steps = load_trajectory(writer.folder).steps
    assert [s.status for s in steps] == [StepStatus.FAILED]
    assert steps[0].error_type == "GroundingFailed"


def test_fail_action_ends_the_run_failed_with_its_reason(tmp_path, grounder):
    agent, _, _, _, _ = build(tmp_path, grounder, [Fail("no such file")])
    final = list(agent.run("x"))[-1]
    assert (final.status, final.reason) == ("failed", "no such file")


def test_risky_action_denied_is_never_executed(tmp_path, grounder):
    actions = [Hotkey(("alt", "f4")), Done()]
    agent, desktop, writer, _, _ = build(tmp_path, grounder, actions, mode="deny")
    final = list(agent.run("close it"))[-1]
    assert final.status == "failed"
    assert desktop.calls == []
    step = load_trajectory(writer.folder).steps[0]
    assert step.status == StepStatus.DENIED
    assert "alt+f4" in (step.error or "")


def test_risky_action_confirmed_runs_and_the_question_is_asked(tmp_path, grounder):
    asked = []

    def confirm(question: str) -> bool:
        asked.append(question)
        return True

    actions = [Hotkey(("alt", "f4")), Done()]
    agent, desktop, _, _, _ = build(tmp_path, grounder, actions, confirm=confirm)
    final = list(agent.run("close it"))[-1]
    assert final.status == "done"
    assert desktop.calls == [("hotkey", (("alt", "f4"),), {})]
    assert len(asked) == 1
    assert "alt+f4" in asked[0]


def test_typing_into_a_terminal_asks_first(tmp_path, grounder):
    actions = [TypeText("rm -rf build"), Done()]
    agent, desktop, _, _, _ = build(
        tmp_path, grounder, actions, title="user@host: ~ - Terminal", confirm=lambda q: False
    )
    final = list(agent.run("clean"))[-1]
    assert final.status == "failed"
    assert "terminal" in final.reason
    assert desktop.calls == []


def test_a_risky_instruction_is_confirmed_before_any_step(tmp_path, grounder):
    agent, _desktop, writer, _, _ = build(tmp_path, grounder, [Click("Save")], mode="deny")
    events = list(agent.run("delete all my files"))
    assert not any(isinstance(e, StepStarted) for e in events)
    assert events[-1].status == "failed"
    assert "delete" in events[-1].reason
    assert load_trajectory(writer.folder).status == "failed"


def test_stop_event_stops_the_run_mid_wait(tmp_path, grounder):
    actions = [Wait(30), Click("Save")]
    agent, desktop, writer, _, stop = build(tmp_path, grounder, actions)
    threading.Timer(0.3, stop.set).start()
    final = list(agent.run("wait"))[-1]
    assert final.status == "stopped"
    assert desktop.calls == []
    assert load_trajectory(writer.folder).status == "stopped"


def test_max_steps_ends_the_run(tmp_path, grounder):
    actions = [Wait(0.01)] * 5
    agent, _, _, _, _ = build(tmp_path, grounder, actions, max_steps=3)
    final = list(agent.run("loop"))[-1]
    assert final.status == "failed"
    assert "maximum of 3 steps" in final.reason
    assert "--max-steps" in final.reason  # says how to allow more
    assert final.steps == 3


def test_dry_run_records_steps_as_dry_run_even_when_targets_are_missing(tmp_path, grounder):
    actions = [Click("Save"), Click("Not There"), Done()]
    agent, _desktop, writer, _, _ = build(tmp_path, grounder, actions, dry_run=True)
    final = list(agent.run("dry"))[-1]
    assert final.status == "done"
    steps = load_trajectory(writer.folder).steps
    assert [s.status for s in steps[:2]] == [StepStatus.DRY_RUN, StepStatus.DRY_RUN]
    assert "Not There" in steps[1].extra["not_found"]
