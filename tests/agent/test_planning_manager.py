"""The manager: plan, revise, replan over real HTTP; its numbered lists read robustly; the
first action its answer chooses is read like a worker answer, and a bad one is never re-asked."""

from __future__ import annotations

import pytest

from desktop_agent.action_docs import action_signatures
from desktop_agent.actions import Click, Hotkey, TypeText
from desktop_agent.errors import ParseError
from desktop_agent.planning import (
    Example,
    Manager,
    ManagerAnswer,
    ModelAnswerInvalid,
    ModelCaller,
    PlanState,
    StaticExamples,
    SubgoalStatus,
    parse_manager_answer,
)
from grounding.replay_server import ReplayServer, ScriptedResponse
from grounding.types import Box, Element
from planning_support import (
    chat_model,
    observe,
    prompt_text,
    screen,
    sent_images,
    steps,
    with_first_action,
)

say = ScriptedResponse.message


def read(text: str) -> ManagerAnswer:
    return parse_manager_answer(text, max_subgoals=5)


def test_a_numbered_list_after_the_subgoals_line_is_read_and_reasoning_ignored() -> None:
    text = (
        "The editor is open. Steps I considered:\n1. nothing\n\n"
        "Subgoals:\n1. Open the **Save As** dialog\n2) Type `a.txt` into Name\n"
        "  3.   Click Save  \n"
    )
    assert read(text).subgoals == ("Open the Save As dialog", "Type a.txt into Name", "Click Save")


def test_underscores_inside_names_and_paths_are_kept() -> None:
    text = "Subgoals:\n1. Save as `/tmp/run_1/my_notes.txt`\n2. Close __the__ editor"
    assert read(text).subgoals == ("Save as /tmp/run_1/my_notes.txt", "Close the editor")


def test_a_list_without_the_heading_and_bullets_are_accepted() -> None:
    assert read("1. Open it\n2. Save it").subgoals == ("Open it", "Save it")
    assert read("Plan:\n- Open it\n- Save it").subgoals == ("Open it", "Save it")


def test_done_and_fail_markers() -> None:
    assert read("The file is saved.\nDONE: a.txt is saved") == ManagerAnswer(done="a.txt is saved")
    assert read("**FAIL**: no editor installed") == ManagerAnswer(fail="no editor installed")
    # A word that merely starts with FAIL is not a marker.
    with pytest.raises(ParseError, match="no numbered subgoals"):
        read("FAILED attempts are fine")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("I will do it.", "no numbered subgoals found in the answer"),
        ("Subgoals:\n(none)", "after the `Subgoals:` line"),
        ("1. a\nDONE: b", "both a subgoal list and a DONE"),
        ("\n".join(f"{n}. step {n}" for n in range(1, 8)), "7 subgoals are more than the 5"),
    ],
)
def test_unusable_answers_say_how_to_answer(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        read(text)
    assert "Subgoals:" in str(info.value)


def test_plan_sends_the_instruction_examples_and_screenshot_and_reads_the_list() -> None:
    examples = StaticExamples([Example("save notes.txt", "1. ctrl+s\n2. type the name", "demo-7")])
    with ReplayServer([say("Subgoals:\n1. Open Save As\n2. Save as a.txt")]) as server:
        caller = ModelCaller()
        manager = Manager(chat_model(server), examples, caller=caller)
        answer = manager.plan("save the file as a.txt", observe(screen(), active_window="Mousepad"))
        request = server.chat_requests[0]
    assert answer.subgoals == ("Open Save As", "Save as a.txt")
    text = prompt_text(request)
    assert "Task: save the file as a.txt" in text
    assert "Example 1 (from demo-7)\nTask: save notes.txt\nSteps:\n1. ctrl+s" in text
    assert "active window: Mousepad" in text
    assert [im.size for im in sent_images(request)] == [(640, 400)]
    assert [e.purpose for e in caller.exchanges] == ["plan"]
    assert caller.exchanges[0].messages[0]["images"] == ["step_0000.png"]


def test_the_plan_prompt_asks_for_the_first_action_with_what_the_worker_is_shown() -> None:
    elements = [Element(Box(300, 200, 360, 224), role="button", text="Save", source="ocr")]
    with ReplayServer([say("Subgoals:\n1. Save")]) as server:
        Manager(chat_model(server)).plan("save", observe(screen(), elements=elements))
        text = prompt_text(server.chat_requests[0])
    # The action language comes from the action classes, as in the worker's prompt.
    for signature in action_signatures():
        assert signature in text
    assert '- button "Save" at (330, 212)' in text
    assert "First action:\nThought: <one or two sentences" in text
    assert "Completes subgoal: <yes or no>" in text
    assert "(640x400 pixels; active window: Editor)" in text


def test_a_first_action_after_the_list_is_read_like_a_worker_answer() -> None:
    text = with_first_action(
        "The editor is open.\nSubgoals:\n1. Save as a.txt\n2. Close it",
        "type_text('a.txt', into='Name')",
        completes=True,
    )
    answer = read(text)
    assert answer.subgoals == ("Save as a.txt", "Close it")
    assert answer.action is not None
    assert answer.action.action == TypeText("a.txt", into="Name")
    assert answer.action.completes_subgoal
    assert answer.action.thought == "next."
    assert answer.action.text.startswith("First action:\nThought: next.")
    assert answer.action_problem is None
    # Without the `First action:` label, a `Thought:` line or a fence starts the action.
    bare = read("Subgoals:\n1. Save\nThought: use the shortcut.\n```\nhotkey('ctrl', 's')\n```")
    assert bare.subgoals == ("Save",)
    assert bare.action is not None
    assert bare.action.action == Hotkey(("ctrl", "s"))
    one_line = read("1. Open File\n2. Save\nFirst action: click('File')")
    assert one_line.action is not None
    assert one_line.action.action == Click("File")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Subgoals:\n1. Save\n2. Close", "the answer has no first action"),
        ("Subgoals:\n1. Save\nFirst action:\n```\nclick(Save)\n```", "could not be read"),
        ("1. Save\nThought: x\n```\nclick('a')\n```\n```\nclick('b')\n```", "2 code blocks"),
        ("1. Save\nFirst action:\n```\ndone('saved')\n```", "done('saved') starts nothing"),
        ("1. Save\nFirst action:\n```\nfail('no')\n```", "fail('no') starts nothing"),
    ],
)
def test_a_missing_or_unusable_first_action_is_reported_not_raised(text: str, problem: str) -> None:
    answer = read(text)
    assert answer.subgoals[0] == "Save"
    assert answer.action is None
    assert answer.action_problem is not None
    assert problem in answer.action_problem


