"""LocalDesktop on a real Xvfb display, driving real apps."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from desktop_agent.desktop.base import Desktop, ScreenMapping
from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay
from desktop_agent.errors import DisplayError, ExecutionError, StoppedByUser

if TYPE_CHECKING:
    from conftest import AppWindow, X11Tools

pytestmark = pytest.mark.display


def _geometry(x11: X11Tools, window: AppWindow) -> tuple[int, int, int, int]:
    """The app's client window in screen pixels (xwininfo: under openbox,
    `xdotool getwindowgeometry` counts the title bar twice)."""
    out = x11.run("xwininfo", "-id", window.window_id)
    values = dict(line.strip().split(": ", 1) for line in out.splitlines() if ": " in line)
    return (
        int(values["Absolute upper-left X"]),
        int(values["Absolute upper-left Y"]),
        int(values["Width"]),
        int(values["Height"]),
    )


def test_is_a_desktop(desktop: LocalDesktop) -> None:
    assert isinstance(desktop, Desktop)


def test_screenshot_is_rgb_screen_size_with_true_colours(
    desktop: LocalDesktop, virtual_display: VirtualDisplay
) -> None:
    # A pure colour per channel catches a BGR/RGB mix-up.
    subprocess.run(["xsetroot", "-solid", "#1060c0"], env=virtual_display.env, check=True)
    try:
        image = desktop.screenshot()
        assert image.mode == "RGB"
        assert image.size == (1280, 800)
        assert image.getpixel((5, 5)) == (0x10, 0x60, 0xC0)
    finally:
        subprocess.run(["xsetroot", "-solid", "black"], env=virtual_display.env, check=True)
    assert desktop.mapping == ScreenMapping(left=0, top=0, width=1280, height=800)


def test_screenshot_shows_the_app_window(
    desktop: LocalDesktop, mousepad: AppWindow, x11: X11Tools
) -> None:
    x, y, w, h = _geometry(x11, mousepad)
    image = desktop.screenshot()
    # The text view is white, the bare root window around it is black.
    assert image.getpixel((x + w // 2, y + h - 40)) == (255, 255, 255)
    assert image.getpixel((2, 2)) == (0, 0, 0)


def test_move_and_click_land_on_the_pixel_asked(desktop: LocalDesktop, x11: X11Tools) -> None:
    desktop.move(321, 456)
    assert x11.pointer() == (321, 456)
    desktop.click(700, 123)
    assert x11.pointer() == (700, 123)
    desktop.click(1279, 400)  # the last column stays on screen
    assert x11.pointer() == (1279, 400)


def _text_lines(desktop: LocalDesktop, x11: X11Tools, window: AppWindow) -> list[tuple[int, int]]:
    """Vertical bands of dark (text) pixels inside the window, top to bottom."""
    x, y, w, h = _geometry(x11, window)
    gray = np.asarray(desktop.screenshot().convert("L").crop((x + 5, y, x + w // 2, y + h - 30)))
    dark_rows = np.flatnonzero(gray.min(axis=1) < 90).tolist()
    bands: list[tuple[int, int]] = []
    for row in dark_rows:
        if bands and row - bands[-1][1] <= 2:
            bands[-1] = (bands[-1][0], row)
        else:
            bands.append((row, row))
    return [(y + top, y + bottom) for top, bottom in bands]


def test_click_and_drag_act_where_the_pixels_are(
    desktop: LocalDesktop, mousepad: AppWindow, x11: X11Tools
) -> None:
    lines = [f"line{i}" for i in range(6)]
    desktop.type_text("\n".join(lines))
    x11.wait_until(lambda: mousepad.text() == "\n".join(lines), what="typed lines")
    # Reading the text selected it for a moment: measure lines once the view is still.
    x11.wait_still(desktop)
    bands = _text_lines(desktop, x11, mousepad)[-6:]
    assert len(bands) == 6, bands
    right = _geometry(x11, mousepad)[0] + 400

    # Clicking right of line 3 puts the caret at its end.
    desktop.click(right, sum(bands[3]) // 2)
    x11.wait_still(desktop)  # the caret has moved before the key arrives
    desktop.type_text("X")
    lines[3] += "X"
    x11.wait_until(lambda: mousepad.text() == "\n".join(lines), timeout=20, what="X after line3")

    # Dragging from the end of line 1 to the end of line 2 selects "\nline2".
    desktop.drag(right, sum(bands[1]) // 2, right, sum(bands[2]) // 2)
    desktop.hotkey(["ctrl", "c"])
    x11.wait_until(lambda: x11.clipboard() == "\nline2", what="dragged selection")


def _save_as(desktop: LocalDesktop, x11: X11Tools, window: AppWindow, path: Path) -> None:
    desktop.hotkey(["ctrl", "s"])
    # The Save As dialog opens with its Name field focused.
    x11.wait_until(lambda: x11.active_title() == "Save As", what="Save As dialog")
    desktop.hotkey(["ctrl", "a"])
    desktop.type_text(str(path))

    # Typing a path pops up GTK's completion list, which eats an Enter, and
    # the Save button stays insensitive until the folder was read: let it settle.
    x11.wait_still(desktop)
    desktop.hotkey(["enter"])
    x11.wait_until(path.exists, what=f"{path} to be written")


@pytest.mark.parametrize(
    "text",
    [
        'Hello, world! ~`@#$%^&*()_+{}|:"<>?',
        "héllo 中文テスト ÀÉÎõü ñ €",
        # More distinct characters than spare keycodes: remapped keys are reused.
        "中文テスト漢字かなカナ한국어日本語 " * 3,
    ],
    ids=["ascii", "cjk-accents", "many-remaps"],
)
def test_type_and_save_in_mousepad(
    desktop: LocalDesktop, mousepad: AppWindow, x11: X11Tools, tmp_path: Path, text: str
) -> None:
    desktop.type_text(text)
    path = tmp_path / "typed-note.txt"
    _save_as(desktop, x11, mousepad, path)
    x11.wait_until(lambda: path.read_text(encoding="utf-8") == text, what="saved text")
    x11.wait_until(lambda: "typed-note.txt" in mousepad.title(), what="title with file name")
    # Our own reading of the title (EWMH) agrees once the dialog gave focus back.
    x11.wait_until(
        lambda: "typed-note.txt" in (desktop.active_window_title() or ""),
        what="LocalDesktop.active_window_title with the file name",
    )


def test_hotkey_select_all_then_type_replaces_text(
    desktop: LocalDesktop, mousepad: AppWindow, x11: X11Tools
) -> None:
    desktop.type_text("old text")
    desktop.hotkey(["Control", "A"])
    desktop.type_text("new")
    x11.wait_until(lambda: mousepad.text() == "new", what="replaced text")


def test_unknown_key_is_refused_before_anything_is_pressed(desktop: LocalDesktop) -> None:
    with pytest.raises(ExecutionError, match="unknown key"):
        desktop.hotkey(["ctrl", "warp"])


def test_failsafe_corner_stops_the_run(desktop: LocalDesktop, x11: X11Tools) -> None:
    x11.xdo("mousemove", "0", "0")
    with pytest.raises(StoppedByUser, match="corner"):
        desktop.click(500, 500)
    assert desktop.stop_event.is_set()
    assert x11.pointer() == (0, 0)  # the click never happened
    x11.xdo("mousemove", "640", "400")


def test_stop_event_refuses_further_actions(desktop: LocalDesktop, x11: X11Tools) -> None:
    desktop.stop_event.set()
    with pytest.raises(StoppedByUser):
        desktop.move(10, 700)
    assert x11.pointer() != (10, 700)


def test_open_app_launches_and_close_ends_it(
    virtual_display: VirtualDisplay, x11: X11Tools
) -> None:
    local = LocalDesktop(display=virtual_display.display)
    local.open_app("xmessage -name agent-open-app-test 'opened by open_app'")
    x11.xdo("search", "--sync", "--onlyvisible", "--classname", "agent-open-app-test", timeout=20)
    (proc,) = local.launched
    local.close()
    assert proc.poll() is not None


def test_open_app_names_a_missing_command(desktop: LocalDesktop) -> None:
    with pytest.raises(ExecutionError, match="no-such-app-xyz"):
        desktop.open_app("no-such-app-xyz --flag")


def test_a_second_display_in_one_process_is_refused(desktop: LocalDesktop) -> None:
    with pytest.raises(DisplayError, match="one display"):
        LocalDesktop(display=":4242")
