"""The hierarchical planner through the real agent loop and real HTTP: calls per action,
reflection, replanning, and how each run limit ends a run."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

from desktop_agent.actions import Click, Done, Fail, Hotkey, Point, TypeText
from desktop_agent.events import RunFinished
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.llm.usage import UsageMeter
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planning import (
    HierarchicalConfig,
    HierarchicalPlanner,
    ProgressConfig,
    SubgoalStatus,
)
from desktop_agent.step import Step, StepStatus
from grounding.replay_server import ReplayServer, ScriptedResponse
from planning_support import (
    SECRET,
    ChangingDesktop,
    chat_model,
    observe,
    prompt_text,
    purposes,
    screen,
    steps,
)

say = ScriptedResponse.message


def act(code: str, completes: bool = False) -> ScriptedResponse:
    flag = "yes" if completes else "no"
    return say(f"Thought: next.\n```\n{code}\n```\nCompletes subgoal: {flag}")


def run_agent(planner: HierarchicalPlanner, desktop: ChangingDesktop) -> tuple[Agent, RunFinished]:
    stop = threading.Event()
    executor = ActionExecutor(
        desktop, None, config=ExecutorConfig(find_timeout_s=0.0), stop_event=stop
    )
    agent = Agent(
        desktop,
        planner,
        executor,
        config=AgentConfig(settle_timeout_s=0.05, max_steps=20),
        stop_event=stop,
    )
    events = list(agent.run(planner.instruction))
    final = events[-1]
    assert isinstance(final, RunFinished)
    return agent, final


THREE_SUBGOALS = [
    say(
        "The desktop is empty.\nSubgoals:\n1. Open a new document\n2. Write the greeting\n"
        "3. Save it as a.txt"
    ),
    act("click(20, 20)"),
    act("hotkey('ctrl', 'n')"),
    act("click(300, 200)", completes=True),
    say("Subgoals:\n1. Write the greeting\n2. Save it as a.txt"),
    act("type_text('Hello')"),
    act("hotkey('enter')"),
    act("type_text('world')", completes=True),
    say("Subgoals:\n1. Save it as a.txt"),
    act("hotkey('ctrl', 's')"),
    act("type_text('a.txt')"),
    act("hotkey('enter')", completes=True),
    say("The file is saved.\nDONE: a.txt saved with the greeting"),
]


def test_a_three_subgoal_task_takes_at_most_one_and_a_half_calls_per_action() -> None:
    with ReplayServer(THREE_SUBGOALS) as server:
        planner = HierarchicalPlanner(
            "write a greeting and save it as a.txt",
            chat_model(server, "planner", model="planner-m"),
            chat_model(server, "worker", model="worker-m"),
        )
        desktop = ChangingDesktop()
        agent, final = run_agent(planner, desktop)
        models = [r.body["model"] for r in server.chat_requests]

    assert (final.status, final.reason) == ("done", "a.txt saved with the greeting")
    executed = [s for s in agent.steps if not isinstance(s.action, Done)]
    assert [s.action for s in executed][:3] == [
        Click(Point(20, 20)),
        Hotkey(("ctrl", "n")),
        Click(Point(300, 200)),
    ]
    assert all(s.status == StepStatus.OK for s in agent.steps)
    assert len(executed) == 9
    assert len(desktop.calls) >= 9  # every action reached the desktop

    calls_per_action = planner.calls / len(executed)
    assert planner.calls == 13  # 1 plan + 9 worker + 2 revise + 1 final check, no reflection
    assert calls_per_action <= 1.5
    assert purposes(planner.exchanges) == ["plan"] + ["worker"] * 3 + ["revise"] + [
        "worker"
    ] * 3 + ["revise"] + ["worker"] * 3 + ["revise"]
    assert models == ["planner-m"] + ["worker-m"] * 3 + ["planner-m"] + ["worker-m"] * 3 + [
        "planner-m"
    ] + ["worker-m"] * 3 + ["planner-m"]

    # The plan as it evolved is in each step and in the planner's state.
    assert agent.steps[3].extra["plan"] == [
        "[done] Open a new document",
        "[active] Write the greeting",
        "[pending] Save it as a.txt",
    ]
    state = planner.to_dict()
    assert [r["kind"] for r in state["plan"]["revisions"]] == ["plan", "revise", "revise", "revise"]
    assert state["plan"]["revisions"][-1]["reason"] == "DONE: a.txt saved with the greeting"
    assert [s["status"] for s in state["plan"]["subgoals"]] == ["done"] * 3
    assert state["plan"]["outcome"] == "done"
    assert state["exchanges"][1]["messages"][0]["images"] == ["step_0001.png"]
    assert SECRET not in json.dumps(state)


def test_a_stalled_screen_triggers_reflection_then_a_replan() -> None:
    script = [
        say("Subgoals:\n1. Save the file\n2. Close the editor"),
        act("click(50, 50)"),
        say("Verdict: retry\nAdvice: use the keyboard shortcut ctrl+s instead."),
        act("hotkey('ctrl', 's')"),
        say("Verdict: replan\nAdvice: the editor window is not focused."),
        say("Subgoals:\n1. Focus the editor\n2. Save the file"),
        act("click(320, 200)", completes=True),
        say("DONE: saved"),
    ]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save the file", chat_model(server))
        still = observe(screen())
        first = planner.next_action(still, [])
        second = planner.next_action(still, steps(first.action))
        third = planner.next_action(still, steps(first.action, second.action))
        fourth = planner.next_action(
            observe(screen(1)), steps(first.action, second.action, third.action)
        )
        again = planner.next_action(observe(screen(2)), [])
        requests = server.chat_requests

    assert first.action == Click(Point(50, 50))
    assert second.action == Hotkey(("ctrl", "s"))
    assert "Advice after a progress check (follow it): the screen did not change after step 1" in (
        prompt_text(requests[3])
    )
    assert "use the keyboard shortcut ctrl+s instead." in prompt_text(requests[3])
    assert "Progress check that fired: the screen did not change after step 1" in prompt_text(
        requests[2]
    )
    replan_prompt = prompt_text(requests[5])
    assert (
        "What went wrong: the screen did not change after step 2: hotkey('ctrl', 's'); "
        "reflection: the editor window is not focused." in replan_prompt
    )
    assert third.action == Click(Point(320, 200))
    assert third.plan == (
        "[failed] Save the file",
        "[active] Focus the editor",
        "[pending] Save the file",
    )
    assert fourth.action == Done("saved")
    assert again is fourth
    assert purposes(planner.exchanges) == [
        "plan",
        "worker",
        "reflection",
        "worker",
        "reflection",
        "replan",
        "worker",
        "revise",
    ]
    assert planner.replans == 1
    assert planner.plan is not None
    assert planner.plan.texts(SubgoalStatus.DROPPED) == ["Close the editor"]


def test_after_the_reflection_budget_a_stall_replans_without_another_reflection() -> None:
    config = HierarchicalConfig(progress=ProgressConfig(max_reflections_per_subgoal=0))
    script = [say("1. Save"), act("click(5, 5)"), say("FAIL: nothing responds"), say("unused")]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save", chat_model(server), config=config)
        first = planner.next_action(observe(screen()), [])
        last = planner.next_action(observe(screen()), steps(first.action))
    assert last.action == Fail("nothing responds")
    assert purposes(planner.exchanges) == ["plan", "worker", "replan"]


def test_a_failed_step_replans_with_its_error_and_the_worker_can_give_up_a_subgoal() -> None:
    script = [
        say("1. Click Save"),
        act("click('Save')", completes=True),
        say("Subgoals:\n1. Press ctrl+s"),
        act("fail('no window accepts the shortcut')"),
        say("Subgoals:\n1. Use the File menu"),
        act("click('File')"),
        act("click('Save')"),
    ]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save", chat_model(server))
        first = planner.next_action(observe(screen()), [])
        history = steps(first.action, status=StepStatus.FAILED, error="'Save' was not found")
        decision = planner.next_action(observe(screen()), history)
        # The next step after the new plan goes to the worker, not to a revise.
        later = planner.next_action(
            observe(screen(1)), [history[0], Step(index=2, action=decision.action)]
        )
        first_replan = prompt_text(server.chat_requests[2])
        second_replan = prompt_text(server.chat_requests[4])
    assert "What went wrong: step 1 click('Save') failed: 'Save' was not found" in first_replan
    assert "What went wrong: the worker gave up on it: no window accepts the shortcut" in (
        second_replan
    )
    assert decision.action == Click("File")
    assert later.action == Click("Save")
    assert purposes(planner.exchanges)[-1] == "worker"
    assert planner.replans == 2


def test_too_many_replans_end_the_run_with_the_last_problem() -> None:
    config = HierarchicalConfig(max_replans=1)
    script = [say("1. Save"), act("fail('greyed out')"), say("1. Save again"), act("fail('still')")]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save", chat_model(server), config=config)
        decision = planner.next_action(observe(screen()), [])
    assert decision.action == Fail(
        "gave up after 1 replans; last problem: the worker gave up on it: still"
    )
    assert planner.calls == 4


class ClockDesktop(ChangingDesktop):
    """Each key press moves a fake clock on by 100 s."""

    def __init__(self, now: list[float]) -> None:
        super().__init__()
        self.now = now

    def hotkey(self, keys: Sequence[str]) -> None:
        super().hotkey(keys)
        self.now[0] += 100.0


def test_the_time_limit_ends_the_run_before_the_next_model_call() -> None:
    now = [0.0]
    with ReplayServer([say("1. Save"), act("hotkey('ctrl', 's')"), act("never")]) as server:
        planner = HierarchicalPlanner(
            "save",
            chat_model(server),
            config=HierarchicalConfig(max_time_s=60),
            clock=lambda: now[0],
        )
        agent, final = run_agent(planner, ClockDesktop(now))
        assert len(server.chat_requests) == 2
    assert final.status == "failed"
    assert final.reason.startswith("the run reached its time limit of 60 s")
    assert len(agent.steps) == 1


def test_the_cost_limit_from_the_meter_ends_the_run_with_its_reason() -> None:
    meter = UsageMeter(max_cost_usd=0.00025)  # each reply: 100 prompt tokens at $1/Mtok
    script = [say("1. Type"), act("type_text('a')"), act("type_text('b')"), act("never")]
    with ReplayServer(script) as server:
        model = chat_model(server, meter=meter, input_usd_per_mtok=1.0)
        planner = HierarchicalPlanner("type", model)
        agent, final = run_agent(planner, ChangingDesktop())
        assert len(server.chat_requests) == 3
    assert final.status == "failed"
    assert final.reason.startswith("the run's model calls cost $")
    assert [s.action for s in agent.steps] == [TypeText("a")]
    assert planner.exchanges[-1].error is not None
    assert planner.exchanges[-1].error.startswith("CostLimitReached")


def test_an_unreadable_worker_answer_fails_the_run_and_executes_nothing() -> None:
    script = [say("1. Save"), say("I'd save."), say("Let me save."), say("Saving now.")]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save", chat_model(server))
        desktop = ChangingDesktop()
        agent, final = run_agent(planner, desktop)
    assert final.status == "failed"
    assert final.reason.startswith("ModelAnswerInvalid: the worker model gave no usable answer")
    assert agent.steps == []
    assert desktop.calls == []
