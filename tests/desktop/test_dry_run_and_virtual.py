"""DryRunDesktop records without acting; VirtualDisplay starts and stops real processes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from desktop_agent.desktop import Desktop
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay
from desktop_agent.errors import DisplayError, ExecutionError

if TYPE_CHECKING:
    from conftest import X11Tools


def test_dry_run_without_inner_gives_a_blank_screen_and_records() -> None:
    dry = DryRunDesktop(size=(640, 480))
    assert isinstance(dry, Desktop)
    image = dry.screenshot()
    assert image.size == (640, 480)
    assert image.mode == "RGB"
    dry.click(1, 2, button="right", clicks=2)
    dry.type_text("héllo")
    dry.hotkey(["ctrl", "s"])
    dry.scroll("down", 3, 10, 20)
    dry.drag(1, 2, 3, 4)
    dry.move(5, 6)
    assert dry.calls == [
        ("click", (1, 2), {"button": "right", "clicks": 2}),
        ("type_text", ("héllo",), {}),
        ("hotkey", (("ctrl", "s"),), {}),
        ("scroll", ("down", 3, 10, 20), {}),
        ("drag", (1, 2, 3, 4), {}),
        ("move", (5, 6), {}),
    ]
    assert dry.active_window_title() is None


@pytest.mark.display
def test_dry_run_looks_through_inner_but_never_moves_the_pointer(
    desktop: LocalDesktop, x11: X11Tools
) -> None:
    before = x11.pointer()
    dry = DryRunDesktop(desktop)
    assert dry.screenshot().size == (1280, 800)
    dry.click(17, 23)
    dry.move(900, 700)
    dry.open_app("xmessage -name dry-run-never-started hi")
    assert x11.pointer() == before
    assert [name for name, _, _ in dry.calls] == ["click", "move", "open_app"]
    started = subprocess.run(["pgrep", "-f", "dry-run-never-started"], check=False)
    assert started.returncode == 1  # no such process


@pytest.mark.display
def test_virtual_display_runs_real_processes_and_close_stops_them() -> None:
    import mss

    display = VirtualDisplay(width=640, height=480)
    with display:
        assert display.display.startswith(":")
        assert display.env["DISPLAY"] == display.display
        assert display.env["DBUS_SESSION_BUS_ADDRESS"] == display.dbus_address
        with mss.MSS(display=display.display) as sct:
            assert sct.grab(sct.monitors[1]).size == (640, 480)
        app = display.launch(["xmessage", "-name", "virtual-display-test", "hi"])
        subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--classname", "virtual-display-test"],
            env=display.env,
            timeout=20,
            check=True,
            capture_output=True,
        )
        pids = [*display.pids, app.pid]
        assert len(pids) == 4  # Xvfb, openbox, dbus-daemon, the app
        assert all(Path(f"/proc/{pid}").exists() for pid in pids)
    assert app.poll() is not None
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    display.close()  # idempotent
    with pytest.raises(DisplayError, match="not started"):
        _ = display.display


def test_missing_xvfb_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DisplayError, match=r"install-system-deps\.sh"):
        VirtualDisplay().start()


@pytest.mark.display
def test_missing_window_manager_fails_and_leaves_nothing_running() -> None:
    display = VirtualDisplay(width=320, height=240, window_manager="no-such-wm-xyz")
    with pytest.raises(DisplayError, match="no-such-wm-xyz"):
        display.start()
    assert display.pids == []


@pytest.mark.display
def test_launch_refuses_a_missing_command(virtual_display: VirtualDisplay) -> None:
    with pytest.raises(ExecutionError, match="not found"):
        virtual_display.launch("no-such-app-xyz")
