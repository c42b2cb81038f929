"""Single-model mode: UI-TARS-style answers -> our actions, points mapped to screen pixels."""

from __future__ import annotations

import pytest

from desktop_agent.actions import (
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    Point,
    RightClick,
    Scroll,
    TypeText,
    Wait,
)
from desktop_agent.errors import ParseError
from desktop_agent.planning import ModelAnswerInvalid, SingleModelConfig, SingleModelPlanner
from desktop_agent.planning.uitars import Frame, split_answer, to_action
from desktop_agent.step import Step, StepStatus
from grounding.replay_server import ReplayServer, ScriptedResponse
from planning_support import chat_model, observe, prompt_text, screen, sent_images

say = ScriptedResponse.message
RELATIVE = Frame("relative1000", (1280, 800), (1280, 800))


@pytest.mark.parametrize(
    ("code", "action"),
    [
        ("click(start_box='<|box_start|>(500,500)<|box_end|>')", Click(Point(640, 400))),
        ("left_single(start_box='(0,0)')", Click(Point(0, 0))),
        ("click(start_box='<point>1000 1000</point>')", Click(Point(1279, 799))),
        ("left_double(start_box='[100, 100, 200, 300]')", DoubleClick(Point(192, 160))),
        ("right_single(start_box='(250,250)')", RightClick(Point(320, 200))),
        (
            "drag(start_box='(100,100)', end_box='(900,100)')",
            Drag(Point(128, 80), Point(1152, 80)),
        ),
        ("hotkey(key='ctrl c')", Hotkey(("ctrl", "c"))),
        ("hotkey(key='Enter')", Hotkey(("enter",))),
        ("type(content='a.txt\\n')", TypeText("a.txt", enter=True)),
        ("type(content='it\\'s 世界')", TypeText("it's 世界")),
        (
            "scroll(start_box='(500,250)', direction='down')",
            Scroll("down", 5, at=Point(640, 200)),
        ),
        ("scroll(direction='up')", Scroll("up", 5)),
        ("wait()", Wait(5.0)),
        ("finished(content='saved')", Done("saved")),
    ],
)
def test_ui_tars_actions_map_onto_ours_in_screen_pixels(code: str, action: object) -> None:
    assert to_action(code, RELATIVE) == action


def test_call_user_gives_up_with_the_models_thought() -> None:
    thought, code = split_answer("Thought: I need a password.\nAction: call_user()")
    assert to_action(code, RELATIVE, thought=thought) == Fail(
        "the model asks for help: I need a password."
    )


def test_absolute_points_are_pixels_of_the_image_sent() -> None:
    frame = Frame("absolute", (1280, 800), (2560, 1600))
    assert to_action("click(start_box='(640,400)')", frame) == Click(Point(1280, 800))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("click(start_box='(1500,20)')", r"outside the screenshot; coordinates are 0-1000"),
        ("click(start_box='the Save button')", "no point in"),
        ("click(start_box='(1,2)')\nclick(start_box='(3,4)')", "found 2 actions"),
        ("launch(app='x')", "unknown action 'launch'"),
        ("hotkey(key='hyper q')", "unknown key"),
        ("scroll(direction='sideways')", "sideways"),
        ("type(content=open('/etc/passwd').read())", "not a literal"),
        ("type(content='unclosed)", "could not read"),
        # Garbage that overflows Python's parser (MemoryError / RecursionError) or is huge.
        pytest.param("click(start_box=" + "-" * 19000 + "1)", "nested too deeply", id="deep-1"),
        pytest.param("click(start_box=" + "not " * 4000 + "1)", "nested too deeply", id="deep-2"),
        pytest.param("type(content='" + "a" * 30000 + "')", "the limit is", id="huge"),
    ],
)
def test_unusable_actions_are_parse_errors_for_the_model(code: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        to_action(code, RELATIVE)


def test_an_answer_without_an_action_line_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no `Action:` line"):
        split_answer("Thought: click the button")


def test_the_planner_sends_a_fitted_screenshot_and_maps_absolute_points_back() -> None:
    big = screen(1, size=(2560, 1600))
    reply = "Thought: the Save button is at the bottom.\nAction: click(start_box='(640,400)')"
    with ReplayServer([say(reply)]) as server:
        planner = SingleModelPlanner(
            "save the file",
            chat_model(server, "worker", max_image_side=1280),
            config=SingleModelConfig(coordinate_frame="absolute", max_image_side=1280),
        )
        decision = planner.next_action(observe(big), [])
        request = server.chat_requests[0]
    assert decision.action == Click(Point(1280, 800))
    assert decision.source_text == reply
    assert [im.size for im in sent_images(request)] == [(1280, 800)]
    text = prompt_text(request)
    assert "Coordinates are pixels of the 1280x800 screenshot" in text
    assert "## User Instruction\nsave the file" in text
    assert planner.exchanges[0].messages[0]["images"] == ["step_0001.png"]


def test_history_shows_earlier_answers_and_outcomes_and_bad_points_are_asked_again() -> None:
    earlier = Step(
        index=1,
        action=Click(Point(10, 10)),
        source_text="Thought: open the menu.\nAction: click(start_box='(8,12)')",
        status=StepStatus.OK,
    )
    replies = [
        say("Thought: x.\nAction: click(start_box='(2000,10)')"),
        say("Thought: x.\nAction: hotkey(key='ctrl s')"),
    ]
    with ReplayServer(replies) as server:
        planner = SingleModelPlanner("save", chat_model(server, "worker"))
        decision = planner.next_action(observe(screen()), [earlier])
        first, retry = (prompt_text(r) for r in server.chat_requests)
    assert decision.action == Hotkey(("ctrl", "s"))
    assert "Step 1: Thought: open the menu. Action: click(start_box='(8,12)') -> ok" in first
    assert "the point (2000, 10) is outside the screenshot" in retry
    assert [e.attempt for e in planner.exchanges] == [1, 2]


def test_the_planner_fails_clearly_after_the_retry_limit() -> None:
    with ReplayServer([say("I will click Save.")] * 2) as server:
        planner = SingleModelPlanner(
            "save", chat_model(server), config=SingleModelConfig(max_parse_retries=1)
        )
        with pytest.raises(ModelAnswerInvalid, match="single_model model gave no usable answer"):
            planner.next_action(observe(screen()), [])


def test_an_unknown_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="coordinate_frame must be"):
        SingleModelConfig(coordinate_frame="normalized")  # type: ignore[arg-type]
