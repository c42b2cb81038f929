"""A private X display: Xvfb + a window manager + a D-Bus session bus.

Used by `--virtual` runs, the display tests and the benches, so nothing ever
touches the person's own screen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from desktop_agent.errors import DisplayError, ExecutionError

from .x11 import wait_for_window_manager, wait_for_x_server

logger = logging.getLogger(__name__)

INSTALL_HINT = "install it with packaging/install-system-deps.sh (Debian/Ubuntu)"
_START_TIMEOUT_S = 10.0


class VirtualDisplay:
    """Xvfb on a free display number, with a window manager and a session bus.

    Use as a context manager (or call `start()` / `close()`); `close()` stops
    every process this object started and is safe to call twice.
    """

    def __init__(
        self,
        *,
        width: int = 1920,
        height: int = 1080,
        depth: int = 24,
        window_manager: str | None = "openbox",
    ) -> None:
        self.width = width
        self.height = height
        self.depth = depth
        self.window_manager = window_manager
        self._display: str | None = None
        self._dbus_address: str | None = None
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._launched: list[subprocess.Popen[bytes]] = []

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> VirtualDisplay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> VirtualDisplay:
        if self._display is not None:
            return self
        try:
            self._start_xvfb()
            if self.window_manager:
                self._start_window_manager(self.window_manager)
            self._start_dbus()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        for proc in self._launched:
            _stop(proc, "app")
        self._launched.clear()
        # Reverse order: bus and window manager before the X server they use.
        while self._procs:
            name, proc = self._procs.pop()
            _stop(proc, name)
        if self._display is not None:
            logger.info("virtual display %s closed", self._display)
        self._display = None
        self._dbus_address = None

    # -- public ------------------------------------------------------------

    @property
    def display(self) -> str:
        if self._display is None:
            raise DisplayError("virtual display is not started; use it as a context manager")
        return self._display

    @property
    def dbus_address(self) -> str | None:
        return self._dbus_address

    @property
    def env(self) -> dict[str, str]:
        """A copy of os.environ pointing at this display and its session bus."""
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        if self._dbus_address:
            env["DBUS_SESSION_BUS_ADDRESS"] = self._dbus_address
        # Keep apps off Wayland and off the person's real session.
        env.pop("WAYLAND_DISPLAY", None)
        env["XDG_SESSION_TYPE"] = "x11"
        return env

    @property
    def pids(self) -> list[int]:
        """Process ids of the helpers started (Xvfb, window manager, bus)."""
        return [proc.pid for _, proc in self._procs]

    def launch(
        self, command: str | list[str], *, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start an app on this display (`env` adds variables); `close()` stops it."""
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv or shutil.which(argv[0]) is None:
            raise ExecutionError(f"cannot launch {command!r}: command not found on PATH")
        proc = subprocess.Popen(
            argv,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        logger.info("launched %s on %s (pid %d)", argv[0], self.display, proc.pid)
        self._launched.append(proc)
        return proc

    # -- internals ---------------------------------------------------------

    def _start_xvfb(self) -> None:
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise DisplayError(
                f"Xvfb is not installed (needed for a virtual display); {INSTALL_HINT}"
            )
        read_fd, write_fd = os.pipe()
        argv = [
            xvfb,
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{self.width}x{self.height}x{self.depth}",
            "-nolisten",
            "tcp",
            "-noreset",
            # RECORD lets pynput listen for the kill hotkey; XTEST drives input.
            "+extension",
            "RECORD",
            "+extension",
            "XTEST",
        ]
        try:
            proc = subprocess.Popen(
                argv,
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        self._procs.append(("Xvfb", proc))
        try:
            number = _read_line(read_fd, _START_TIMEOUT_S)
        finally:
            os.close(read_fd)
        if not number.strip().isdigit():
            err = _drain_stderr(proc)
            raise DisplayError(f"Xvfb did not start (exit code {proc.poll()}): {err}")
        # Xvfb's stderr is only read on failure; stop piping it so it never blocks.
        if proc.stderr is not None:
            proc.stderr.close()
        display = f":{number.strip()}"
        wait_for_x_server(display, _START_TIMEOUT_S)
        self._display = display
        logger.info(
            "started Xvfb on %s (%dx%dx%d, pid %d)",
            display,
            self.width,
            self.height,
            self.depth,
            proc.pid,
        )

    def _start_window_manager(self, name: str) -> None:
        argv = shlex.split(name)
        if shutil.which(argv[0]) is None:
            raise DisplayError(f"window manager {argv[0]!r} is not installed; {INSTALL_HINT}")
        proc = self._spawn(argv)
        self._procs.append((argv[0], proc))
        if not wait_for_window_manager(self.display, _START_TIMEOUT_S):
            raise DisplayError(f"window manager {argv[0]!r} did not start on {self.display}")
        logger.info("started %s on %s (pid %d)", argv[0], self.display, proc.pid)

    def _start_dbus(self) -> None:
        daemon = shutil.which("dbus-daemon")
        if daemon is None:
            # Most apps still run without a bus; GTK ones just complain.
            logger.warning("dbus-daemon not found; apps get no session bus (%s)", INSTALL_HINT)
            return
        proc = subprocess.Popen(
            [daemon, "--session", "--nofork", "--nopidfile", "--print-address=1"],
            env=self._base_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._procs.append(("dbus-daemon", proc))
        assert proc.stdout is not None
        address = _read_line(proc.stdout.fileno(), _START_TIMEOUT_S).strip()
        if not address:
            raise DisplayError("dbus-daemon did not print its address")
        self._dbus_address = address
        logger.info("started D-Bus session bus %s (pid %d)", address, proc.pid)

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def _spawn(self, argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            env=self._base_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def _read_line(fd: int, timeout_s: float) -> str:
    """Read up to a newline from a pipe, giving up after timeout_s (returns what came)."""
    deadline = time.monotonic() + timeout_s
    data = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(fd, 256)
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace").split("\n", 1)[0]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _drain_stderr(proc: subprocess.Popen[bytes]) -> str:
    if proc.stderr is None:
        return ""
    if proc.poll() is None:
        proc.kill()
    try:
        out = proc.stderr.read().decode(errors="replace")
    except OSError:
        return ""
    lines = [line for line in out.splitlines() if line.strip()]
    return " | ".join(lines[-5:]) or "no output"


def _stop(proc: subprocess.Popen[bytes], name: str) -> None:
    """Stop a process started in its own session, with any helpers it forked."""
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=3)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    logger.debug("stopped %s (pid %d)", name, proc.pid)


def isolated_app_env(root: Path) -> dict[str, str]:
    """Variables that give apps empty settings under `root`: no restored sessions,
    no "recover unsaved file?" dialog left by an earlier run, settings in memory."""
    env = {"GSETTINGS_BACKEND": "memory"}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = root / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    return env
