"""Item views for synthetic windows: lists, icon grids, tables, trees and text areas."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
)  # fmt: skip

from . import qt_text
from .qt_widgets import Ctx


def item_list(ctx: Ctx, icons: bool | None = None) -> QListWidget:
    view = QListWidget()
    with_icons = ctx.chance(0.5) if icons is None else icons
    size = ctx.rng.choice((16, 16, 24))
    view.setIconSize(QSize(size, size))
    for _ in range(ctx.rng.randint(3, 40)):
        item = QListWidgetItem(ctx.text(3))
        if with_icons:
            item.setIcon(ctx.any_icon(size))
        view.addItem(item)
    view.setAlternatingRowColors(ctx.chance(0.2))
    if ctx.chance(0.5):
        view.setCurrentRow(ctx.rng.randrange(view.count()))
    return view


def icon_grid(ctx: Ctx) -> QListWidget:
    view = QListWidget()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    size = ctx.rng.choice((32, 48, 64))
    view.setIconSize(QSize(size, size))
    bare = ctx.chance(0.3)
    view.setGridSize(QSize(size + (16 if bare else 60), size + (16 if bare else 40)))
    for _ in range(ctx.rng.randint(6, 60)):
        view.addItem(QListWidgetItem(ctx.any_icon(size), "" if bare else ctx.text(2)))
    return view


def table(ctx: Ctx) -> QTableWidget:
    cols = ctx.rng.randint(2, 6)
    rows = ctx.rng.randint(3, 40)
    view = QTableWidget(rows, cols)
    view.setHorizontalHeaderLabels([ctx.text(1) for _ in range(cols)])
    for r in range(rows):
        for c in range(cols):
            text = ctx.text(2) if c == 0 else ctx.rng.choice((qt_text.number(ctx.rng), ctx.text(1)))
            view.setItem(r, c, QTableWidgetItem(text))
    view.verticalHeader().setVisible(ctx.chance(0.15))
    view.setShowGrid(ctx.chance(0.4))
    view.setAlternatingRowColors(ctx.chance(0.3))
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(round(ctx.rng.randint(20, 32) * ctx.theme.pad))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if ctx.chance(0.4):
        view.selectRow(ctx.rng.randrange(rows))
    return view


def tree(ctx: Ctx) -> QTreeWidget:
    view = QTreeWidget()
    cols = ctx.rng.randint(1, 4)
    view.setColumnCount(cols)
    view.setHeaderLabels([ctx.text(1) for _ in range(cols)])
    view.setHeaderHidden(ctx.chance(0.3))

    def fill(parent: QTreeWidget | QTreeWidgetItem, depth: int) -> None:
        for _ in range(ctx.rng.randint(1, 5 if depth else 8)):
            item = QTreeWidgetItem(
                [ctx.text(2)] + [qt_text.number(ctx.rng) for _ in range(cols - 1)]
            )
            if isinstance(parent, QTreeWidget):
                parent.addTopLevelItem(item)
            else:
                parent.addChild(item)
            if depth < 3 and ctx.chance(0.3):
                fill(item, depth + 1)

    fill(view, 0)
    view.expandAll() if ctx.chance(0.7) else view.expandToDepth(0)
    return view


def plain_text(ctx: Ctx) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    lines = [qt_text.sentence(ctx.rng, 3, 16) for _ in range(ctx.rng.randint(0, 40))]
    edit.setPlainText("\n".join(lines))
    edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    if ctx.chance(0.3):
        edit.setFont(QFont("DejaVu Sans Mono", ctx.theme.font_px - 1))
    return edit
