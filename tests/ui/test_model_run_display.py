"""`desktop-agent run` with a model: scripted answers from a local OpenAI-compatible server
drive the real mousepad on Xvfb through a two-subgoal task to a saved file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_agent.trajectory import load_trajectory
from grounding.replay_server import ReplayServer, ScriptedResponse
from ui.cli import main

pytestmark = pytest.mark.display

KEY = "fake-key-display-5c81f0e7a2"
SENTENCE = "Planned by a model, one subgoal at a time."
say = ScriptedResponse.message


def act(code: str, completes: bool = False) -> ScriptedResponse:
    flag = "yes" if completes else "no"
    return say(f"Thought: next.\n```\n{code}\n```\nCompletes subgoal: {flag}")


def script(target: Path) -> list[ScriptedResponse]:
    return [
        say(
            "The editor is open and empty.\nSubgoals:\n1. Type the sentence into the editor\n"
            f"2. Save the document as {target}"
        ),
        act(f"type_text({SENTENCE!r})", completes=True),
        say(f"The sentence is there.\nSubgoals:\n1. Save the document as {target}"),
        act("hotkey('ctrl', 's')"),
        # The executor waits for the dialog's Name field before typing.
        act(f"type_text({str(target)!r}, into='Name')"),
        act("click('Save')", completes=True),
        say(f"The title shows {target.name}.\nDONE: the sentence is saved in {target.name}"),
    ]


@pytest.fixture
def planner_model_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the environment configures models (no config file; no grounding role)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in list(os.environ):
        if name.startswith("DESKTOP_AGENT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DESKTOP_AGENT_API_KEY", KEY)


def test_scripted_model_plans_types_and_saves_through_a_real_app(
    virtual_display, mousepad, tmp_path, x11, planner_model_env, monkeypatch, capsys
) -> None:
    target = tmp_path / "planned.txt"
    runs = tmp_path / "runs"
    with ReplayServer(script(target)) as server:
        monkeypatch.setenv("DESKTOP_AGENT_PLANNER_BASE_URL", server.base_url)
        monkeypatch.setenv("DESKTOP_AGENT_PLANNER_MODEL", "replay-model")
        rc = main(["run", "--display", virtual_display.display, "--out", str(runs),
                   "write a sentence in the editor and save it"])  # fmt: skip
        requests = server.chat_requests
    out = capsys.readouterr().out
    assert rc == 0, out
    x11.wait_until(target.exists, what="the saved file")
    assert target.read_text(encoding="utf-8").rstrip("\n") == SENTENCE
    x11.wait_until(lambda: target.name in mousepad.title(), what="title with the file name")

    assert len(requests) == 7  # plan, worker, revise, worker x3, final check
    assert {r.headers["authorization"] for r in requests} == {f"Bearer {KEY}"}
    (folder,) = [p for p in runs.iterdir() if p.is_dir()]
    for path in folder.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path.name

    run = load_trajectory(folder)
    assert run.status == "done"
    assert [s.action.name for s in run.steps if s.action] == [
        "type_text", "hotkey", "type_text", "click", "done"
    ]  # fmt: skip
    assert run.steps[2].grounding["into"].expert  # the Name field was found on screen
    header = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    plan = header["meta"]["planner"]["plan"]
    assert [r["kind"] for r in plan["revisions"]] == ["plan", "revise", "revise"]
    assert len(plan["revisions"][0]["subgoals"]) == 2
    assert [s["status"] for s in plan["subgoals"]] == ["done", "done"]
    assert header["meta"]["mode"] == "hierarchical"
    assert "Plan as it evolved" in (folder / "report.html").read_text(encoding="utf-8")

    assert "plan (plan at step 1)" in out
    assert "> [active] Type the sentence into the editor" in out
    assert "model usage:" in out
    assert "DONE: the sentence is saved in planned.txt" in out
