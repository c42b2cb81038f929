"""Empty table cells are completed from the grid of the detected cells, and only there."""

from __future__ import annotations

import random

import pytest

from grounding.detector.codec import Detection
from grounding.detector.onnx_detector import OnnxDetector
from grounding.detector.tables import complete_tables

CELL, BUTTON = 7, 0
COLUMNS = ((20, 200), (204, 280), (284, 420))  # name, birth, death
ROW_HEIGHT = 23


def _cell(column: int, row: int, score: float = 0.6, jitter: int = 0,
          rng: random.Random | None = None) -> Detection:  # fmt: skip
    def j() -> int:
        return rng.randint(-jitter, jitter) if rng else 0

    left, right = COLUMNS[column]
    top = 40 + row * ROW_HEIGHT
    return Detection(left + j(), top + j(), right + j(), top + 21 + j(), CELL, score)


def _added(before: list[Detection], after: list[Detection]) -> list[tuple[float, ...]]:
    assert after[: len(before)] == before  # what was found is kept, in order
    return sorted((d.left, d.top, d.right, d.bottom) for d in after[len(before) :])


def test_the_empty_cells_of_a_table_are_added_where_rows_and_columns_cross() -> None:
    filled = {0: (0, 1, 2), 1: (0, 1, 2), 2: (0, 1, 2), 3: (0,), 4: (0, 1), 5: (0,)}
    cells = [_cell(c, r) for r, columns in filled.items() for c in columns]
    button = Detection(500, 40, 560, 70, BUTTON, 0.9)
    out = complete_tables([button, *cells], CELL, sure=0.25)
    want = [(204, 109, 280, 130), (204, 155, 280, 176), (284, 109, 420, 130),
            (284, 132, 420, 153), (284, 155, 420, 176)]  # fmt: skip
    assert _added([button, *cells], out) == sorted(want)
    assert all(d.cls == CELL for d in out[len(cells) + 1 :])


def test_a_new_cell_ranks_with_the_cells_that_imply_it() -> None:
    cells = [_cell(c, r, 0.8) for r in range(3) for c in range(3)]
    cells += [_cell(0, 3, 0.3), _cell(1, 3, 0.5)]  # row 3 lacks its last cell
    out = complete_tables(cells, CELL, sure=0.25)
    (new,) = out[len(cells) :]
    # row 3's mean score (0.4) is lower than the last column's (0.8)
    assert new.score == pytest.approx(0.4)
    assert (new.left, new.right) == COLUMNS[2]


def test_cells_found_a_few_pixels_off_still_make_one_grid() -> None:
    rng = random.Random(5)
    cells = [_cell(c, r, jitter=4, rng=rng) for r in range(5) for c in range(3)]
    del cells[3 * 2 + 1]  # row 2, middle column
    out = complete_tables(cells, CELL, sure=0.25)
    ((left, top, right, bottom),) = _added(cells, out)
    row_top = 40 + 2 * ROW_HEIGHT
    for got, want in ((left, 204), (right, 280), (top, row_top), (bottom, row_top + 21)):
        assert abs(got - want) <= 4


def test_lists_rows_and_unsure_cells_make_no_table() -> None:
    one_column = [_cell(0, r) for r in range(8)]
    assert complete_tables(one_column, CELL, sure=0.25) == one_column
    one_row = [Detection(20 + 90 * i, 40, 100 + 90 * i, 61, CELL, 0.6) for i in range(6)]
    assert complete_tables(one_row, CELL, sure=0.25) == one_row
    unsure = [_cell(c, r, 0.2) for r in range(4) for c in range(3)]
    del unsure[4]
    assert complete_tables(unsure, CELL, sure=0.25) == unsure  # below the calibrated cut-off
    buttons = [Detection(d.left, d.top, d.right, d.bottom, BUTTON, 0.6) for d in unsure]
    assert complete_tables(buttons, CELL, sure=0.0) == buttons  # a grid of buttons is a keypad


def test_a_column_of_two_cells_is_not_completed() -> None:
    cells = [_cell(0, r) for r in range(5)] + [_cell(1, r) for r in range(5)]
    cells += [_cell(2, 0), _cell(2, 1)]  # too short to be a column
    out = complete_tables(cells, CELL, sure=0.25)
    assert out == cells


def test_the_detector_completes_tables_at_its_calibrated_cut_off_whatever_it_decodes_at() -> None:
    shipped = OnnxDetector()
    low = OnnxDetector(score_threshold=0.05)
    cell = shipped.classes.index("list_item")
    assert low.thresholds[cell] == pytest.approx(0.05)
    # The low-threshold pass (the bench's AP ranking) must complete the same
    # cells as the operating one: its grid comes from the calibrated cut-off.
    # That is the detector's own (a box verifier's thresholds are on its rescored scores).
    own = OnnxDetector(verifier=False).thresholds[cell]
    assert low._sure_cell == shipped._sure_cell == pytest.approx(float(own))
