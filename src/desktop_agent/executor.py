"""Carry out one action: ground its targets, then drive the Desktop.

Text targets are found on the current screenshot by the grounder; if the
target is not there yet (a dialog still opening) the screen is captured again
until `find_timeout_s` runs out, then the step fails with what was seen. A
target found on a frame the screen has since moved on from is found again on
the current one. Nothing is ever clicked blind.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from grounding import Grounder, GroundingResult, TargetNotFound

from .actions import (
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    OpenApp,
    Point,
    RightClick,
    Scroll,
    Target,
    TypeText,
    Wait,
)
from .desktop.base import Desktop
from .errors import ExecutionError, GroundingFailed, StoppedByUser
from .frames import visibly_changed

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What executing an action found and touched (points in screenshot pixels)."""

    grounding: dict[str, GroundingResult] = field(default_factory=dict)
    points: list[tuple[int, int]] = field(default_factory=list)
    grounding_s: float = 0.0
    screenshot: Image.Image | None = None  # the frame the last target was found on


@dataclass(frozen=True, kw_only=True)
class ExecutorConfig:
    find_timeout_s: float = 5.0
    find_interval_s: float = 0.25
    partial_patience_s: float = 3.0
    open_app_timeout_s: float = 15.0
    # Where a field sits relative to its "Name:" label: just right of it.
    label_field_offset_px: int = 24
    # Times a found target is looked for again because the screen changed meanwhile;
    # a screen that never stops changing (a video) is then acted on as last seen.
    max_refinds: int = 2
    # After a key press, a text target is looked for only once the screen shows the
    # press's effect, or this long after it (see `_after_key_press`).
    key_effect_timeout_s: float = 1.0


