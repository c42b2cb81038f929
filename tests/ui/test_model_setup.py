"""The composition root's model half and the CLI's model flags, without a screen."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop_agent.actions import Click
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.events import PlanItem, PlanUpdated, RoleUsage, RunFinished, UsageUpdated
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.llm import ModelConfigError, ModelsConfig, RoleConfig, UsageMeter
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.planner import ScriptedPlanner
from desktop_agent.planning import HierarchicalPlanner, SingleModelPlanner
from desktop_agent.step import StepStatus
from desktop_agent.trajectory import TrajectoryWriter, load_trajectory
from grounding import Grounder
from grounding.replay_server import ReplayServer, ScriptedResponse
from ui.cli import main
from ui.console import describe_plan, format_event, usage_table
from ui.model_setup import ModelLimits, attach_grounding_vlm, build_model_run, vlm_config

KEY = "fake-key-0b5e2a9c47d1"


@pytest.fixture
def no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No config file and no DESKTOP_AGENT_* variables."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in list(os.environ):
        if name.startswith("DESKTOP_AGENT_"):
            monkeypatch.delenv(name)


def role(base_url: str = "http://localhost:11434/v1", model: str = "m", **kw: Any) -> RoleConfig:
    return RoleConfig(base_url=base_url, model=model, **kw)


@pytest.mark.usefixtures("no_model")
def test_with_no_model_it_says_how_to_configure_one_then_runs_local_mode(capsys) -> None:
    assert main(["run", "frobnicate the widget"]) == 2
    err = capsys.readouterr().err
    assert "no model is configured, so this runs in local mode" in err
    assert "DESKTOP_AGENT_BASE_URL" in err
    assert "docs/models.md" in err
    assert "frobnicate" in err  # then local mode read the instruction
    assert "Traceback" not in err


@pytest.mark.usefixtures("no_model")
def test_local_flag_skips_the_note(capsys) -> None:
    assert main(["run", "--local", "frobnicate the widget"]) == 2
    assert "no model is configured" not in capsys.readouterr().err


@pytest.mark.usefixtures("no_model")
def test_a_broken_model_variable_is_an_error_naming_it(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_MAX_STEPS", "lots")
    assert main(["run", "click Save"]) == 2
    assert "$DESKTOP_AGENT_MAX_STEPS" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--max-steps", "0", "must be > 0"),  # 0 used to mean "the config's default"
        ("--max-steps", "-3", "must be > 0"),
        ("--max-cost", "-1", "must be >= 0"),  # used to crash in UsageMeter
        ("--max-cost", "nan", "must be >= 0"),
        ("--max-minutes", "0", "must be > 0"),
        ("--max-minutes", "ten", "'ten' is not a number"),
    ],
)
@pytest.mark.usefixtures("no_model")
def test_limit_flags_out_of_range_are_usage_errors(flag, value, message, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--local", flag, value, "click Save"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: {message}" in err
    assert "Traceback" not in err


def test_limits_from_flags_override_the_config() -> None:
    config = ModelsConfig(planner=role(), max_cost_usd=1.0, max_minutes=10)
    run = build_model_run("do it", config, ModelLimits(max_cost_usd=0.25, max_minutes=2))
    assert isinstance(run.planner, HierarchicalPlanner)
    assert run.meter.max_cost_usd == 0.25
    assert run.planner.config.max_time_s == 120
    assert run.models == {"planner": "m", "worker": "m"}  # the worker falls back
    default = build_model_run("do it", config)
    assert default.meter.max_cost_usd == 1.0
    assert isinstance(default.planner, HierarchicalPlanner)
    assert default.planner.config.max_time_s == 600


def test_closing_a_model_run_closes_its_http_clients() -> None:
    for limits in (ModelLimits(), ModelLimits(single_model=True)):
        run = build_model_run("x", ModelsConfig(planner=role()), limits)
        assert run.clients
        assert not any(c.closed for c in run.clients)
        run.close()
        assert all(c.closed for c in run.clients)
    assert len(build_model_run("x", ModelsConfig(planner=role())).clients) == 2


def test_single_model_from_the_flag_or_the_config() -> None:
    config = ModelsConfig(planner=role(max_image_side=1000))
    run = build_model_run("x", config, ModelLimits(single_model=True))
    assert isinstance(run.planner, SingleModelPlanner)
    assert run.planner.config.max_image_side == 1000
    assert run.mode == "single_model"
    run = build_model_run("x", ModelsConfig(planner=role(), single_model=True))
    assert isinstance(run.planner, SingleModelPlanner)


def test_the_grounding_role_becomes_the_grounders_vlm(monkeypatch) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    monkeypatch.setenv("DESKTOP_AGENT_VLM_FRAME", "relative1000")
    with ReplayServer([ScriptedResponse.message("(500, 250)")]) as server:
        config = ModelsConfig(
            grounding=role(server.base_url, model="vlm-m", timeout_s=7.0, max_retries=0)
        )
        assert vlm_config(config.role("grounding")).timeout_s == 7.0
        grounder = Grounder.default(experts=["ocr"])
        assert attach_grounding_vlm(grounder, config)
        assert grounder.vlm is not None
        result = grounder.vlm.point(Image.new("RGB", (400, 200), "white"), "the logo")
        (request,) = server.chat_requests
    assert result.point == (200, 50)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "vlm-m"
    assert KEY not in repr(grounder.vlm)
    assert not attach_grounding_vlm(Grounder.default(experts=["ocr"]), ModelsConfig())


def test_grounding_vlm_calls_are_booked_in_the_runs_meter_at_the_roles_prices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    monkeypatch.setenv("DESKTOP_AGENT_VLM_FRAME", "relative1000")
    meter = UsageMeter()
    answer = ScriptedResponse.message("(500, 250)", prompt_tokens=1500, completion_tokens=20)
    with ReplayServer([answer]) as server:
        grounding = role(
            server.base_url, model="vlm-m", input_usd_per_mtok=2.0, output_usd_per_mtok=8.0
        )
        grounder = Grounder.default(experts=["ocr"])
        assert attach_grounding_vlm(grounder, ModelsConfig(grounding=grounding), meter)
        assert grounder.vlm is not None
        grounder.vlm.point(Image.new("RGB", (400, 200), "white"), "the logo")
        assert len(server.chat_requests) == 1
    summary = meter.summary()
    expected_cost = (1500 * 2.0 + 20 * 8.0) / 1_000_000
    assert summary["grounding"]["calls"] == 1
    assert summary["grounding"]["prompt_tokens"] == 1500
    assert summary["grounding"]["completion_tokens"] == 20
    assert summary["grounding"]["cost_usd"] == pytest.approx(expected_cost)
    assert summary["total"]["cost_usd"] == pytest.approx(expected_cost)
    assert KEY not in repr(grounder.vlm)


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_cost_ceiling_refuses_grounding_vlm_calls_and_ends_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    """A scripted run whose targets only the VLM finds: the first answer crosses the
    ceiling (paid for, so used); the second target's call is refused, never sent."""
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)
    monkeypatch.setenv("DESKTOP_AGENT_VLM_FRAME", "relative1000")
    meter = UsageMeter(max_cost_usd=0.001)
    answers = [
        ScriptedResponse.message("(500, 250)", prompt_tokens=1500, completion_tokens=20),
        ScriptedResponse.message("(100, 100)"),  # must never be asked for
    ]
    with ReplayServer(answers) as server:
        grounding = role(server.base_url, model="vlm-m", input_usd_per_mtok=2.0, max_retries=0)
        grounder = Grounder.default(experts=["ocr"])
        assert attach_grounding_vlm(grounder, ModelsConfig(grounding=grounding), meter)
        desktop = DryRunDesktop(size=(400, 200))  # a blank screen: no text to read
        stop = threading.Event()
        executor = ActionExecutor(
            desktop, grounder, config=ExecutorConfig(find_timeout_s=0.0), stop_event=stop
        )
        writer = TrajectoryWriter(tmp_path, "click both logos")
        planner = ScriptedPlanner([Click("the red logo"), Click("the blue logo")])
        agent = Agent(
            desktop,
            planner,
            executor,
            writer=writer,
            config=AgentConfig(settle_timeout_s=0.05, dry_run=dry_run),
            stop_event=stop,
            usage=meter,
        )
        events = list(agent.run("click both logos"))
        assert len(server.chat_requests) == 1
    final = events[-1]
    assert isinstance(final, RunFinished)
    assert final.status == "failed"
    assert "reaching the ceiling of $0.0010" in final.reason
    first, second = agent.steps
    assert first.status == (StepStatus.DRY_RUN if dry_run else StepStatus.OK)
    assert first.grounding["target"].expert == "vlm"
    # A dry run notes targets it cannot find yet and goes on; a refusal for cost is
    # not such a target: it ends the run there too.
    assert second.status == StepStatus.FAILED
    assert second.error_type == "GroundingCostLimitReached"
    assert [c[0] for c in desktop.calls] == ["click"]  # only the first target was clicked
    assert meter.summary()["grounding"]["calls"] == 1
    usage = [e for e in events if isinstance(e, UsageUpdated)]
    assert usage
    assert [r.role for r in usage[-1].roles] == ["grounding"]
    assert load_trajectory(writer.folder).meta["usage"]["grounding"]["prompt_tokens"] == 1500


