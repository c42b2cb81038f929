"""`desktop-agent demo`: the whole loop on a machine with no screen and no model.

Starts its own virtual display, opens a real text editor (mousepad), and runs
a local-mode task through the app's own UI: type text, open Save As, type a
path into the Name field (found by OCR), click Save (found by OCR). Then it
checks the saved file, the way a person would.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_agent.desktop.virtual import VirtualDisplay, isolated_app_env
from desktop_agent.errors import DisplayError
from desktop_agent.events import AgentEvent

from .session import RunOptions, default_output_dir, run_instruction

logger = logging.getLogger(__name__)

DEMO_TEXT = "Hello from desktop-agent! Grüße, 你好"
DEMO_APP = "mousepad"


def demo_instruction(path: Path, text: str = DEMO_TEXT) -> str:
    return (
        f"open {DEMO_APP}; type {text!r}; press ctrl+s; "
        f"type '{path}' into 'Name'; click 'Save'; done"
    )


@contextmanager
def _fresh_app_profile(root: Path) -> Iterator[None]:
    """Apps opened by the demo get empty settings: no "restore session?" dialog
    left by an earlier run can swallow the typed text."""
    values = isolated_app_env(root)
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(
    *,
    out: Path | None,
    on_event: Callable[[AgentEvent], None],
    say: Callable[[str], None],
    workdir: Path | None = None,
) -> int:
    """Run the demo; returns a process exit code (0 when the saved file is right)."""
    if shutil.which(DEMO_APP) is None:
        raise DisplayError(
            f"the demo drives {DEMO_APP}, which is not installed: "
            "run `bash packaging/install-system-deps.sh`"
        )
    folder = workdir or Path(tempfile.mkdtemp(prefix="desktop-agent-demo-"))
    target = folder / "hello.txt"
    if target.exists():
        target.unlink()
    instruction = demo_instruction(target)
    out = out or default_output_dir()  # before the app profile moves XDG_DATA_HOME
    say("demo: starting a virtual display (Xvfb 1280x800 + openbox) with a real text editor")
    with _fresh_app_profile(folder / "profile"), VirtualDisplay(width=1280, height=800) as display:
        say(f"demo: display {display.display}; the task is local mode, no model needed")
        final = run_instruction(
            instruction,
            RunOptions(out=out, confirm_mode="deny"),
            on_event=on_event,
            confirm=None,
            virtual_display=display,
        )
    if final.status != "done":
        say(f"demo FAILED: the run ended {final.status}: {final.reason}")
        return 1
    if not target.exists():
        say(f"demo FAILED: {target} was not saved")
        return 1
    saved = target.read_text(encoding="utf-8").rstrip("\n")
    if saved != DEMO_TEXT:
        say(f"demo FAILED: {target} holds {saved!r}, expected {DEMO_TEXT!r}")
        return 1
    say(f"demo PASSED: {DEMO_APP} saved {target} with {saved!r}")
    return 0
