"""The hierarchical planner through the real agent loop and real HTTP: calls per action,
the manager's first actions, reflection, replanning, and how each run limit ends a run."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from desktop_agent.actions import Click, Done, Fail, Hotkey, Point, TypeText
from desktop_agent.llm.usage import UsageMeter
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
    action_answer,
    chat_model,
    observe,
    prompt_text,
    purposes,
    run_agent,
    screen,
    steps,
    with_first_action,
)

say = ScriptedResponse.message


def act(code: str, completes: bool = False) -> ScriptedResponse:
    return say(action_answer(code, completes=completes))


def manager(plan_text: str, code: str | None) -> ScriptedResponse:
    """A manager answer; with `code`, it also chooses the first action (the new protocol)."""
    return say(with_first_action(plan_text, code) if code else plan_text)


def three_subgoals(*, manager_acts: bool) -> list[ScriptedResponse]:
    """9 actions in 3 subgoals; the manager chooses each subgoal's first one, or the worker."""

    def subgoal(plan_text: str, first: str, *rest: ScriptedResponse) -> list[ScriptedResponse]:
        if manager_acts:
            return [manager(plan_text, first), *rest]
        return [manager(plan_text, None), act(first), *rest]

    return [
        *subgoal(
            "The desktop is empty.\nSubgoals:\n1. Open a new document\n2. Write the greeting\n"
            "3. Save it as a.txt",
            "click(20, 20)",
            act("hotkey('ctrl', 'n')"),
            act("click(300, 200)", completes=True),
        ),
        *subgoal(
            "Subgoals:\n1. Write the greeting\n2. Save it as a.txt",
            "type_text('Hello')",
            act("hotkey('enter')"),
            act("type_text('world')", completes=True),
        ),
        *subgoal(
            "Subgoals:\n1. Save it as a.txt",
            "hotkey('ctrl', 's')",
            act("type_text('a.txt')"),
            act("hotkey('enter')", completes=True),
        ),
        say("The file is saved.\nDONE: a.txt saved with the greeting"),
    ]


def test_a_three_subgoal_task_takes_one_call_per_action_plus_the_completion_check() -> None:
    with ReplayServer(three_subgoals(manager_acts=True)) as server:
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
    assert [s.action for s in executed][:4] == [
        Click(Point(20, 20)),
        Hotkey(("ctrl", "n")),
        Click(Point(300, 200)),
        TypeText("Hello"),
    ]
    assert all(s.status == StepStatus.OK for s in agent.steps)
    assert len(executed) == 9
    assert len(desktop.calls) >= 9  # every action reached the desktop

    # 1 plan + 2 revises, each with a subgoal's first action; 6 worker calls; 1 final check.
    assert planner.calls == 10
    assert planner.calls / len(executed) <= 1.5
    assert (planner.manager_actions, planner.manager_action_fallbacks) == (3, 0)
    subgoal_calls = ["worker", "worker", "revise"]
    assert purposes(planner.exchanges) == ["plan", *subgoal_calls * 3]
    assert models == ["planner-m", *["worker-m", "worker-m", "planner-m"] * 3]
    # The first action of each subgoal came from the manager's answer, not a worker call.
    assert agent.steps[0].source_text.startswith("First action:\nThought: next.")
    assert agent.steps[3].source_text.startswith("First action:")

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
    assert (state["manager_actions"], state["manager_action_fallbacks"]) == (3, 0)
    assert state["exchanges"][0]["messages"][0]["images"] == ["step_0001.png"]
    assert state["exchanges"][1]["messages"][0]["images"] == ["step_0002.png"]
    assert SECRET not in json.dumps(state)


def test_without_the_completion_check_the_task_takes_one_call_per_action() -> None:
    config = HierarchicalConfig(verify_completion=False)
    with ReplayServer(three_subgoals(manager_acts=True)[:-1]) as server:
        planner = HierarchicalPlanner("write and save", chat_model(server), config=config)
        _, final = run_agent(planner, ChangingDesktop())
        assert server.remaining == 0
    assert (final.status, final.reason) == ("done", "all 3 subgoals done")
    assert planner.calls == planner.actions_decided == 9


def test_manager_answers_without_an_action_fall_back_to_one_worker_call_each() -> None:
    with ReplayServer(three_subgoals(manager_acts=False)) as server:
        planner = HierarchicalPlanner("write and save", chat_model(server))
        agent, final = run_agent(planner, ChangingDesktop())
        assert server.remaining == 0
    assert (final.status, final.reason) == ("done", "a.txt saved with the greeting")
    assert len(agent.steps) == 10  # the same 9 actions and done()
    # The cost without the protocol: 1 + 9 + 3 (A + S + 1), never more.
    assert planner.calls == 13
    assert (planner.manager_actions, planner.manager_action_fallbacks) == (0, 3)
    assert purposes(planner.exchanges)[:2] == ["plan", "worker"]


def test_a_malformed_manager_action_is_not_executed_and_the_worker_is_asked() -> None:
    script = [
        # click(Save): a bare name, unreadable; the plan part is fine.
        manager("Subgoals:\n1. Save the file", "click(Save)"),
        act("click('Save')", completes=True),
        say("DONE: saved"),
        say("never asked"),
    ]
    with ReplayServer(script) as server:
        planner = HierarchicalPlanner("save the file", chat_model(server))
        first = planner.next_action(observe(screen()), [])
        worker_prompt = prompt_text(server.chat_requests[1])
        last = planner.next_action(observe(screen(1)), steps(first.action))
        assert len(server.chat_requests) == 3  # the manager was not asked again
    assert first.action == Click("Save")  # the worker's, not the manager's unreadable one
    assert first.source_text.startswith("Thought: next.")
    assert "Current subgoal: Save the file" in worker_prompt
    assert last.action == Done("saved")
    assert purposes(planner.exchanges) == ["plan", "worker", "revise"]
    assert planner.calls == 3  # one more than with a usable manager action
    assert (planner.manager_actions, planner.manager_action_fallbacks) == (0, 1)
    assert all(e.error is None for e in planner.exchanges)


def test_a_stalled_screen_triggers_reflection_then_a_replan() -> None:
    script = [
        say("Subgoals:\n1. Save the file\n2. Close the editor"),
        act("click(50, 50)"),
        say("Verdict: retry\nAdvice: use the keyboard shortcut ctrl+s instead."),
        act("hotkey('ctrl', 's')"),
        say("Verdict: replan\nAdvice: the editor window is not focused."),
        say(
            with_first_action(
                "Subgoals:\n1. Focus the editor\n2. Save the file",
                "click(320, 200)",
                completes=True,
            )
        ),
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
    assert third.action == Click(Point(320, 200))  # the replan chose it: no worker call
    assert third.source_text.startswith("First action:")
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
    assert "--max-minutes" in final.reason  # the knob a person can turn
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
    # The call that crossed the ceiling was paid for: the log keeps its reply and cost.
    assert "type_text('b')" in (planner.exchanges[-1].reply or "")
    assert planner.exchanges[-1].usage.prompt_tokens > 0
    assert planner.caller.cost_usd == pytest.approx(meter.cost_usd())


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
