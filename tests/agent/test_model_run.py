"""A model planner in the real agent loop over real HTTP: failed steps are replanned, the
worker sees the grounder's elements, every model call lands in the trajectory (redacted),
the report shows the plan as it evolved, and a stop cuts a model call short."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from desktop_agent.actions import Click, Done, TypeText
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.events import PlanItem, PlanUpdated, RunFinished, StepFinished, UsageUpdated
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.llm import OpenAIChatModel, RoleConfig, UsageMeter
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planning import HierarchicalPlanner
from desktop_agent.step import StepStatus
from desktop_agent.trajectory import TrajectoryWriter, load_trajectory
from drawn_screens import save_dialog
from grounding import Grounder
from grounding.replay_server import ReplayServer, ScriptedResponse
from planning_support import prompt_text

KEY = "fake-key-7d41c9e2b8a3f6"  # read from $DESKTOP_AGENT_API_KEY by the client
say = ScriptedResponse.message


def act(code: str, completes: bool = False) -> ScriptedResponse:
    flag = "yes" if completes else "no"
    return say(f"Thought: next.\n```\n{code}\n```\nCompletes subgoal: {flag}")


class DialogDesktop(DryRunDesktop):
    """A drawn Save dialog that changes (a red mark) after every input, like a live app."""

    def __init__(self) -> None:
        super().__init__()
        self.base = save_dialog().image

    def screenshot(self) -> Image.Image:
        image = self.base.copy()
        draw = ImageDraw.Draw(image)
        for n in range(len(self.calls)):
            draw.rectangle((300 + 12 * n, 200, 308 + 12 * n, 208), fill=(200, 30, 30))
        return image


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder.default(experts=["ocr"])


def model(server: ReplayServer, role: str, meter: UsageMeter) -> OpenAIChatModel:
    config = RoleConfig(
        base_url=server.base_url,
        model=f"{role}-m",
        max_retries=0,
        timeout_s=10.0,
        input_usd_per_mtok=2.0,
        output_usd_per_mtok=8.0,
    )
    return OpenAIChatModel(role, config, meter=meter)  # the key comes from the environment


def agent_for(
    planner: HierarchicalPlanner,
    grounder: Grounder,
    writer: TrajectoryWriter | None,
    meter: UsageMeter,
    stop: threading.Event | None = None,
) -> tuple[Agent, DialogDesktop]:
    desktop = DialogDesktop()
    stop = stop or threading.Event()
    executor = ActionExecutor(
        desktop, grounder, config=ExecutorConfig(find_timeout_s=0.0), stop_event=stop
    )
    agent = Agent(
        desktop,
        planner,
        executor,
        writer=writer,
        config=AgentConfig(settle_timeout_s=0.05, max_steps=10),
        stop_event=stop,
        usage=meter,
    )
    return agent, desktop


SCRIPT = [
    # A server that echoes the key back must not leak it into the trajectory.
    say(f"You sent {KEY}.\nSubgoals:\n1. Name the file a.txt\n2. Save it"),
    act("type_text('a.txt', into='Name')", completes=True),
    say("Subgoals:\n1. Click Save"),
    act("click('Preferences')"),
    say("Subgoals:\n1. Click the Save button"),
    act("click('Save')", completes=True),
    say("DONE: saved a.txt"),
]


def test_a_failed_step_is_replanned_and_the_whole_run_is_recorded(
    tmp_path: Path, grounder: Grounder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    meter = UsageMeter(max_cost_usd=5.0)
    writer = TrajectoryWriter(tmp_path, "save as a.txt")
    with ReplayServer(SCRIPT) as server:
        planner = HierarchicalPlanner(
            "save as a.txt", model(server, "planner", meter), model(server, "worker", meter)
        )
        agent, desktop = agent_for(planner, grounder, writer, meter)
        events = list(agent.run("save as a.txt"))
        requests = server.chat_requests

    final = events[-1]
    assert isinstance(final, RunFinished)
    assert (final.status, final.reason) == ("done", "saved a.txt")
    statuses = [e.step.status for e in events if isinstance(e, StepFinished)]
    assert statuses == [StepStatus.OK, StepStatus.FAILED, StepStatus.OK, StepStatus.OK]
    assert [s.action for s in agent.steps] == [
        TypeText("a.txt", into="Name"),
        Click("Preferences"),
        Click("Save"),
        Done("saved a.txt"),
    ]
    assert desktop.calls[-1][0] == "click"  # Save was clicked after the failure

    # The key went to the server, and only there.
    assert {r.headers["authorization"] for r in requests} == {f"Bearer {KEY}"}
    for path in writer.folder.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path.name

    # The worker was shown the grounder's elements of the screen it acted on.
    worker_prompt = prompt_text(requests[1])
    assert '"Cancel" at (' in worker_prompt
    assert '"Save" at (' in worker_prompt

    # Live events: the plan at each revision, usage after each step with calls.
    plans = [e for e in events if isinstance(e, PlanUpdated)]
    assert [p.kind for p in plans][:3] == ["plan", "revise", "replan"]
    assert [s.text for s in plans[0].subgoals] == ["Name the file a.txt", "Save it"]
    assert plans[0].active == PlanItem("Name the file a.txt", "active")
    assert "click('Preferences') failed" in plans[2].reason
    usage = [e for e in events if isinstance(e, UsageUpdated)]
    assert usage[-1].calls == 7 == len(requests)
    assert {r.role: r.calls for r in usage[-1].roles} == {"planner": 4, "worker": 3}
    assert usage[-1].cost_usd == pytest.approx(7 * (100 * 2.0 + 10 * 8.0) / 1e6)

    # The trajectory: each step holds the calls that decided it, images by file name.
    run = load_trajectory(writer.folder)
    first = run.steps[0].extra
    assert [c["purpose"] for c in first["model_calls"]] == ["plan", "worker"]
    assert first["model_calls"][1]["messages"][0]["images"] == [run.steps[0].screenshot]
    assert (writer.folder / run.steps[0].screenshot).is_file()
    assert "[REDACTED]" in first["model_calls"][0]["reply"]
    assert first["model_usage"]["calls"] == 2
    assert first["elements"] > 0
    assert [c["purpose"] for c in run.steps[2].extra["model_calls"]] == ["replan", "worker"]
    assert run.steps[1].error_type == "GroundingFailed"

    header = json.loads((writer.folder / "run.json").read_text(encoding="utf-8"))
    revisions = header["meta"]["planner"]["plan"]["revisions"]
    assert [r["kind"] for r in revisions] == ["plan", "revise", "replan", "revise"]
    assert "exchanges" not in header["meta"]["planner"]  # they live in the steps
    assert header["meta"]["usage"]["total"]["calls"] == 7
    assert header["meta"]["usage"]["worker"]["calls"] == 3

    page = (writer.folder / "report.html").read_text(encoding="utf-8")
    assert "Plan as it evolved" in page
    assert '<span class="rev-kind">replan</span> at step 3' in page
    assert "<li>Click the Save button</li>" in page
    assert "Model usage" in page
    assert "messages and reply" in page


def test_a_refused_risky_action_ends_a_model_run_without_a_replan(
    tmp_path: Path, grounder: Grounder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    meter = UsageMeter()
    script = [
        say("Subgoals:\n1. Clear the folder"),
        act("click('Delete all files')", completes=True),
        say("Subgoals:\n1. Remove them one by one"),  # a replan must never be asked for
        act("hotkey('shift', 'delete')"),
    ]
    asked: list[str] = []

    def refuse(question: str) -> bool:
        asked.append(question)
        return False

    with ReplayServer(script) as server:
        planner = HierarchicalPlanner(
            "clear the folder", model(server, "planner", meter), model(server, "worker", meter)
        )
        agent, desktop = agent_for(planner, grounder, None, meter)
        agent.confirm = refuse
        events = list(agent.run("clear the folder"))
        requests = len(server.chat_requests)
    final = events[-1]
    assert isinstance(final, RunFinished)
    assert final.status == "failed"
    assert "not confirmed" in final.reason
    assert len(asked) == 1
    assert requests == 2  # plan, worker: no replan after the person said no
    assert [s.status for s in agent.steps] == [StepStatus.DENIED]
    assert desktop.calls == []


def test_a_stop_during_a_model_call_ends_the_run_at_once_without_acting(
    tmp_path: Path, grounder: Grounder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    meter = UsageMeter()
    stop = threading.Event()
    script = [say("1. Save"), ScriptedResponse.delay(30, act("click('Save')"))]
    writer = TrajectoryWriter(tmp_path, "save")
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save", model(server, "planner", meter))
        agent, desktop = agent_for(planner, grounder, writer, meter, stop)
        timer = threading.Timer(0.5, stop.set)
        timer.start()
        final = list(agent.run("save"))[-1]
        timer.cancel()
    assert isinstance(final, RunFinished)
    assert final.status == "stopped"
    assert desktop.calls == []
    assert agent.steps == []
    assert load_trajectory(writer.folder).status == "stopped"


def test_after_a_stop_the_dropped_decision_makes_no_further_model_calls(
    tmp_path: Path, grounder: Grounder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    meter = UsageMeter()
    stop = threading.Event()
    # The plan (no first action) arrives after the stop; without the cancel the
    # planner would go on in the background and ask the worker (a paid call).
    script = [ScriptedResponse.delay(1.0, say("1. Save")), act("click('Save')")]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save", model(server, "planner", meter))
        agent, desktop = agent_for(planner, grounder, None, meter, stop)

        def stop_once_asked() -> None:
            while not server.chat_requests:
                threading.Event().wait(0.01)
            stop.set()

        threading.Thread(target=stop_once_asked, daemon=True).start()
        earlier = set(threading.enumerate())  # other tests' dropped decisions may linger
        final = list(agent.run("save"))[-1]
        assert isinstance(final, RunFinished)
        assert final.status == "stopped"
        for thread in set(threading.enumerate()) - earlier:
            if thread.name == "planner":
                thread.join(timeout=20)  # the dropped decision ends once its plan arrives
        requests = len(server.chat_requests)
    assert requests == 1
    assert [e.purpose for e in planner.exchanges] == ["plan"]
    assert desktop.calls == []


def test_a_stop_during_a_rate_limit_wait_ends_the_wait_at_once(
    grounder: Grounder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    meter = UsageMeter()
    stop = threading.Event()
    # The server asks for a 30 s wait before the retry; the stop must cut it short.
    script = [ScriptedResponse.error(429, "slow down", retry_after=30), say("1. Save")]
    with ReplayServer(script) as server:
        config = RoleConfig(base_url=server.base_url, model="planner-m", max_retries=2)
        planner = HierarchicalPlanner("save", OpenAIChatModel("planner", config, meter=meter))
        agent, desktop = agent_for(planner, grounder, None, meter, stop)

        def stop_once_asked() -> None:
            while not server.chat_requests:
                threading.Event().wait(0.01)
            stop.set()

        threading.Thread(target=stop_once_asked, daemon=True).start()
        earlier = set(threading.enumerate())
        final = list(agent.run("save"))[-1]
        assert isinstance(final, RunFinished)
        assert final.status == "stopped"
        planners = [t for t in set(threading.enumerate()) - earlier if t.name == "planner"]
        for thread in planners:
            thread.join(timeout=20)  # well under the 30 s wait
            assert not thread.is_alive(), "the dropped decision still waits to retry"
        assert len(server.chat_requests) == 1
    assert desktop.calls == []
    assert meter.calls() == 0


class LaggingDesktop(DryRunDesktop):
    """Each input shows on screen only a few screenshots later, like a dialog that takes a
    moment to open (counted in screenshots, not seconds, so the test is deterministic)."""

    def __init__(self, lag: int) -> None:
        super().__init__(size=(640, 400))
        self.lag = lag
        self.shown = 0  # inputs visible so far
        self.waited = 0

    def screenshot(self) -> Image.Image:
        if self.shown < len(self.calls):
            self.waited += 1
            if self.waited > self.lag:
                self.shown, self.waited = len(self.calls), 0
        image = Image.new("RGB", self.size, (235, 235, 235))
        for n in range(self.shown):
            ImageDraw.Draw(image).rectangle((10 + 40 * n, 10, 40 + 40 * n, 60), fill=(200, 0, 0))
        return image


def test_a_slow_effect_is_waited_for_and_not_taken_for_a_stall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    meter = UsageMeter()
    # No reflection answer is scripted: a stall check firing would fail the run.
    script = [
        say("1. Save as a.txt"),
        act("hotkey('ctrl', 's')"),
        act("type_text('a.txt')", completes=True),
        say("DONE: saved"),
    ]
    stop = threading.Event()
    desktop = LaggingDesktop(lag=3)
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save as a.txt", model(server, "planner", meter))
        executor = ActionExecutor(desktop, None, config=ExecutorConfig(), stop_event=stop)
        agent = Agent(
            desktop,
            planner,
            executor,
            config=AgentConfig(settle_timeout_s=30.0, settle_poll_s=0.01),
            stop_event=stop,
        )
        final = list(agent.run("save as a.txt"))[-1]
    assert isinstance(final, RunFinished)
    assert (final.status, final.reason) == ("done", "saved")
    assert [e.purpose for e in planner.exchanges] == ["plan", "worker", "worker", "revise"]
