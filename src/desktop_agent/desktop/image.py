"""A desktop that is one still image: for replaying screenshots and for tests.

Wrap it in `DryRunDesktop` to record what the agent would do on that screen.
"""

from __future__ import annotations

from PIL import Image


class ImageDesktop:
    """Shows `image` (the screenshot) and a window title; has no input of its own."""

    def __init__(self, image: Image.Image, *, title: str | None = None) -> None:
        self.image = image.convert("RGB")
        self.title = title

    def screenshot(self) -> Image.Image:
        return self.image

    def active_window_title(self) -> str | None:
        return self.title

    def close(self) -> None:
        return None
