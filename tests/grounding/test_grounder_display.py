"""Grounding a real app's screenshot: mousepad's File menu on a real Xvfb display."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from desktop_agent.desktop.local import LocalDesktop
from grounding import Grounder
from grounding.text_match import normalize

if TYPE_CHECKING:
    from conftest import AppWindow, X11Tools

pytestmark = pytest.mark.display

MENU_ITEMS = {"new", "open", "save", "quit", "close"}


def _client_geometry(x11: X11Tools, window: AppWindow) -> tuple[int, int, int, int]:
    """The app's own window (inside openbox's frame) in screen pixels.

    xwininfo, not `xdotool getwindowgeometry`: under openbox xdotool adds the
    title bar's height twice and puts the window ~20 px too low.
    """
    out = subprocess.run(
        ["xwininfo", "-id", window.window_id],
        env=x11.display.env,
        capture_output=True,
        text=True,
        timeout=15,
        check=True,
    ).stdout
    values = dict(line.strip().split(": ", 1) for line in out.splitlines() if ": " in line)
    return (
        int(values["Absolute upper-left X"]),
        int(values["Absolute upper-left Y"]),
        int(values["Width"]),
        int(values["Height"]),
    )


def test_locates_and_opens_mousepads_file_menu(
    desktop: LocalDesktop, mousepad: AppWindow, x11: X11Tools
) -> None:
    grounder = Grounder.default()
    x11.wait_still(desktop)
    before = desktop.screenshot()
    result = grounder.locate(before, "the File menu")
    assert result is not None, f"File not found; seen {[e.text for e in grounder.parse(before)]}"

    x, y, width, _ = _client_geometry(x11, mousepad)
    px, py = result.point
    assert x <= px < x + width
    assert y <= py < y + 80, f"File at {result.point}, window top {y}"
    seen_before = {normalize(w.text) for w in grounder.words(before)}

    desktop.click(px, py)
    x11.wait_still(desktop)
    after = desktop.screenshot()
    seen_after = {normalize(w.text) for w in grounder.words(after)}
    opened = (seen_after - seen_before) & MENU_ITEMS
    assert opened, f"no menu items appeared; new text: {sorted(seen_after - seen_before)}"
    desktop.hotkey(["escape"])
