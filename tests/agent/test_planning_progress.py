"""Progress checks (no model) and the reflection answer they lead to."""

from __future__ import annotations

import pytest
from PIL import ImageDraw

from desktop_agent.actions import Click, Hotkey, Point, TypeText, Wait
from desktop_agent.errors import ParseError
from desktop_agent.planning import (
    ProgressConfig,
    ProgressMonitor,
    Reflection,
    parse_reflection,
    screen_changed,
)
from planning_support import screen, steps


def test_a_caret_blink_is_no_change_but_an_opened_menu_is() -> None:
    before = screen()
    caret = before.copy()
    ImageDraw.Draw(caret).line((100, 100, 100, 115), fill="black")
    assert not screen_changed(before, caret)
    assert screen_changed(before, screen(shade=1))
    assert screen_changed(before, screen(size=(800, 600)))


def test_an_action_that_changed_nothing_fires_but_wait_does_not() -> None:
    monitor = ProgressMonitor()
    history = steps(Click(Point(5, 5)))
    reason = monitor.check(history, before=screen(), after=screen(), subgoal="s")
    assert reason == "the screen did not change after step 1: click((5, 5))"
    assert monitor.check(history, before=screen(), after=screen(2), subgoal="s") is None
    assert monitor.check(steps(Wait(1)), before=screen(), after=screen(), subgoal="s") is None
    # No frame from before (the first step of a run): nothing to compare.
    assert monitor.check(history, before=None, after=screen(), subgoal="s") is None


def test_the_same_action_repeated_fires_at_the_limit() -> None:
    monitor = ProgressMonitor(ProgressConfig(repeat_limit=3))
    two = steps(TypeText("a"), Hotkey(("tab",)), Hotkey(("tab",)))
    assert monitor.check(two, before=screen(), after=screen(1), subgoal="s") is None
    three = [*two, *steps(*[Hotkey(("tab",))] * 4)[3:]]
    reason = monitor.check(three, before=screen(), after=screen(1), subgoal="s")
    assert reason == "the same action hotkey('tab') was taken 3 times in a row"


def test_a_subgoal_running_too_long_fires_and_each_window_fires_once() -> None:
    monitor = ProgressMonitor(ProgressConfig(max_subgoal_steps=3))
    history = steps(TypeText("a"), TypeText("b"), TypeText("c"), TypeText("d"))
    monitor.start_subgoal(1)  # the subgoal started after step 1
    assert monitor.check(history[:3], before=None, after=screen(), subgoal="s") is None
    reason = monitor.check(history, before=None, after=screen(), subgoal="Fill the form")
    assert reason == "the subgoal 'Fill the form' has taken 3 steps without completing (limit 3)"
    monitor.after_reflection(4)
    assert monitor.check(history, before=None, after=screen(), subgoal="s") is None
    assert monitor.reflections_this_subgoal == 1
    assert not monitor.reflections_exhausted
    monitor.after_reflection(4)
    assert monitor.reflections_exhausted
    monitor.start_subgoal(4)
    assert not monitor.reflections_exhausted


def test_reflection_answers_are_read() -> None:
    text = "Verdict: **retry**\nAdvice: the click missed;\n press ctrl+s instead."
    assert parse_reflection(text) == Reflection("retry", "the click missed; press ctrl+s instead.")
    assert parse_reflection("verdict: REPLAN\nadvice: wrong window").verdict == "replan"


@pytest.mark.parametrize(
    ("text", "message"), [("Try again.", "no verdict"), ("Verdict: retry", "no advice")]
)
def test_unusable_reflections_are_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_reflection(text)
