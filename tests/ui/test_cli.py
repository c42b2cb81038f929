"""The command line, end to end: real display, real app, real files."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop_agent.trajectory import load_trajectory
from ui.cli import main
from ui.demo import DEMO_TEXT


def only_run(root: Path) -> Path:
    (folder,) = [p for p in root.iterdir() if p.is_dir()]
    return folder


def test_an_instruction_it_cannot_read_is_an_error_before_touching_the_screen(capsys):
    assert main(["run", "frobnicate the widget"]) == 2
    err = capsys.readouterr().err
    assert "frobnicate" in err
    assert "click" in err  # lists what it understands


@pytest.mark.display
def test_run_types_saves_and_clicks_through_a_real_app(virtual_display, mousepad, tmp_path, x11):
    target = tmp_path / "note.txt"
    instruction = (
        f"type 'written by the CLI'; press ctrl+s; type '{target}' into 'Name'; click 'Save'"
    )
    rc = main(["run", "--display", virtual_display.display, "--out", str(tmp_path / "runs"),
               instruction])  # fmt: skip
    assert rc == 0
    x11.wait_until(target.exists, what="the saved file")
    assert target.read_text().rstrip("\n") == "written by the CLI"
    x11.wait_until(lambda: "note.txt" in mousepad.title(), what="title with the file name")
    run = load_trajectory(only_run(tmp_path / "runs"))
    assert run.status == "done"
    assert [s.action.name for s in run.steps] == [
        "type_text", "hotkey", "type_text", "click", "done"
    ]  # fmt: skip
    assert (only_run(tmp_path / "runs") / "report.html").is_file()


@pytest.mark.display
def test_dry_run_acts_on_nothing(virtual_display, mousepad, tmp_path, x11):
    before_pointer = x11.pointer()
    before_title = mousepad.title()
    instruction = "type 'nope'; press ctrl+q; click 'File'"
    out = str(tmp_path / "runs")
    rc = main(["run", "--dry-run", "--display", virtual_display.display, "--out", out, instruction])
    assert rc == 0
    assert x11.pointer() == before_pointer
    assert mousepad.process.poll() is None  # ctrl+q was not pressed
    assert mousepad.title() == before_title
    assert mousepad.text() == ""
    run = load_trajectory(only_run(tmp_path / "runs"))
    assert {s.status.value for s in run.steps[:-1]} == {"dry_run"}
    assert "risk" in run.steps[1].extra  # noted, not asked


@pytest.mark.display
def test_kill_hotkey_stops_a_running_instruction(virtual_display, tmp_path, x11):
    result: dict[str, int] = {}

    def run() -> None:
        result["rc"] = main(["run", "--display", virtual_display.display,
                             "--out", str(tmp_path), "wait 30; wait 30"])  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    x11.wait_until(lambda: any(tmp_path.iterdir()), what="the run to start")
    # Press until it stops: the listener may still be attaching at the first press.
    deadline = time.monotonic() + 20
    while thread.is_alive() and time.monotonic() < deadline:
        x11.xdo("key", "ctrl+alt+k")
        thread.join(timeout=0.5)
    assert not thread.is_alive(), "the kill hotkey did not stop the run"
    assert result["rc"] == 1
    assert load_trajectory(only_run(tmp_path)).status == "stopped"


@pytest.mark.display
@pytest.mark.slow
def test_demo_passes_on_a_machine_with_no_screen(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "demo", "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "demo PASSED" in proc.stdout
    assert DEMO_TEXT in proc.stdout
    run = load_trajectory(only_run(tmp_path))
    assert run.status == "done"
    assert (only_run(tmp_path) / "report.html").is_file()
