"""A desktop that looks but never acts: input calls are recorded, not executed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PIL import Image

from .base import Desktop

logger = logging.getLogger(__name__)


class DryRunDesktop:
    """Screenshots come from `inner` (or a blank image); every action lands in `.calls`."""

    def __init__(self, inner: Desktop | None = None, size: tuple[int, int] = (1280, 800)) -> None:
        self.inner = inner
        self.size = size
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))
        logger.info("dry run: %s%r %r", name, args, kwargs)

    def screenshot(self) -> Image.Image:
        if self.inner is not None:
            return self.inner.screenshot()
        return Image.new("RGB", self.size, "white")

    def move(self, x: int, y: int) -> None:
        self._record("move", x, y)

    def click(self, x: int, y: int, *, button: str = "left", clicks: int = 1) -> None:
        self._record("click", x, y, button=button, clicks=clicks)

    def drag(self, x0: int, y0: int, x1: int, y1: int) -> None:
        self._record("drag", x0, y0, x1, y1)

    def type_text(self, text: str) -> None:
        self._record("type_text", text)

    def hotkey(self, keys: Sequence[str]) -> None:
        self._record("hotkey", tuple(keys))

    def scroll(
        self, direction: str, amount: int, x: int | None = None, y: int | None = None
    ) -> None:
        self._record("scroll", direction, amount, x, y)

    def open_app(self, command: str) -> None:
        self._record("open_app", command)

    def active_window_title(self) -> str | None:
        return self.inner.active_window_title() if self.inner is not None else None

    def close(self) -> None:
        # Nothing to release; the inner desktop belongs to whoever made it.
        return None
