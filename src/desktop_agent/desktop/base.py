"""The Desktop protocol: what every backend (local, virtual, dry run, remote) offers.

All coordinates a backend accepts are screenshot pixels, the same frame as the
image `screenshot()` returns; the backend alone converts them to its screen's
points (HiDPI scale, monitor offsets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image


@dataclass(frozen=True, slots=True)
class ScreenMapping:
    """Maps screenshot pixels to screen points for one captured region.

    `left`/`top` are the region's origin in screen points; `scale_x`/`scale_y`
    are screenshot pixels per screen point (2.0 on a Retina display).
    """

    left: int
    top: int
    width: int
    height: int
    scale_x: float = 1.0
    scale_y: float = 1.0

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        sx = self.left + x / self.scale_x
        sy = self.top + y / self.scale_y
        # Clamp inside the region: a point on the last pixel must not land on
        # the next monitor.
        sx = min(max(sx, self.left), self.left + self.width - 1)
        sy = min(max(sy, self.top), self.top + self.height - 1)
        return round(sx), round(sy)

    def to_pixels(self, sx: float, sy: float) -> tuple[int, int]:
        return round((sx - self.left) * self.scale_x), round((sy - self.top) * self.scale_y)


@runtime_checkable
class Desktop(Protocol):
    """A screen to look at and a mouse and keyboard to act with."""

    def screenshot(self) -> Image.Image:
        """The current screen, RGB, in screenshot pixels."""
        ...

    def move(self, x: int, y: int) -> None: ...

    def click(self, x: int, y: int, *, button: str = "left", clicks: int = 1) -> None: ...

    def drag(self, x0: int, y0: int, x1: int, y1: int) -> None: ...

    def type_text(self, text: str) -> None:
        """Type text in any script at the keyboard focus."""
        ...

    def hotkey(self, keys: Sequence[str]) -> None:
        """Press keys together (modifiers first), then release them in reverse."""
        ...

    def scroll(self, direction: str, amount: int, x: int | None, y: int | None) -> None: ...

    def open_app(self, command: str) -> None:
        """Start an application; returns once it was launched (not once it shows)."""
        ...

    def active_window_title(self) -> str | None: ...

    def close(self) -> None: ...