def test_a_bad_vlm_frame_variable_is_a_config_error_naming_it() -> None:
    # A ModelConfigError is an AgentError: the CLI prints it instead of a traceback.
    with pytest.raises(ModelConfigError, match=r"\$DESKTOP_AGENT_VLM_FRAME"):
        vlm_config(role(), env={"DESKTOP_AGENT_VLM_FRAME": "pixels"})


def test_the_console_shows_the_plan_and_a_usage_table() -> None:
    plan = PlanUpdated(
        step=3,
        subgoals=(
            PlanItem("Type the text", "done"),
            PlanItem("Old idea", "dropped"),
            PlanItem("Save it", "active"),
        ),
        kind="revise",
        reason="completed: Type the text",
        revisions=2,
    )
    text = describe_plan(plan)
    assert text.splitlines() == [
        "  plan (revise at step 3: completed: Type the text)",
        "    + [done] Type the text",
        "    > [active] Save it",
    ]
    usage = UsageUpdated(
        step=3,
        calls=5,
        prompt_tokens=1200,
        completion_tokens=80,
        cost_usd=0.0031,
        max_cost_usd=0.5,
        roles=(RoleUsage("planner", 2, 700, 30, 0.002), RoleUsage("worker", 3, 500, 50, 0.0011)),
    )
    assert format_event(usage) == "      model: 5 calls so far, 1,280 tokens, $0.0031 of $0.5000"
    table = usage_table(usage).splitlines()
    assert table[1].split() == ["planner", "2", "700", "30", "$0.0020"]
    assert table[-1].split() == ["total", "5", "1,200", "80", "$0.0031"]
