"""Shared fixtures: a private Xvfb display for the whole session, and real apps on it.

Display tests never skip: a machine without Xvfb fails them with the
DisplayError that says how to install it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay, isolated_app_env

SCREEN_SIZE = (1280, 800)
APP_START_TIMEOUT_S = 30


@pytest.fixture(scope="session")
def virtual_display() -> Iterator[VirtualDisplay]:
    """Xvfb 1280x800 + openbox + a session bus; $DISPLAY points at it for the session.

    $DISPLAY is set before any test imports pyautogui/pynput, which bind the
    display on first import.
    """
    saved = {key: os.environ.get(key) for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    with VirtualDisplay(width=SCREEN_SIZE[0], height=SCREEN_SIZE[1]) as display:
        os.environ["DISPLAY"] = display.display
        if display.dbus_address:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = display.dbus_address
        try:
            yield display
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def xdo(display: VirtualDisplay, *args: str, timeout: float = 15) -> str:
    """Run xdotool on the display and return its stdout (fails the test on error)."""
    result = subprocess.run(
        ["xdotool", *args],
        env=display.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"xdotool {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def pointer_location(display: VirtualDisplay) -> tuple[int, int]:
    fields = dict(part.split(":", 1) for part in xdo(display, "getmouselocation").split())
    return int(fields["x"]), int(fields["y"])


def read_clipboard(display: VirtualDisplay) -> str:
    result = subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"],
        env=display.env,
        capture_output=True,
        timeout=10,
        check=False,
    )
    return result.stdout.decode("utf-8") if result.returncode == 0 else ""


def wait_until(predicate: Callable[[], object], timeout: float = 10, what: str = "") -> None:
    """Poll until predicate() is truthy; fail with `what` otherwise (no timing asserted)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


@dataclass
class X11Tools:
    """Test-side view of the display through the X command-line tools."""

    display: VirtualDisplay

    def xdo(self, *args: str, timeout: float = 15) -> str:
        return xdo(self.display, *args, timeout=timeout)

    def run(self, *argv: str, timeout: float = 15) -> str:
        """Run any X client on the display; its stdout (fails the test on error)."""
        result = subprocess.run(
            argv, env=self.display.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
        return result.stdout

    def pointer(self) -> tuple[int, int]:
        return pointer_location(self.display)

    def clipboard(self) -> str:
        return read_clipboard(self.display)

    def active_window(self) -> str:
        """The focused window's id, or "" while none is (e.g. as a dialog closes)."""
        try:
            return xdo(self.display, "getactivewindow")
        except AssertionError:
            return ""

    def active_title(self) -> str:
        """The focused window's title, or "" while no window is focused."""
        try:
            return xdo(self.display, "getactivewindow", "getwindowname")
        except AssertionError:
            return ""

    wait_until = staticmethod(wait_until)

    def wait_still(self, desktop: LocalDesktop, timeout: float = 10) -> None:
        """Wait until two screenshots a moment apart are the same (the apps are idle)."""
        previous = desktop.screenshot().tobytes()
        deadline = time.monotonic() + timeout
        while True:
            time.sleep(0.25)
            current = desktop.screenshot().tobytes()
            if current == previous:
                return
            if time.monotonic() > deadline:
                raise AssertionError("the screen kept changing")
            previous = current


@pytest.fixture
def x11(virtual_display: VirtualDisplay) -> X11Tools:
    return X11Tools(virtual_display)


@dataclass
class AppWindow:
    process: subprocess.Popen[bytes]
    window_id: str
    display: VirtualDisplay

    def title(self) -> str:
        return xdo(self.display, "getwindowname", self.window_id)

    def text(self) -> str:
        """The app's whole text, copied through the clipboard with xdotool's keys.

        Waits until two reads agree: the app handles ctrl+c after earlier input.
        Leaves the caret at the end with nothing selected.
        """
        xdo(self.display, "key", "--clearmodifiers", "ctrl+a", "ctrl+c", "ctrl+End")
        previous: str | None = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.2)
            current = read_clipboard(self.display)
            if current and current == previous:
                return current
            previous = current
        return previous or ""


GTK_SETTINGS = """[Settings]
gtk-cursor-blink = false
gtk-enable-animations = false
"""


def app_env(root: Path) -> dict[str, str]:
    """Fresh config/state dirs and in-memory GSettings: no restored sessions or dialogs.

    GTK's caret blink and animations are off, so a screen that stopped
    changing means the app is idle (see `X11Tools.wait_still`).
    """
    env = {**isolated_app_env(root), "NO_AT_BRIDGE": "1"}
    gtk = root / "xdg_config_home" / "gtk-3.0"
    gtk.mkdir(parents=True, exist_ok=True)
    (gtk / "settings.ini").write_text(GTK_SETTINGS, encoding="utf-8")
    return env


@pytest.fixture
def launch_app(
    virtual_display: VirtualDisplay, tmp_path: Path
) -> Iterator[Callable[[str, str], AppWindow]]:
    """Factory: launch(command, window_class) starts an app and waits for its focused window."""
    started: list[subprocess.Popen[bytes]] = []

    def launch(command: str, window_class: str) -> AppWindow:
        proc = virtual_display.launch(command, env=app_env(tmp_path / "app-home"))
        started.append(proc)
        try:
            out = xdo(
                virtual_display,
                "search",
                "--sync",
                "--onlyvisible",
                "--class",
                window_class,
                timeout=APP_START_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"{command!r} showed no window in {APP_START_TIMEOUT_S}s") from exc
        window_id = out.splitlines()[-1]
        xdo(virtual_display, "windowactivate", "--sync", window_id)
        tools = X11Tools(virtual_display)
        wait_until(
            lambda: tools.active_window() == window_id,
            what=f"{command} window to get focus",
        )
        return AppWindow(proc, window_id, virtual_display)

    yield launch
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def mousepad(launch_app: Callable[[str, str], AppWindow]) -> AppWindow:
    return launch_app("mousepad", "mousepad")


@pytest.fixture
def desktop(virtual_display: VirtualDisplay) -> Iterator[LocalDesktop]:
    # Start each test away from the failsafe corners (pyautogui would refuse to move).
    xdo(virtual_display, "mousemove", str(SCREEN_SIZE[0] // 2), str(SCREEN_SIZE[1] // 2))
    local = LocalDesktop(display=virtual_display.display)
    yield local
    local.close()
