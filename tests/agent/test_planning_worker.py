"""The worker: one action per answer, subgoal signals, elements, re-asks, clear failure."""

from __future__ import annotations

import pytest

from desktop_agent.actions import Click, Done, Fail, Hotkey, Point, TypeText
from desktop_agent.errors import ParseError
from desktop_agent.planning import (
    ModelAnswerInvalid,
    ModelCaller,
    PlanState,
    Worker,
    parse_worker_answer,
)
from desktop_agent.step import StepStatus
from grounding.replay_server import ReplayServer, ScriptedResponse
from grounding.types import Box, Element
from planning_support import chat_model, observe, prompt_text, screen, steps

say = ScriptedResponse.message


def plan_with(*subgoals: str) -> PlanState:
    plan = PlanState()
    plan.set_remaining(list(subgoals), kind="plan", step=1)
    return plan


def test_an_answer_gives_the_action_the_thought_and_the_completion_flag() -> None:
    answer = parse_worker_answer(
        "Thought: the Name field is empty.\n```python\ntype_text('a.txt', into='Name')\n```\n"
        "Completes subgoal: yes"
    )
    assert answer.action == TypeText("a.txt", into="Name")
    assert answer.thought == "the Name field is empty."
    assert answer.completes_subgoal
    assert not answer.subgoal_done
    assert not answer.subgoal_failed


def test_completion_defaults_to_no_and_done_fail_are_subgoal_signals() -> None:
    assert not parse_worker_answer("```\nclick(12, 30)\n```").completes_subgoal
    assert parse_worker_answer("```\nclick(12, 30)\n```").action == Click(Point(12, 30))
    done = parse_worker_answer("Thought: saved.\n```\ndone('dialog open')\n```")
    assert done.subgoal_done
    assert done.action == Done("dialog open")
    failed = parse_worker_answer("```\nfail('no Save button')\n```\nCompletes subgoal: no")
    assert failed.subgoal_failed
    assert failed.action == Fail("no Save button")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```\nclick('a')\n```\n```\nclick('b')\n```", "2 code blocks"),
        ("```\nclick('a'); click('b')\n```", "exactly one action call"),
        ("```\nos.system('rm -rf /')\n```", "not allowed"),
        ("I think we are done here.", "not an action call|no action found|could not read"),
    ],
)
def test_malformed_answers_are_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_worker_answer(text)


def test_the_prompt_lists_grounded_elements_in_reading_order() -> None:
    elements = [
        Element(Box(300, 200, 360, 224), role="button", text="Save", source="ocr"),
        Element(Box(10, 10, 60, 30), role="menu", text="File", source="a11y").to_dict(),
        {"not": "an element"},
    ]
    worker = Worker(model=None)  # type: ignore[arg-type]  # prompt() makes no call
    text = worker.prompt("save", plan_with("Save"), observe(screen(), elements=elements), [])
    assert '- menu "File" at (35, 20)\n- button "Save" at (330, 212)' in text
    plain = worker.prompt("save", plan_with("Save"), observe(screen()), [])
    assert "(no element list for this screen" in plain


def test_history_is_trimmed_and_shows_failures() -> None:
    history = steps(
        *[Hotkey(("ctrl", "z"))] * 9 + [Click("Save")],
        status=StepStatus.FAILED,
        error="'Save' was not found; seen: Cancel",
    )
    worker = Worker(model=None, history_steps=3)  # type: ignore[arg-type]
    text = worker.prompt("save", plan_with("Save"), observe(screen()), history)
    assert "(7 earlier steps not shown)" in text
    assert "step 8: hotkey('ctrl', 'z') -> ok" in text
    assert "step 10: click('Save') -> failed: 'Save' was not found; seen: Cancel" in text
    assert "step 7:" not in text


def test_a_malformed_answer_is_asked_again_with_the_parse_error_then_recovers() -> None:
    replies = [say("Thought: click it.\n```\nclick(Save)\n```"), say("```\nclick('Save')\n```")]
    with ReplayServer(replies) as server:
        caller = ModelCaller()
        worker = Worker(chat_model(server, "worker"), caller=caller)
        answer = worker.decide("save", plan_with("Save"), observe(screen()), [])
        retry = server.chat_requests[1].body["messages"]
    assert answer.action == Click("Save")
    assert "Save is a bare name; put descriptions and text in quotes" in retry[2]["content"]
    assert "Completes subgoal: <yes or no>" in retry[2]["content"]
    assert [e.error is None for e in caller.exchanges] == [False, True]


def test_after_the_retry_limit_the_step_fails_clearly_and_nothing_is_returned() -> None:
    replies = [say("click Save please")] * 3 + [say("```\nclick('Save')\n```")]
    with ReplayServer(replies) as server:
        worker = Worker(chat_model(server, "worker"), max_parse_retries=2)
        with pytest.raises(ModelAnswerInvalid) as info:
            worker.decide("save", plan_with("Save"), observe(screen()), [])
        assert len(server.chat_requests) == 3  # first try + 2 re-asks; the good 4th never asked
    message = str(info.value)
    assert "worker model gave no usable answer in 3 tries, so nothing was executed" in message
    assert "click Save please" in message


def test_the_worker_prompt_goes_to_the_worker_model_with_the_screenshot() -> None:
    with ReplayServer([say("```\nhotkey('ctrl', 's')\n```\nCompletes subgoal: yes")]) as server:
        worker = Worker(chat_model(server, "worker", model="worker-m"))
        answer = worker.decide("save", plan_with("Save"), observe(screen()), [], advice="use keys")
        request = server.chat_requests[0]
    assert answer.action == Hotkey(("ctrl", "s"))
    assert answer.completes_subgoal
    assert request.body["model"] == "worker-m"
    assert "Advice after a progress check (follow it): use keys" in prompt_text(request)
