"""The real screen: capture with mss, mouse and keys with pyautogui, text through XTEST.

pyautogui (and pynput) bind the X display named by $DISPLAY when first
imported, so they are imported here lazily, after `display` was applied.
Text goes through our XTEST typer on X11 (pynput's XSendEvent keys are
ignored by some apps and race its keymap remaps) and through pynput elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from PIL import Image

from desktop_agent.errors import DisplayError, ExecutionError, StoppedByUser

from .base import ScreenMapping
from .keys import to_pyautogui

logger = logging.getLogger(__name__)

# Characters typed between two looks at the stop event: small enough that a
# kill stops typing well within 200 ms even for slow, keymap-remapped CJK.
TYPE_CHUNK = 4
# Pause after each typed character, like xdotool's default: apps with
# autocomplete or input methods drop or reorder keys that come faster.
DEFAULT_TYPE_INTERVAL_S = 0.005
_BUTTONS = ("left", "right", "middle")
_DRAG_STEPS = 12
FAILSAFE_MESSAGE = (
    "stopped: the mouse was pushed into a screen corner (pyautogui failsafe); "
    "move it away from the corner to run again"
)


def mapping_for_monitor(monitor: dict[str, int], image_size: tuple[int, int]) -> ScreenMapping:
    """The mapping from a capture of `monitor` (mss geometry, in points) to screen points."""
    width, height = int(monitor["width"]), int(monitor["height"])
    if width <= 0 or height <= 0:
        raise DisplayError(f"monitor has no area: {monitor}")
    return ScreenMapping(
        left=int(monitor["left"]),
        top=int(monitor["top"]),
        width=width,
        height=height,
        scale_x=image_size[0] / width,
        scale_y=image_size[1] / height,
    )


def _bound_pyautogui_display() -> str | None:
    """The X display an already imported pyautogui talks to, if any."""
    x11 = sys.modules.get("pyautogui._pyautogui_x11")
    conn = getattr(x11, "_display", None)
    if conn is None:
        return None
    name = conn.get_display_name()
    return name.decode() if isinstance(name, bytes) else str(name)


def _same_display(a: str, b: str) -> bool:
    # ":1" and ":1.0" are the same display.
    def strip(name: str) -> str:
        return name.split(".", 1)[0] if name.count(":") == 1 else name

    return strip(a) == strip(b)


def select_display(display: str | None) -> str | None:
    """Apply `display` to $DISPLAY (before pyautogui/pynput bind it) and check it."""
    if not sys.platform.startswith("linux"):
        return None
    if display is not None:
        bound = _bound_pyautogui_display()
        if bound is not None and not _same_display(bound, display):
            raise DisplayError(
                f"this process already drives X display {bound}; pyautogui binds one display "
                f"per process, so {display} needs a new process"
            )
        os.environ["DISPLAY"] = display
    current = os.environ.get("DISPLAY")
    if not current:
        raise DisplayError(
            "no X display to control: run with --virtual, or set DISPLAY / --display"
        )
    return current


class LocalDesktop:
    """The machine's own screen (or the X display `display` names)."""

    def __init__(
        self,
        *,
        monitor: int = 1,
        display: str | None = None,
        stop_event: threading.Event | None = None,
        type_interval: float = DEFAULT_TYPE_INTERVAL_S,
    ) -> None:
        self.display = select_display(display)
        self.type_interval = type_interval
        self.monitor = monitor
        self.stop_event = stop_event if stop_event is not None else threading.Event()
        self._pyautogui = _import_pyautogui()
        _reuse_image_memory()
        self._keyboard: Any = None
        self._input_lock = threading.RLock()
        self._local = threading.local()
        self._mss_all: list[Any] = []
        self._mss_lock = threading.Lock()
        self._mapping: ScreenMapping | None = None
        self._apps: list[subprocess.Popen[bytes]] = []

    # -- capture -----------------------------------------------------------

    def _sct(self) -> Any:
        sct = getattr(self._local, "sct", None)
        if sct is None:
            import mss

            factory = getattr(mss, "MSS", None) or mss.mss
            kwargs = {"display": self.display} if self.display else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    sct = factory(**kwargs)
                except Exception as exc:
                    raise DisplayError(f"cannot capture the screen: {exc}") from exc
            self._local.sct = sct
            with self._mss_lock:
                self._mss_all.append(sct)
        return sct

    def _monitor(self, sct: Any) -> dict[str, int]:
        monitors = sct.monitors
        if not 0 <= self.monitor < len(monitors):
            raise DisplayError(
                f"no monitor {self.monitor}: this screen has {len(monitors) - 1} "
                "(0 = all combined, 1.. = one monitor)"
            )
        return dict(monitors[self.monitor])

    def screenshot(self) -> Image.Image:
        sct = self._sct()
        monitor = self._monitor(sct)
        shot = sct.grab(monitor)
        # frombuffer + BGRX decodes mss's raw BGRA in one pass, no numpy copy.
        image = Image.frombuffer("RGB", shot.size, shot.raw, "raw", "BGRX", 0, 1)
        self._mapping = mapping_for_monitor(monitor, image.size)
        return image

    @property
    def mapping(self) -> ScreenMapping:
        """Screenshot pixels -> screen points for the monitor captured."""
        if self._mapping is None:
            self.screenshot()
        assert self._mapping is not None
        return self._mapping

    # -- input -------------------------------------------------------------

    def check_stop(self) -> None:
        if self.stop_event.is_set():
            raise StoppedByUser("stopped by the kill switch")

    @contextlib.contextmanager
    def _acting(self) -> Iterator[Any]:
        """Serialize input, honour the stop event, and turn the failsafe into StoppedByUser."""
        self.check_stop()
        pag = self._pyautogui
        with self._input_lock:
            try:
                yield pag
            except pag.FailSafeException as exc:
                self.stop_event.set()
                raise StoppedByUser(FAILSAFE_MESSAGE) from exc

    def _point(self, x: float, y: float) -> tuple[int, int]:
        return self.mapping.to_screen(x, y)

    def move(self, x: int, y: int) -> None:
        sx, sy = self._point(x, y)
        with self._acting() as pag:
            pag.moveTo(sx, sy)

    def click(self, x: int, y: int, *, button: str = "left", clicks: int = 1) -> None:
        if button not in _BUTTONS:
            raise ExecutionError(f"unknown mouse button {button!r}; use one of {_BUTTONS}")
        if clicks < 1:
            raise ExecutionError(f"clicks must be at least 1, got {clicks}")
        sx, sy = self._point(x, y)
        with self._acting() as pag:
            pag.click(sx, sy, clicks=clicks, interval=0.05 if clicks > 1 else 0.0, button=button)

    def drag(self, x0: int, y0: int, x1: int, y1: int) -> None:
        start, end = self._point(x0, y0), self._point(x1, y1)
        with self._acting() as pag:
            pag.moveTo(*start)
            pag.mouseDown(button="left")
            try:
                # Intermediate moves: many apps ignore a press and release with no motion between.
                for i in range(1, _DRAG_STEPS + 1):
                    t = i / _DRAG_STEPS
                    pag.moveTo(
                        round(start[0] + (end[0] - start[0]) * t),
                        round(start[1] + (end[1] - start[1]) * t),
                    )
                    time.sleep(0.01)
            finally:
                pag.mouseUp(button="left")

    def scroll(
        self, direction: str, amount: int, x: int | None = None, y: int | None = None
    ) -> None:
        if direction not in ("up", "down", "left", "right"):
            raise ExecutionError(f"unknown scroll direction {direction!r}; use up/down/left/right")
        point = self._point(x, y) if x is not None and y is not None else None
        with self._acting() as pag:
            if point is not None:
                pag.moveTo(*point)
            clicks = abs(int(amount))
            if direction in ("up", "down"):
                pag.scroll(clicks if direction == "up" else -clicks)
            else:
                pag.hscroll(clicks if direction == "right" else -clicks)

    def hotkey(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ExecutionError("hotkey needs at least one key")
        names = [to_pyautogui(key) for key in keys]
        with self._acting() as pag:
            pag.hotkey(*names, interval=0.0)

    def type_text(self, text: str) -> None:
        """Type `text` (any script) in chunks, stopping within a chunk of a kill."""
        keyboard = self._get_keyboard()
        for start in range(0, len(text), TYPE_CHUNK):
            with self._acting() as pag:
                # A corner push stops typing too, not only pyautogui's own calls.
                pag.failSafeCheck()
                keyboard.type(text[start : start + TYPE_CHUNK], self.type_interval)

    def _get_keyboard(self) -> Any:
        if self._keyboard is None:
            if sys.platform.startswith("linux"):
                from .x11 import XTestTyper

                self._keyboard = XTestTyper(self.display)
            else:
                self._keyboard = _PynputTyper()
        return self._keyboard

    # -- windows and apps --------------------------------------------------

    def active_window_title(self) -> str | None:
        if sys.platform.startswith("linux"):
            from .x11 import active_window_title

            try:
                return active_window_title(self.display)
            except Exception as exc:  # a window can vanish between the two queries
                logger.debug("no active window title: %s", exc)
                return None
        window = getattr(self._pyautogui, "getActiveWindow", lambda: None)()
        return getattr(window, "title", None)

    def open_app(self, command: str) -> None:
        argv = shlex.split(command)
        if not argv:
            raise ExecutionError("open_app needs a command")
        if shutil.which(argv[0]) is None:
            raise ExecutionError(f"cannot open {argv[0]!r}: no such command on PATH")
        self.check_stop()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        logger.info("opened %s (pid %d)", argv[0], proc.pid)
        self._apps.append(proc)

    @property
    def launched(self) -> tuple[subprocess.Popen[bytes], ...]:
        """Apps started by `open_app` (ended by `close()`)."""
        return tuple(self._apps)

    def close(self) -> None:
        for proc in self._apps:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self._apps.clear()
        with self._mss_lock:
            for sct in self._mss_all:
                with contextlib.suppress(Exception):
                    sct.close()
            self._mss_all.clear()
        self._local = threading.local()
        if self._keyboard is not None:
            self._keyboard.close()
            self._keyboard = None


class _PynputTyper:
    """Typing off X11 (macOS, Windows): pynput sends unicode key events there."""

    def __init__(self) -> None:
        from pynput.keyboard import Controller

        self._controller = Controller()

    def type(self, text: str, interval: float = 0.0) -> None:
        for i, char in enumerate(text):
            try:
                self._controller.type(char)
            except self._controller.InvalidCharacterException as exc:
                raise ExecutionError(f"cannot type character {char!r} (at {i})") from exc
            if interval > 0:
                time.sleep(interval)

    def close(self) -> None:
        return None


# Freed Pillow memory blocks (16 MiB each) kept for reuse: a 1080p screenshot
# needs one, 4K three. Without a cache every capture faults in fresh pages,
# which costs ~7 ms of a ~9 ms 1080p capture.
_IMAGE_BLOCKS_KEPT = 4


def _reuse_image_memory() -> None:
    core: Any = Image.core
    # Only raise Pillow's default of 0; PILLOW_BLOCKS_MAX or the app may have chosen.
    if hasattr(core, "get_blocks_max") and core.get_blocks_max() == 0:
        core.set_blocks_max(_IMAGE_BLOCKS_KEPT)


def _import_pyautogui() -> Any:
    try:
        import pyautogui
    except Exception as exc:  # Xlib raises its own error types when no server answers
        raise DisplayError(
            f"cannot connect to X display {os.environ.get('DISPLAY')!r}: {exc}; "
            "run with --virtual, or set DISPLAY / --display"
        ) from exc
    pyautogui.FAILSAFE = True
    pyautogui.PAUSE = 0  # we pace actions ourselves
    return pyautogui
