"""The kill switch: a global hotkey (and a stop button) that stops the agent at once.

The hotkey listener runs on the X display through pynput's XRecord listener,
so it hears the person even while the agent itself is typing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .errors import DisplayError, StoppedByUser

logger = logging.getLogger(__name__)

DEFAULT_KILL_HOTKEY = "<ctrl>+<alt>+k"


class KillSwitch:
    """Sets `stop_event` when the hotkey is pressed or `trigger()` is called.

    Pass `stop_event` to the desktop backend and the agent loop; both check it
    between actions (and between typed chunks) and raise StoppedByUser.
    """

    def __init__(
        self,
        hotkey: str = DEFAULT_KILL_HOTKEY,
        *,
        display: str | None = None,
        on_trigger: Callable[[], None] | None = None,
    ) -> None:
        self.hotkey = hotkey
        self.display = display
        self.on_trigger = on_trigger
        self.stop_event = threading.Event()
        self.triggered_at: float | None = None
        self._listener: Any = None
        self._lock = threading.Lock()

    def __enter__(self) -> KillSwitch:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def start(self) -> None:
        """Start listening for the hotkey (returns once the listener is ready)."""
        if self._listener is not None:
            return
        # pynput opens $DISPLAY when its listener starts: point it at ours first.
        from .desktop.local import select_display

        select_display(self.display)
        try:
            from pynput import keyboard
        except ImportError as exc:  # pynput reports a missing X connection this way
            raise DisplayError(f"cannot listen for the kill hotkey: {exc}") from exc
        try:
            listener = keyboard.GlobalHotKeys({self.hotkey: self._on_hotkey})
        except ValueError as exc:
            raise DisplayError(
                f"bad kill hotkey {self.hotkey!r} (use pynput syntax like "
                f"{DEFAULT_KILL_HOTKEY!r}): {exc}"
            ) from exc
        listener.daemon = True
        listener.start()
        listener.wait()
        self._listener = listener
        logger.info("kill switch armed: press %s to stop", self.hotkey)

    def stop(self) -> None:
        """Stop listening (the event keeps its state)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _stop_listener(listener)

    def trigger(self) -> None:
        """Stop the run, as the hotkey does (for a stop button)."""
        with self._lock:
            if self.stop_event.is_set():
                return
            self.triggered_at = time.monotonic()
            self.stop_event.set()
        logger.warning("kill switch triggered")
        if self.on_trigger is not None:
            self.on_trigger()

    def reset(self) -> None:
        """Arm again for the next run."""
        with self._lock:
            self.stop_event.clear()
            self.triggered_at = None

    def check(self) -> None:
        if self.stop_event.is_set():
            raise StoppedByUser(f"stopped by the kill switch ({self.hotkey})")

    def _on_hotkey(self) -> None:
        self.trigger()


def _stop_listener(listener: Any) -> None:
    # pynput disables its XRecord context on the very connection that is blocked
    # in it, which hangs once any key was seen; the RECORD spec wants another
    # connection, and pynput keeps one (`_display_stop`), so disable it there.
    spare = getattr(listener, "_display_stop", None)
    context = getattr(listener, "_context", None)
    if spare is not None and context is not None and listener.is_alive():
        # The thread closes `spare` as it ends; losing that race is harmless.
        with contextlib.suppress(Exception):
            spare.record_disable_context(context)
            spare.flush()
        listener.join(timeout=1)
    if listener.is_alive():
        with contextlib.suppress(Exception):
            listener.stop()
        listener.join(timeout=1)
    if listener.is_alive():
        logger.warning("kill switch listener did not stop; it ends with the process")
