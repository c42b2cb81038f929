"""An expert that replays elements recorded earlier.

The grounding benchmark stores each screenshot's accessibility snapshot next
to it; replaying it gives the "live" condition on a still image. Tools that
import elements from elsewhere (an Android UI dump, an OSWorld a11y tree) use
it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from PIL import Image

from .types import Element


class StaticExpert:
    """Returns the same elements for every frame."""

    def __init__(self, name: str, elements: Iterable[Element]) -> None:
        self.name = name
        self.elements = list(elements)

    def parse(self, image: Image.Image) -> list[Element]:
        width, height = image.size
        return [e for e in self.elements if e.box.left < width and e.box.top < height]
