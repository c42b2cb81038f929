"""bench.calls: calls counted three ways agree, and the per-action arithmetic is right.

Each test drives a scripted task through the real agent loop, the real
OpenAI client over HTTP to the replay server, and real Tesseract grounding.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from bench.calls import TaskResult, main, run_task, totals
from bench.calls_tasks import TASKS, BenchTask, task_named
from bench.calls_usage import image_tokens, prompt_tokens, text_tokens

from grounding.ocr import TextReader
from grounding.registry import build_experts
from grounding.replay_server import ScriptedResponse


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return build_experts(["ocr"]).text


@pytest.fixture(scope="module")
def three_subgoals(reader: TextReader) -> TaskResult:
    return run_task(task_named(["three_subgoals"])[0], reader)


@pytest.fixture(scope="module")
def stall(reader: TextReader) -> TaskResult:
    return run_task(task_named(["stall_reflection"])[0], reader)


def test_calls_equal_the_servers_requests_and_the_planners_log(three_subgoals: TaskResult) -> None:
    result = three_subgoals
    assert (result.status, result.reason) == ("done", "saved the greeting as hello.txt")
    # 1 plan + 2 revises, each also choosing a subgoal's first action, + 6 worker calls
    # + the final revise (DONE): A + 1 for A = 9 actions in 3 subgoals.
    assert result.server_requests == 10
    assert result.model_calls == result.server_requests == result.planner_exchanges
    assert result.calls_by_role == {"planner": 4, "worker": 6}
    assert result.purposes.count("worker") == result.calls_by_role["worker"]
    assert result.unused_answers == 0
    assert result.counts_agree


def test_calls_per_action_is_calls_over_executed_actions(three_subgoals: TaskResult) -> None:
    result = three_subgoals
    assert result.steps == 10  # 9 actions + the final done()
    assert result.actions == 9
    assert result.calls_per_action == pytest.approx(10 / 9)
    row = result.row()
    assert row["calls/action"] == 1.11
    assert row["prompt tok/action"] == round(result.prompt_tokens / 9)


def test_tokens_are_what_the_client_really_sent(three_subgoals: TaskResult) -> None:
    # Each prompt carries a 1280x800 screenshot (1105 tokens) plus the rendered text.
    per_call = three_subgoals.prompt_tokens / three_subgoals.model_calls
    assert per_call > image_tokens(1280, 800)
    assert three_subgoals.completion_tokens > 0


def test_a_stalled_screen_costs_exactly_one_reflection_call(stall: TaskResult) -> None:
    assert stall.status == "done"
    assert stall.calls_by_role == {"planner": 3, "worker": 3, "reflection": 1}
    # The plan's first action (click View) changed nothing on screen: reflection, then
    # the worker retries with the advice.
    assert stall.purposes[:3] == ["plan", "reflection", "worker"]
    assert stall.counts_agree


def test_totals_pool_calls_over_actions_and_judge_the_targets(
    three_subgoals: TaskResult, stall: TaskResult
) -> None:
    total = totals([three_subgoals, stall])
    assert total["actions"] == 9 + 5
    assert total["model_calls"] == 10 + 7
    assert total["calls_per_action"] == pytest.approx(17 / 14)
    assert total["mean_task_calls_per_action"] == pytest.approx((10 / 9 + 7 / 5) / 2)
    assert total["calls_by_role"] == {"planner": 7, "worker": 9, "reflection": 1}
    assert total["meets_calls_target"] is True  # 1.21 <= 1.5
    assert totals([replace(stall, model_calls=12)])["meets_calls_target"] is False  # 2.4
    assert total["meets_vlm_target"] is True
    assert total["vlm_calls"] == 0


def test_local_targets_cost_no_vlm_call_and_a_textless_icon_costs_one(reader: TextReader) -> None:
    result = run_task(task_named(["vlm_for_icon"])[0], reader)
    assert result.status == "done"
    assert result.vlm_calls == result.vlm_requests == 1
    assert (result.local_targets, result.vlm_targets) == (3, 1)
    assert result.vlm_calls_on_local_targets == 0
    assert result.row()["VLM calls/step"] == 0.25


def test_an_answer_the_run_never_asked_for_breaks_the_agreement(reader: TextReader) -> None:
    task: BenchTask = task_named(["short"])[0]
    padded = replace(task, script=(*task.script, ScriptedResponse.message("DONE: again")))
    result = run_task(padded, reader)
    assert result.unused_answers == 1
    assert not result.counts_agree


def test_without_the_completion_check_each_hierarchical_task_saves_one_call(
    reader: TextReader, three_subgoals: TaskResult
) -> None:
    result = run_task(task_named(["three_subgoals"])[0], reader, completion_check=False)
    assert result.status == "done"
    assert result.model_calls == three_subgoals.model_calls - 1
    assert result.counts_agree


def test_token_estimates() -> None:
    assert text_tokens("abcd" * 10) == 10
    assert text_tokens("abcde") == 2
    assert image_tokens(1280, 800) == 85 + 170 * 6  # 1229x768: 3x2 tiles
    assert image_tokens(512, 512) == 85 + 170
    body = {"messages": [{"role": "user", "content": "abcd" * 5}]}
    assert prompt_tokens(body) == 4 + 5


def test_the_task_set_covers_the_shapes_the_issue_names() -> None:
    names = [t.name for t in TASKS]
    assert len(names) >= 6
    assert {"short", "three_subgoals", "replan_after_fail", "stall_reflection",
            "malformed_reask", "single_model"} <= set(names)  # fmt: skip
    with pytest.raises(ValueError, match="known: short"):
        task_named(["nope"])


def test_main_prints_the_table_and_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tasks", "short", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "| short | 1 subgoal, 3 actions | done | 3 | 2 | 2 | 0 | 4 | 4 | 1.33 |" in out
    assert "| **total** |" in out
    assert "target <= 1.5: MET" in out
    assert "model calls per executed action: 1.33 over the set" in out
