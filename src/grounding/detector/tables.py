"""Empty table cells, completed from the grid that the detected cells draw.

An empty cell of a table shows nothing but the background, so no detector can
see it; yet it is a place a person clicks (to select its row, to type into a
spreadsheet), and the accessibility tree lists it. What shows it is the grid:
the filled cells line up in rows and columns, and where a row has no cell in
a column that the other rows fill, a cell is missing. This completes that
grid among the detector's sure cells (list items at or above their calibrated
threshold): a row-band and a column-band each built from at least two sure
cells, a column that shares rows with another column, and a gap where they
cross.

A lone list (one column) or a lone row (a tab strip of list items) is no table
and gets nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from statistics import mean, median

from .codec import Detection

MIN_COLUMN_CELLS = 3  # a column of fewer sure cells may be chance alignment
MIN_SHARED_ROWS = 2  # rows where a column meets another before both count as a table
SAME_BAND = 0.5  # 1-D IoU of a cell with a band's median extent to join it


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """1-D intersection over union of [a0, a1] and [b0, b1]."""
    inter = min(a1, b1) - max(a0, b0)
    if inter <= 0:
        return 0.0
    return inter / (max(a1, b1) - min(a0, b0))


def _bands(cells: Sequence[Detection], low: Callable[[Detection], float],
           high: Callable[[Detection], float]) -> list[list[int]]:  # fmt: skip
    """Cells grouped into bands (rows or columns) along one axis, by centre order;
    a cell joins the first band whose median extent it overlaps by SAME_BAND."""
    bands: list[list[int]] = []
    extents: list[tuple[float, float]] = []
    for i in sorted(range(len(cells)), key=lambda i: low(cells[i]) + high(cells[i])):
        lo, hi = low(cells[i]), high(cells[i])
        joined = next((b for b, (b0, b1) in enumerate(extents)
                       if _overlap(lo, hi, b0, b1) >= SAME_BAND), None)  # fmt: skip
        if joined is None:
            bands.append([i])
            extents.append((lo, hi))
            continue
        band = bands[joined]
        band.append(i)
        extents[joined] = (median(low(cells[j]) for j in band),
                           median(high(cells[j]) for j in band))  # fmt: skip
    return bands


def complete_tables(detections: Sequence[Detection], cell_class: int,
                    sure: float) -> list[Detection]:  # fmt: skip
    """`detections` plus one cell (class `cell_class`) for each gap in a table's grid.

    The grid comes from the cells scoring at least `sure`. A new cell spans its
    column's median left and right and its row's median top and bottom; its
    score is the lower of its row's and its column's mean score (so it ranks
    with the cells that imply it, and never above them).
    """
    cells = [d for d in detections if d.cls == cell_class and d.score >= sure]
    if len(cells) < 2 * MIN_COLUMN_CELLS:
        return list(detections)
    rows = _bands(cells, lambda d: d.top, lambda d: d.bottom)
    columns = _bands(cells, lambda d: d.left, lambda d: d.right)
    row_of = {i: r for r, band in enumerate(rows) for i in band}
    column_of = {i: c for c, band in enumerate(columns) for i in band}
    tall = {c for c, band in enumerate(columns) if len(band) >= MIN_COLUMN_CELLS}
    columns_in_row: dict[int, set[int]] = {}
    for i in range(len(cells)):
        if column_of[i] in tall:
            columns_in_row.setdefault(row_of[i], set()).add(column_of[i])
    shared: dict[int, int] = {}
    for present in columns_in_row.values():
        if len(present) >= 2:
            for c in present:
                shared[c] = shared.get(c, 0) + 1
    table = {c for c, n in shared.items() if n >= MIN_SHARED_ROWS}
    if len(table) < 2:
        return list(detections)
    added: list[Detection] = []
    for r, present in columns_in_row.items():
        if not present & table:
            continue
        row = [cells[i] for i in rows[r]]
        top, bottom = median(d.top for d in row), median(d.bottom for d in row)
        for c in sorted(table - present):
            column = [cells[i] for i in columns[c]]
            score = min(mean(d.score for d in row), mean(d.score for d in column))
            added.append(Detection(median(d.left for d in column), top,
                                   median(d.right for d in column), bottom,
                                   cell_class, score))  # fmt: skip
    return [*detections, *added]
