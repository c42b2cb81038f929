"""Prompts are package data: every template renders, strictly, from its own variables."""

from __future__ import annotations

import re

import pytest

from desktop_agent.action_docs import action_signatures
from desktop_agent.actions import Click
from desktop_agent.planning import TEMPLATE_NAMES, PlanState, TemplateError, Worker, render
from desktop_agent.planning.templates import template_variables
from desktop_agent.step import Step
from planning_support import observe, screen


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
