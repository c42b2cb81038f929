"""Where frames differ, and safe cuts around a change, on drawn text."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from grounding.changes import (
    QUIET_COLUMNS,
    calm_columns,
    changed_box,
    changed_rects,
    pixels,
    spans,
    widen_to_quiet,
)
from grounding.types import Box

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _array(image: Image.Image) -> np.ndarray:
    return pixels(image.tobytes(), *image.size)


def test_changed_box_is_the_smallest_box_around_every_changed_pixel() -> None:
    old = Image.new("RGB", (300, 200), "white")
    new = old.copy()
    new.putpixel((40, 150), (0, 0, 0))
    new.putpixel((250, 20), (255, 255, 254))  # one channel, by one step
    assert changed_box(_array(old), _array(new)) == Box(40, 20, 251, 151)
    assert changed_box(_array(old), _array(old.copy())) is None


def test_spans_join_changes_that_are_close() -> None:
    columns = np.zeros(400, dtype=bool)
    columns[[10, 11, 40, 300]] = True
    assert spans(columns, join_gap=48) == [(10, 41), (300, 301)]
    assert spans(columns, join_gap=10) == [(10, 12), (40, 41), (300, 301)]
    assert spans(np.zeros(5, dtype=bool)) == []


def test_widening_stops_in_the_middle_of_a_quiet_run_and_is_stable() -> None:
    calm = np.zeros(100, dtype=bool)
    calm[20:40] = True  # a quiet gap left of the change
    calm[70:75] = True  # too short to cut in
    left, right = widen_to_quiet(calm, 50, 60)
    assert 20 < left <= 40 - QUIET_COLUMNS // 2
    assert right == 100, "no quiet run on the right: the frame's edge"
    assert widen_to_quiet(calm, left, right) == (left, right)


def test_a_change_next_to_a_word_grows_to_hold_the_whole_word() -> None:
    font = ImageFont.truetype(FONT, 16)
    old = Image.new("RGB", (600, 120), "white")
    draw = ImageDraw.Draw(old)
    draw.line((0, 100, 599, 100), fill="black")  # a rule: no edge along it
    draw.text((200, 40), "Document", fill="black", font=font)
    word = Box(*(int(v) for v in draw.textbbox((200, 40), "Document", font=font)))
    new = old.copy()
    # The last letters change: "Document" -> "Documents".
    ImageDraw.Draw(new).text((200, 40), "Documents", fill="black", font=font)
    (rect,) = changed_rects(_array(old), _array(new))
    left, top, right, bottom = rect
    assert left <= word.left
    assert right >= word.right + 6
    assert top <= word.top
    assert bottom >= word.bottom
    assert bottom <= 100, "the rule far below is not part of it"
    # Every side is a safe cut: no vertical edge along its columns.
    calm = calm_columns(_array(new)[top:bottom])
    assert calm[left] or left == 0
    assert calm[right - 1] or right == 600


def test_changes_far_apart_are_separate_regions() -> None:
    font = ImageFont.truetype(FONT, 16)
    old = Image.new("RGB", (900, 100), "white")
    new = old.copy()
    draw = ImageDraw.Draw(new)
    draw.text((50, 40), "left", fill="black", font=font)
    draw.text((700, 40), "right", fill="black", font=font)
    rects = changed_rects(_array(old), _array(new))
    assert len(rects) == 2
    assert all(r[2] - r[0] < 150 for r in rects)
