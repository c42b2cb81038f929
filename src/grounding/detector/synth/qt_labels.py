"""Boxes of the visible elements of a rendered Qt window, from the widgets' own geometry.

Every box comes from Qt's layout (widget rects, tab rects, action rects,
item rects), clipped to what is on screen: a widget scrolled away, hidden or
covered by its parent's bounds gives no box, and neither does a greyed-out
one (as in the GTK accessibility trees the real-app labels come from).
Boxes are in the root widget's logical coordinates; the scene scales them
to image pixels.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QModelIndex, QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QListView,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSlider,
    QStyle,
    QStyleOptionButton,
    QTabBar,
    QTableView,
    QTextEdit,
    QToolButton,
    QTreeView,
    QWidget,
)  # fmt: skip

from .qt_widgets import CLS, Switch

Found = tuple[QRect, str]  # a box in root coordinates and its class
MAX_ITEMS = 400  # rows walked per view: far more than fit on a screen


def _visible(widget: QWidget) -> QRect:
    """The part of `widget` (its own coordinates) not clipped by its ancestors."""
    return widget.visibleRegion().boundingRect()


def _place(widget: QWidget, root: QWidget, rect: QRect, clip: QRect) -> QRect:
    """`rect` in `widget` coordinates, clipped to `clip`, mapped into `root`."""
    part = rect.intersected(clip)
    if part.isEmpty():
        return QRect()
    # Items cut in half or more by a scroll area's edge show too little to be labelled.
    if part.width() * part.height() * 2 < rect.width() * rect.height():
        return QRect()
    return part.translated(widget.mapTo(root, QPoint(0, 0)))


def _click_rect(button: QCheckBox | QRadioButton) -> QRect:
    """Indicator plus text, as GTK reports a check button (not the cell a layout gave it)."""
    opt = QStyleOptionButton()
    button.initStyleOption(opt)
    style = button.style()
    if isinstance(button, QCheckBox):
        ind_el, text_el = (
            QStyle.SubElement.SE_CheckBoxIndicator,
            QStyle.SubElement.SE_CheckBoxContents,
        )
    else:
        ind_el, text_el = (
            QStyle.SubElement.SE_RadioButtonIndicator,
            QStyle.SubElement.SE_RadioButtonContents,
        )
    indicator = style.subElementRect(ind_el, opt, button)
    contents = style.subElementRect(text_el, opt, button)
    if button.text():
        width = button.fontMetrics().horizontalAdvance(button.text()) + 4
        contents.setWidth(min(contents.width(), width))
        indicator = indicator.united(contents)
    return indicator.intersected(button.rect())


def _tab_rects(bar: QTabBar) -> Iterator[QRect]:
    """Each tab's label area, as GTK reports a notebook tab (its label's allocation)."""
    fm = bar.fontMetrics()
    for i in range(bar.count()):
        if not bar.isTabVisible(i) or not bar.isTabEnabled(i):
            continue
        r = bar.tabRect(i)
        inner = fm.horizontalAdvance(bar.tabText(i)) + 10
        if not bar.tabIcon(i).isNull():
            inner += bar.iconSize().width() + 4
        if bar.tabButton(i, QTabBar.ButtonPosition.RightSide) is not None:
            inner += 20
        w = min(r.width(), inner)
        yield QRect(r.center().x() - w // 2, r.top(), w, r.height())


def _tree_indexes(view: QTreeView) -> Iterator[QModelIndex]:
    """Rows of a tree in display order, descending only into expanded rows."""
    model = view.model()
    stack = [model.index(r, 0) for r in reversed(range(model.rowCount()))]
    for _ in range(MAX_ITEMS):
        if not stack:
            return
        idx = stack.pop()
        yield idx
        if view.isExpanded(idx):
            stack.extend(model.index(r, 0, idx) for r in reversed(range(model.rowCount(idx))))


def _item_rects(view: QAbstractItemView) -> Iterator[tuple[QRect, str]]:
    model = view.model()
    if model is None:
        return
    if isinstance(view, QTreeView):
        cols = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
        for idx in _tree_indexes(view):
            if view.isRowHidden(idx.row(), idx.parent()):
                continue
            for c in cols:
                yield view.visualRect(idx.siblingAtColumn(c)), "list_item"
    elif isinstance(view, QTableView):
        for row in range(min(model.rowCount(), MAX_ITEMS)):
            if view.isRowHidden(row):
                continue
            for col in range(model.columnCount()):
                if not view.isColumnHidden(col):
                    yield view.visualRect(model.index(row, col)), "list_item"
    elif isinstance(view, QListView):
        icon_mode = view.viewMode() == QListView.ViewMode.IconMode
        width = view.viewport().width()
        for row in range(min(model.rowCount(), MAX_ITEMS)):
            if view.isRowHidden(row):
                continue
            idx = model.index(row, 0)
            r = view.visualRect(idx)
            if icon_mode:
                if not str(idx.data() or ""):  # a bare icon, as in GTK's icon view
                    size = view.iconSize()
                    r = QRect(r.center().x() - size.width() // 2, r.top() + 2, size.width(),
                              size.height())  # fmt: skip
                    yield r, "icon"
                    continue
            else:
                r.setLeft(0)  # a row spans the list, as a GTK list row does
                r.setRight(width - 1)
            yield r, "list_item"


def widget_boxes(root: QWidget) -> list[Found]:
    """Every visible element inside `root` (a shown window), in `root` coordinates."""
    found: list[Found] = []

    def add(widget: QWidget, rect: QRect, cls: str, clip: QRect | None = None) -> None:
        placed = _place(widget, root, rect, _visible(widget) if clip is None else clip)
        if not placed.isEmpty():
            found.append((placed, cls))

    for w in root.findChildren(QWidget):
        if not w.isVisible():
            continue
        cls = w.property(CLS)
        if cls == "skip":
            continue
        if not w.isEnabled() and cls != "icon":
            # Greyed out (itself or a parent): GTK's accessibility tree, which the
            # real-app labels and the bench follow, drops insensitive controls, so
            # here they are background too, not elements.
            continue
        if isinstance(cls, str):
            rect = w.rect()
            if cls == "icon" and isinstance(w, QToolButton):  # an entry's inline icon
                s = w.iconSize().boundedTo(w.size())
                corner = rect.center() - QPoint(s.width() // 2 - 1, s.height() // 2 - 1)
                rect = QRect(corner, s)
            add(w, rect, cls)
        elif isinstance(w, QCheckBox):
            add(w, _click_rect(w), "checkbox")
        elif isinstance(w, QRadioButton):
            add(w, _click_rect(w), "radio")
        elif isinstance(w, QPushButton | QToolButton):
            add(w, w.rect(), "button")
        elif isinstance(w, Switch):
            add(w, w.rect(), "toggle")
        elif isinstance(w, QLineEdit):
            if not isinstance(w.parent(), QAbstractSpinBox):  # the spin box is the field
                add(w, w.rect(), "text_field")
        elif isinstance(w, QAbstractSpinBox | QTextEdit | QPlainTextEdit):
            add(w, w.rect(), "text_field")
        elif isinstance(w, QComboBox):
            add(w, w.rect(), "dropdown")
        elif isinstance(w, QSlider):
            add(w, w.rect(), "slider")
        elif isinstance(w, QTabBar):
            for r in _tab_rects(w):
                add(w, r, "tab")
        elif isinstance(w, QMenuBar):
            for action in w.actions():
                if action.isVisible() and action.isEnabled() and not action.isSeparator():
                    add(w, w.actionGeometry(action), "menu_item")
        elif isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView):
            port = w.viewport()
            clip = _visible(port)
            for r, item_cls in _item_rects(w):
                placed = _place(port, root, r, clip)
                if not placed.isEmpty():
                    found.append((placed, item_cls))
    return found


def menu_boxes(menu: QMenu) -> list[Found]:
    """The enabled items of an open menu, in the menu's own coordinates."""
    return [
        (menu.actionGeometry(a), "menu_item")
        for a in menu.actions()
        if a.isVisible() and a.isEnabled() and not a.isSeparator()
        and not menu.actionGeometry(a).isEmpty()
    ]  # fmt: skip