class ActionExecutor:
    """Grounds and executes actions on a Desktop."""

    def __init__(
        self,
        desktop: Desktop,
        grounder: Grounder | None,
        *,
        config: ExecutorConfig | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.desktop = desktop
        self.grounder = grounder
        self.config = config or ExecutorConfig()
        self.stop_event = stop_event or threading.Event()
        # (the frame before the last key press, when to stop waiting for its effect)
        self._key_press: tuple[Image.Image, float] | None = None
        self._awaiting: tuple[Image.Image, float] | None = None

    def _check_stop(self) -> None:
        if self.stop_event.is_set():
            raise StoppedByUser("stopped by the kill hotkey or the stop button")

    def _sleep(self, seconds: float) -> None:
        if self.stop_event.wait(max(seconds, 0.0)):
            self._check_stop()

    def resolve(
        self, target: Target, screenshot: Image.Image, role: str, outcome: Outcome
    ) -> tuple[int, int]:
        """The screenshot-pixel point for a target; text targets are grounded."""
        if isinstance(target, Point):
            width, height = screenshot.size
            if not (0 <= target.x < width and 0 <= target.y < height):
                raise ExecutionError(
                    f"point ({target.x}, {target.y}) is outside the {width}x{height} screenshot"
                )
            return target.x, target.y
        if self.grounder is None:
            raise GroundingFailed(f"cannot find {target!r}: no grounder is configured")
        started = time.perf_counter()
        image = self._after_key_press(screenshot)
        deadline = time.monotonic() + self.config.find_timeout_s
        refinds = 0
        while True:
            self._check_stop()
            # A partial match ("Save" in "Save As") is taken only after the
            # screen had time to show a whole one.
            patient = time.monotonic() - started < self.config.partial_patience_s
            result = self.grounder.locate(image, target, whole_only=patient)
            if result is None and patient and time.monotonic() >= deadline:
                result = self.grounder.locate(image, target)
            if result is not None:
                # The screen may have moved on since `image` was taken: a dialog still
                # opening, or one the window manager had not placed yet (whose
                # accessibility tree then gave where it was about to be). Act only on
                # what the screen shows now.
                current = self.desktop.screenshot()
                if refinds >= self.config.max_refinds or not visibly_changed(image, current):
                    break
                refinds += 1
                logger.info("the screen changed while %r was being found; finding it again",
                            target)  # fmt: skip
                image = current
                continue
            if time.monotonic() >= deadline:
                outcome.grounding_s += time.perf_counter() - started
                try:
                    self.grounder.locate_or_raise(image, target)
                except TargetNotFound as exc:
                    raise GroundingFailed(str(exc)) from exc
                raise GroundingFailed(f"could not find {target!r}")  # pragma: no cover
            self._sleep(self.config.find_interval_s)
            image = self.desktop.screenshot()
        outcome.grounding_s += time.perf_counter() - started
        outcome.screenshot = image
        point = result.point
        top = result.candidates[0] if result.candidates else None
        if role == "into" and result.box is not None and top is not None and top.role == "label":
            # A caption like "Name:" names the field beside it; click into the field.
            point = (result.box.right + self.config.label_field_offset_px, point[1])
            point = (min(point[0], image.width - 1), point[1])
        outcome.grounding[role] = result
        logger.info("grounded %r at %s via %s (%.2f)", target, point, result.expert,
                    result.confidence)  # fmt: skip
        return point

    def _after_key_press(self, screenshot: Image.Image) -> Image.Image:
        """The frame to find a text target on, when the last action was a key press.

        A key press mostly opens something (ctrl+s: a Save dialog), and the
        accessibility tree lists the new window before it is drawn, even before
        the window manager has placed it: a target found then is clicked where
        the window is not. So the search waits until the screen visibly differs
        from the frame before the press, within `key_effect_timeout_s` of it.
        Only a text target waits: a press that changes little (ctrl+end moves a
        caret) followed by typing or a point costs nothing.
        """
        pressed, self._awaiting = self._awaiting, None
        if pressed is None:
            return screenshot
        before, until = pressed
        current = screenshot
        while not visibly_changed(before, current) and time.monotonic() < until:
            self._sleep(0.05)
            current = self.desktop.screenshot()
        return current

    def execute(self, action: Action, screenshot: Image.Image) -> Outcome:
        """Carry out `action`, grounding against `screenshot` first."""
        self._check_stop()
        # A key press's effect is awaited by the action right after it, or by none.
        self._awaiting, self._key_press = self._key_press, None
        outcome = Outcome()
        desktop = self.desktop
        if isinstance(action, Click | DoubleClick | RightClick):
            x, y = self.resolve(action.target, screenshot, "target", outcome)
            outcome.points.append((x, y))
            button = "right" if isinstance(action, RightClick) else "left"
            clicks = 2 if isinstance(action, DoubleClick) else 1
            desktop.click(x, y, button=button, clicks=clicks)
        elif isinstance(action, TypeText):
            if action.into is not None:
                x, y = self.resolve(action.into, screenshot, "into", outcome)
                outcome.points.append((x, y))
                desktop.click(x, y)
                # Typing into a field replaces what it held.
                desktop.hotkey(("ctrl", "a"))
            desktop.type_text(action.text)
            if action.enter:
                desktop.hotkey(("enter",))
        elif isinstance(action, Hotkey):
            desktop.hotkey(action.keys)
            wait_s = self.config.key_effect_timeout_s
            self._key_press = (screenshot, time.monotonic() + wait_s)
        elif isinstance(action, Scroll):
            if action.at is not None:
                x, y = self.resolve(action.at, screenshot, "at", outcome)
                outcome.points.append((x, y))
                desktop.scroll(action.direction, action.amount, x, y)
            else:
                desktop.scroll(action.direction, action.amount, None, None)
        elif isinstance(action, Drag):
            x0, y0 = self.resolve(action.start, screenshot, "start", outcome)
            x1, y1 = self.resolve(action.end, screenshot, "end", outcome)
            outcome.points.extend([(x0, y0), (x1, y1)])
            desktop.drag(x0, y0, x1, y1)
        elif isinstance(action, Wait):
            self._sleep(action.seconds)
        elif isinstance(action, OpenApp):
            self._open_app(action.app)
        elif isinstance(action, Done | Fail):
            pass
        else:  # pragma: no cover - the action set is closed
            raise ExecutionError(f"no executor for action {action.name!r}")
        return outcome

    def _open_app(self, command: str) -> None:
        before = self.desktop.active_window_title()
        self.desktop.open_app(command)
        # Wait until the app's window takes focus so the next action reaches it.
        changed = self._wait_until(lambda: self.desktop.active_window_title() != before,
                                   self.config.open_app_timeout_s)  # fmt: skip
        if not changed:
            logger.warning("no new window appeared %.0fs after starting %r",
                           self.config.open_app_timeout_s, command)  # fmt: skip
            return
        # A window has focus before its widgets take keys: wait until it stops
        # drawing, or the first typed characters are lost.
        self._wait_until_still(self.config.open_app_timeout_s)

    def _wait_until_still(self, timeout_s: float, quiet_s: float = 0.5) -> None:
        deadline = time.monotonic() + timeout_s
        last = self.desktop.screenshot()
        still_since = time.monotonic()
        while time.monotonic() < deadline:
            self._sleep(0.1)
            frame = self.desktop.screenshot()
            if frame.size != last.size or frame.tobytes() != last.tobytes():
                last, still_since = frame, time.monotonic()
            elif time.monotonic() - still_since >= quiet_s:
                return

    def _wait_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            self._sleep(0.1)
        return condition()