def test_done_and_fail_answers_carry_no_action() -> None:
    answer = read("DONE: saved\nThought: nothing left.\n```\nwait(1)\n```")
    assert (answer.done, answer.action, answer.action_problem) == ("saved", None, None)


def test_revise_shows_done_and_remaining_and_can_finish_the_task() -> None:
    plan = PlanState()
    plan.set_remaining(["Open Save As", "Save as a.txt"], kind="plan", step=1)
    plan.end_active(SubgoalStatus.DONE, step=2)
    with ReplayServer(
        [say("Looks good.\nSubgoals:\n1. Type a.txt\n2. Click Save"), say("DONE: saved")]
    ) as server:
        manager = Manager(chat_model(server))
        history = steps(Hotkey(("ctrl", "s")))
        revised = manager.revise("save it", plan, observe(screen()), history)
        finished = manager.revise("save it", plan, observe(screen()), history)
        text = prompt_text(server.chat_requests[0])
    assert revised.subgoals == ("Type a.txt", "Click Save")
    assert finished.done == "saved"
    assert "Subgoals completed so far:\n1. Open Save As" in text
    assert "Subgoals that were still planned:\n1. Save as a.txt" in text
    assert "The last steps taken (oldest first):\nstep 1: hotkey('ctrl', 's') -> ok" in text
    assert "First action:" in text
    assert revised.action is None  # no action part: the worker will be asked


def test_replan_says_what_went_wrong_and_can_give_up() -> None:
    plan = PlanState()
    plan.set_remaining(["Click Save"], kind="plan", step=1)
    with ReplayServer([say("FAIL: the disk is read-only")]) as server:
        answer = Manager(chat_model(server)).replan(
            "save it",
            plan,
            observe(screen()),
            steps(Click("Save")),
            failed_subgoal="Click Save",
            what_went_wrong="an error dialog says the disk is read-only",
        )
        text = prompt_text(server.chat_requests[0])
    assert answer.fail == "the disk is read-only"
    assert "The subgoal that went wrong: Click Save" in text
    assert "What went wrong: an error dialog says the disk is read-only" in text
    assert "step 1: click('Save') -> ok" in text


def test_a_malformed_plan_is_asked_again_once_with_the_error() -> None:
    with ReplayServer([say("I would open the dialog."), say("Subgoals:\n1. Open it")]) as server:
        caller = ModelCaller()
        answer = Manager(chat_model(server), caller=caller).plan("open it", observe(screen()))
        retry = server.chat_requests[1].body["messages"]
    assert answer.subgoals == ("Open it",)
    assert [m["role"] for m in retry] == ["user", "assistant", "user"]
    assert retry[1]["content"] == "I would open the dialog."
    assert "no numbered subgoals found" in retry[2]["content"]
    assert [e.attempt for e in caller.exchanges] == [1, 2]
    assert caller.exchanges[0].error is not None
    assert caller.exchanges[1].error is None


def test_a_plan_still_malformed_after_the_re_ask_is_a_clear_error() -> None:
    with ReplayServer([say("hmm"), say("still thinking"), say("1. never asked")]) as server:
        with pytest.raises(ModelAnswerInvalid, match="plan model gave no usable answer in 2 tries"):
            Manager(chat_model(server)).plan("open it", observe(screen()))
        assert len(server.chat_requests) == 2


def test_an_unreadable_first_action_is_not_asked_again() -> None:
    bad = "Subgoals:\n1. Open it\nFirst action:\n```\nclick(Open)\n```"
    with ReplayServer([say(bad), say("never asked")]) as server:
        caller = ModelCaller()
        answer = Manager(chat_model(server), caller=caller).plan("open it", observe(screen()))
        assert len(server.chat_requests) == 1
    assert answer.subgoals == ("Open it",)
    assert answer.action is None
    assert answer.action_problem is not None
    assert "Open is a bare name" in answer.action_problem
    assert caller.exchanges[0].error is None  # the plan itself was usable
