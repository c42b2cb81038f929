"""Prompts are package data: every template renders, strictly, from its own variables."""

from __future__ import annotations

import re

import pytest

from desktop_agent.action_docs import action_signatures
from desktop_agent.actions import Click
from desktop_agent.planning import (
    TEMPLATE_NAMES,
    Manager,
    PlanState,
    TemplateError,
    Worker,
    render,
)
from desktop_agent.planning.action_prompt import (
    action_answer_section,
    action_language_section,
    screen_elements_section,
)
from desktop_agent.planning.templates import template_variables
from desktop_agent.step import Step
from grounding.replay_server import ReplayServer, ScriptedResponse
from grounding.types import Box, Element
from planning_support import chat_model, observe, prompt_text, screen, steps


def values_for(name: str) -> dict[str, str]:
    return {var: f"<{var} value>" for var in template_variables(name)}


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_renders_with_each_value_in_place(name: str) -> None:
    values = values_for(name)
    assert values, f"{name} has no variables"
    text = render(name, **values)
    for value in values.values():
        assert value in text
    # Nothing left unsubstituted: no $name placeholders remain.
    assert not re.search(r"\$[A-Za-z_{]", text)


def test_a_missing_variable_names_the_template_and_the_variable() -> None:
    values = values_for("worker")
    del values["subgoal"]
    with pytest.raises(TemplateError, match=r"'worker' needs \$subgoal"):
        render("worker", **values)


def test_a_value_with_no_placeholder_is_an_error_too() -> None:
    with pytest.raises(TemplateError, match=r"'parse_retry' has no placeholder for hint"):
        render("parse_retry", error="e", answer_format="f", hint="h")


def test_an_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(TemplateError, match=r"unknown prompt template 'nope'.*manager_plan"):
        render("nope")


def test_values_holding_dollar_signs_are_kept_verbatim() -> None:
    text = render("parse_retry", error="costs $5 and ${x}", answer_format="f")
    assert "costs $5 and ${x}" in text


def test_the_worker_prompt_describes_the_action_language_from_the_action_classes() -> None:
    plan = PlanState()
    plan.set_remaining(["Open the Save dialog", "Save as a.txt"], kind="plan", step=1)
    history = [Step(index=1, action=Click("File"))]
    worker = Worker(model=None)  # type: ignore[arg-type]  # prompt() makes no call
    text = worker.prompt("save the file", plan, observe(screen()), history)
    for signature in action_signatures():
        assert signature in text
    assert "Current subgoal: Open the Save dialog" in text
    assert "[active] Open the Save dialog\n[pending] Save as a.txt" in text
    assert "step 1: click('File') -> ok" in text
    assert "640x400" in text


def test_the_worker_and_every_manager_prompt_share_one_action_language_and_format() -> None:
    elements = [Element(Box(10, 10, 60, 30), role="menu", text="File", source="ocr")]
    observation = observe(screen(), elements=elements)
    plan = PlanState()
    plan.set_remaining(["Open the Save dialog"], kind="plan", step=1)
    history = steps(Click("File"))
    worker = Worker(model=None)  # type: ignore[arg-type]  # prompt() makes no call
    prompts = [worker.prompt("save", plan, observation, history)]
    replies = [ScriptedResponse.message("Subgoals:\n1. Save")] * 3
    with ReplayServer(replies) as server:
        manager = Manager(chat_model(server))
        manager.plan("save", observation)
        manager.revise("save", plan, observation, history)
        manager.replan(
            "save", plan, observation, history, failed_subgoal="Save", what_went_wrong="x"
        )
        prompts += [prompt_text(r) for r in server.chat_requests]
    shared = [
        action_language_section(),
        screen_elements_section(observation, max_elements=60),
        action_answer_section(),
    ]
    assert '- menu "File" at (35, 20)' in shared[1]
    for prompt in prompts:
        for section in shared:
            assert section in prompt
    for prompt in prompts[2:]:  # revise and replan show the same trimmed history
        assert "step 1: click('File') -> ok" in prompt
