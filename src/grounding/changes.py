"""Where two frames of the same size differ, and where a region can be cut out safely.

Between agent steps a frame usually changes in one small region (a typed
character, a toggled switch). The incremental readers (`TiledReader` for OCR,
`IncrementalExpert` for the element detector) re-run their expert on that region
only. These helpers find the region and widen it to a safe cut: a run of
columns with no vertical edge in it (every pixel equal to its left
neighbour), so no glyph or control is cut in two.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .types import Box

# Columns with no vertical edge that make a safe cut: wider than the space
# between two words of UI text (3-5 px at 1x), so no word box spans them.
QUIET_COLUMNS = 10
# Rows with no horizontal edge that make a safe cut: more than the rows that
# hold only ascender stems (or descender tails) of a line of UI text, fewer
# than the blank rows between two labels.
QUIET_ROWS = 4
# Changed columns closer than this are read as one region.
JOIN_GAP = 48

Pixels = npt.NDArray[np.uint8]


def pixels(data: bytes, width: int, height: int) -> Pixels:
    """A (height, width, channels) view of an image's raw bytes (no copy)."""
    flat = np.frombuffer(data, np.uint8)
    channels = len(data) // (width * height) if width and height else 1
    return flat.reshape(height, width, channels)


# Reductions run over the long axes first: numpy reduces a short last axis
# (the 3 channels) an order of magnitude slower (40 ms vs 3 ms for a frame).


def _rows_differ(old: Pixels, new: Pixels) -> npt.NDArray[np.bool_]:
    height = old.shape[0]
    return np.asarray((old != new).reshape(height, -1).any(axis=1))


def changed_columns(old: Pixels, new: Pixels) -> npt.NDArray[np.bool_]:
    """Per column: does any pixel of the column differ between the two frames?"""
    return np.asarray((old != new).any(axis=0).any(axis=1))


def changed_box(old: Pixels, new: Pixels) -> Box | None:
    """The smallest box holding every pixel that differs, or None for equal frames."""
    rows = np.flatnonzero(_rows_differ(old, new))
    if not rows.size:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(changed_columns(old[top:bottom], new[top:bottom]))
    return Box(int(cols[0]), top, int(cols[-1]) + 1, bottom)


def spans(columns: npt.NDArray[np.bool_], join_gap: int = JOIN_GAP) -> list[tuple[int, int]]:
    """Runs [start, end) of True columns, joining runs less than `join_gap` apart."""
    xs = np.flatnonzero(columns)
    if not xs.size:
        return []
    breaks = np.flatnonzero(np.diff(xs) > join_gap)
    starts = [int(xs[0]), *(int(xs[i + 1]) for i in breaks)]
    ends = [*(int(xs[i]) + 1 for i in breaks), int(xs[-1]) + 1]
    return list(zip(starts, ends, strict=True))


def calm_columns(strip: Pixels) -> npt.NDArray[np.bool_]:
    """calm[x] is True when column x equals column x - 1 in every row (calm[0] is False)."""
    calm = np.zeros(strip.shape[1], dtype=bool)
    calm[1:] = (strip[:, 1:] == strip[:, :-1]).all(axis=0).all(axis=1)
    return calm


def calm_rows(strip: Pixels) -> npt.NDArray[np.bool_]:
    """calm[y] is True when row y equals row y - 1 in every column (calm[0] is False)."""
    calm = np.zeros(strip.shape[0], dtype=bool)
    calm[1:] = (strip[1:] == strip[:-1]).reshape(strip.shape[0] - 1, -1).all(axis=1)
    return calm


def widen_to_quiet(
    calm: npt.NDArray[np.bool_], start: int, end: int, quiet: int = QUIET_COLUMNS
) -> tuple[int, int]:
    """[start, end) widened on each side to the middle of the nearest run of `quiet`
    calm lines (or to the frame's edge when there is none).

    A side already in the middle of such a run stays where it is, so widening
    twice gives the same span.
    """
    half = quiet // 2
    # run_at[x]: calm[x .. x + quiet - 1] are all calm; a cut there sits at x + half.
    window = np.lib.stride_tricks.sliding_window_view(calm, quiet) if len(calm) >= quiet else None
    run_at = window.all(axis=1) if window is not None else np.zeros(0, dtype=bool)
    cuts = np.flatnonzero(run_at) + half
    before = cuts[cuts <= start]
    after = cuts[cuts >= end]
    left = int(before[-1]) if before.size else 0
    right = int(after[0]) if after.size else len(calm)
    return left, right


Rect = tuple[int, int, int, int]  # left, top, right, bottom


def quiet_rect(strip: Pixels, rect: Rect) -> Rect:
    """`rect` grown until each side is a safe cut: columns with no vertical edge
    over its rows, rows with no horizontal edge over its columns."""
    left, top, right, bottom = rect
    while True:
        rows = calm_rows(strip[:, left:right])
        new_top, new_bottom = widen_to_quiet(rows, top, bottom, QUIET_ROWS)
        cols = calm_columns(strip[new_top:new_bottom])
        new_left, new_right = widen_to_quiet(cols, left, right)
        grown = (new_left, new_top, new_right, new_bottom)
        if grown == (left, top, right, bottom):
            return grown
        left, top, right, bottom = grown


def changed_rects(old: Pixels, new: Pixels) -> list[Rect]:
    """Where `new` differs from `old`, as rectangles bounded by safe cuts (none overlap)."""
    rects: list[Rect] = []
    for start, end in spans(changed_columns(old, new)):
        rows = np.flatnonzero(_rows_differ(old[:, start:end], new[:, start:end]))
        rects.append(quiet_rect(new, (start, int(rows[0]), end, int(rows[-1]) + 1)))
    while True:  # grown rectangles can meet: join them and grow the union
        pair = next(((a, b) for i, a in enumerate(rects) for b in rects[i + 1 :]
                     if _overlap(a, b)), None)  # fmt: skip
        if pair is None:
            return rects
        a, b = pair
        union = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
        rects = [r for r in rects if r is not a and r is not b] + [quiet_rect(new, union)]


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
