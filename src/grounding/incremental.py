"""Incremental element detection: re-run an image expert only where the frame changed.

`TiledReader` does this for OCR. `IncrementalExpert` does it for an expert
that finds elements in pixels (the ONNX detector): it finds the box of pixels
that changed since the last frame of the same size, grows it to hold every
element seen there before (a field being typed in is detected whole again),
runs the expert on that region with a margin of context around it, and keeps
the earlier elements everywhere else. A change covering much of the frame is
a new screen: the whole frame is parsed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass

from PIL import Image

from .changes import changed_box, pixels
from .experts import ElementExpert
from .types import Box, Element

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Seen:
    size: tuple[int, int]
    mode: str
    data: bytes
    elements: tuple[Element, ...]


class IncrementalExpert:
    """An ElementExpert that re-parses only the changed region of a frame.

    `context`: pixels of unchanged surroundings given to the expert around the
    region (a detector needs to see a control's edges, and ours places them
    from up to about a hundred pixels around). `align`: the region's origin
    is rounded down to a multiple of this, so a convolutional detector sees
    the region on the same pixel grid as the whole frame (128: our detector's
    stride of 32 at its input scale of 3/4, where the 3/4 resize also repeats
    every 4 pixels).
    `whole_frame_ratio`: a region larger than this share of the frame is
    parsed as a whole frame.
    """

    def __init__(
        self,
        expert: ElementExpert,
        *,
        context: int = 128,
        align: int = 128,
        whole_frame_ratio: float = 0.3,
    ) -> None:
        if context < 0 or align < 1:
            raise ValueError(f"context must be >= 0 and align >= 1, got {context} and {align}")
        self.expert = expert
        self.name = expert.name
        self.context = context
        self.align = align
        self.whole_frame_ratio = whole_frame_ratio
        self._lock = threading.Lock()
        self._seen: _Seen | None = None
        self.last_region: Box | None = None  # what the last parse ran the expert on

    def reset(self) -> None:
        """Forget the last frame: the next parse covers the whole frame."""
        with self._lock:
            self._seen = None

    def parse(self, image: Image.Image) -> list[Element]:
        data = image.tobytes()
        with self._lock:
            seen = self._seen
        region = self._region(image, data, seen)
        if region is None and seen is not None:
            self.last_region = None  # nothing changed
            return list(seen.elements)
        if seen is None or region is None or region == Box(0, 0, *image.size):
            self.last_region = Box(0, 0, *image.size)  # a new screen
            elements = self.expert.parse(image)
        else:
            elements = self._reparse(image, region, seen)
        with self._lock:
            self._seen = _Seen(image.size, image.mode, data, tuple(elements))
        return elements

    def _region(self, image: Image.Image, data: bytes, seen: _Seen | None) -> Box | None:
        """The changed box grown to the earlier elements it touches: the whole
        frame for a new one, None when nothing changed."""
        if seen is None or seen.size != image.size or seen.mode != image.mode:
            return Box(0, 0, *image.size)
        if len(data) % max(1, image.width * image.height):  # packed pixels: no cheap diff
            return Box(0, 0, *image.size)
        box = changed_box(pixels(seen.data, *image.size), pixels(data, *image.size))
        if box is None:
            return None
        for element in seen.elements:
            if element.box.intersection_area(box) > 0:
                box = box.union(element.box)
        return box

    def _reparse(self, image: Image.Image, region: Box, seen: _Seen) -> list[Element]:
        width, height = image.size
        if region.area > self.whole_frame_ratio * width * height:
            self.last_region = Box(0, 0, width, height)
            return self.expert.parse(image)
        left = max(0, region.left - self.context) // self.align * self.align
        top = max(0, region.top - self.context) // self.align * self.align
        crop = Box(left, top, min(width, region.right + self.context),
                   min(height, region.bottom + self.context))  # fmt: skip
        self.last_region = crop
        found = self.expert.parse(image.crop((crop.left, crop.top, crop.right, crop.bottom)))
        fresh = [_moved(e, crop.left, crop.top) for e in found]
        # Each element belongs to the region or to the rest by its centre, so
        # the region's new elements replace exactly the old ones there.
        kept = [e for e in seen.elements if not region.contains(*e.box.center)]
        new = [e for e in fresh if region.contains(*e.box.center)]
        logger.debug("%s: re-parsed %s, %d kept, %d new", self.name, crop, len(kept), len(new))
        return kept + new


def _moved(element: Element, dx: int, dy: int) -> Element:
    box = element.box
    moved = Box(box.left + dx, box.top + dy, box.right + dx, box.bottom + dy)
    return dataclasses.replace(element, box=moved)
