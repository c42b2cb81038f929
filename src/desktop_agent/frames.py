"""Cheap comparisons of two screenshots: did the screen change, and did it visibly?"""

from __future__ import annotations

import numpy as np
from PIL import Image

# A blinking caret or a ticking clock changes fewer sampled pixels than this.
CHANGE_FRACTION = 0.0005


def same_frame(a: Image.Image, b: Image.Image) -> bool:
    if a.size != b.size:
        return False
    # Compare a coarse grid of pixels: cheap, and any real UI change moves many.
    return bool(np.array_equal(np.asarray(a)[::4, ::4], np.asarray(b)[::4, ::4]))


def visibly_changed(before: Image.Image, after: Image.Image) -> bool:
    """More changed than a caret blink: a window opened, moved or redrew."""
    if before.size != after.size:
        return True
    a = np.asarray(before.convert("RGB"))[::4, ::4]
    b = np.asarray(after.convert("RGB"))[::4, ::4]
    return float(np.any(a != b, axis=-1).mean()) > CHANGE_FRACTION
