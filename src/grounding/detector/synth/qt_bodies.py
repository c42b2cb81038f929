"""Window contents: the kinds of app a synthetic window imitates.

Each body is a QWidget with a layout; the scene puts chrome around it. Kinds:
factory (columns of every widget, like gtk3-widget-factory), form (a dialog
of labelled fields with OK/Cancel), browser (sidebar + table, tree or icon
grid), editor (document tabs + text, like mousepad), calculator (a grid of
one-character buttons, like galculator), settings (boxed rows with switches),
notebooks (tab widgets on every side) and dialog (a message with buttons).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)  # fmt: skip

from . import qt_text
from . import qt_views as V
from . import qt_widgets as W
from .qt_widgets import Ctx


def _box(vertical: bool, ctx: Ctx, margin: int | None = None) -> tuple[QWidget, QBoxLayout]:
    w = QWidget()
    lay: QBoxLayout = QVBoxLayout(w) if vertical else QHBoxLayout(w)
    m = round(ctx.rng.choice((6, 12, 18)) * ctx.theme.pad) if margin is None else margin
    lay.setContentsMargins(m, m, m, m)
    lay.setSpacing(round(ctx.rng.choice((4, 6, 8, 10)) * ctx.theme.pad))
    return w, lay


# Groups of widgets for the factory body: each adds to a vertical layout.
def _g_entries(ctx: Ctx, lay: QBoxLayout) -> None:
    for _ in range(ctx.rng.randint(1, 4)):
        lay.addWidget(W.search_entry(ctx) if ctx.chance(0.2) else W.entry(ctx))


def _g_combos(ctx: Ctx, lay: QBoxLayout) -> None:
    if ctx.chance(0.4):  # joined drop-downs, like GTK's linked combo boxes
        row = QHBoxLayout()
        row.setSpacing(0)
        for _ in range(ctx.rng.randint(2, 3)):
            row.addWidget(W.combo(ctx, editable=False))
        lay.addLayout(row)
    for _ in range(ctx.rng.randint(1, 3)):
        lay.addWidget(W.combo(ctx))


def _g_spins(ctx: Ctx, lay: QBoxLayout) -> None:
    row = QHBoxLayout()
    if ctx.chance(0.5):
        row.addWidget(W.text_label(ctx, ctx.text(1)))
    for _ in range(ctx.rng.randint(1, 2)):
        row.addWidget(W.spin(ctx))
    lay.addLayout(row)


def _g_checks(ctx: Ctx, lay: QBoxLayout) -> None:
    grid = QGridLayout()
    n = ctx.rng.randint(2, 6)
    radios = W.radios(ctx, n) if ctx.chance(0.6) else []
    for i in range(n):
        grid.addWidget(W.check(ctx), i, 0)
        if radios:
            grid.addWidget(radios[i], i, 1)
    lay.addLayout(grid)


def _g_buttons(ctx: Ctx, lay: QBoxLayout) -> None:
    for _ in range(ctx.rng.randint(1, 4)):
        lay.addWidget(W.push(ctx, icon=ctx.chance(0.2)))
    if ctx.chance(0.4):
        lay.addWidget(W.linked(ctx, ctx.rng.randint(2, 4), cls=ctx.rng.choice(("button", "radio")),
                               icons=ctx.chance(0.5)), 0, Qt.AlignmentFlag.AlignLeft)  # fmt: skip
    if ctx.chance(0.4):
        lay.addWidget(W.link(ctx), 0, Qt.AlignmentFlag.AlignHCenter)
    if ctx.chance(0.25):  # bare clickable icons, like GTK's image buttons without a frame
        row = QHBoxLayout()
        for _ in range(ctx.rng.randint(1, 5)):
            row.addWidget(W.clickable_icon(ctx, ctx.rng.choice((16, 16, 24, 32))))
        row.addStretch(1)
        lay.addLayout(row)


def _g_switches(ctx: Ctx, lay: QBoxLayout) -> None:
    for _ in range(ctx.rng.randint(1, 3)):
        row = QHBoxLayout()
        if ctx.chance(0.6):
            row.addWidget(W.text_label(ctx))
            row.addStretch(1)
        row.addWidget(W.switch(ctx))
        lay.addLayout(row)


def _g_sliders(ctx: Ctx, lay: QBoxLayout) -> None:
    if ctx.chance(0.5):
        for _ in range(ctx.rng.randint(1, 3)):
            lay.addWidget(W.progress(ctx))
    if ctx.chance(0.3):
        row = QHBoxLayout()
        for _ in range(ctx.rng.randint(1, 3)):
            s = W.slider(ctx, vertical=True)
            s.setMinimumHeight(round(120 * ctx.theme.pad))
            row.addWidget(s)
        lay.addLayout(row)
    else:
        for _ in range(ctx.rng.randint(1, 3)):
            lay.addWidget(W.slider(ctx))


def _g_view(ctx: Ctx, lay: QBoxLayout) -> None:
    view = ctx.rng.choice((V.table, V.tree, V.plain_text, V.item_list))(ctx)
    view.setMinimumHeight(round(ctx.rng.randint(100, 260) * ctx.theme.pad))
    lay.addWidget(view, 1)


def _g_frame(ctx: Ctx, lay: QBoxLayout) -> None:
    box = QGroupBox(ctx.text())
    inner = QVBoxLayout(box)
    ctx.rng.choice((_g_checks, _g_entries, _g_buttons, _g_switches))(ctx, inner)
    lay.addWidget(box)


def _g_tabs(ctx: Ctx, lay: QBoxLayout) -> None:
    tabs = QTabWidget()
    tabs.setDocumentMode(ctx.chance(0.3))
    for _ in range(ctx.rng.randint(2, 5)):
        page, page_lay = _box(True, ctx)
        ctx.rng.choice((_g_checks, _g_entries, _g_buttons, _g_switches, _g_sliders))(ctx, page_lay)
        page_lay.addStretch(1)
        tabs.addTab(page, ctx.text(1).lower() if ctx.chance(0.3) else ctx.text(2))
    lay.addWidget(tabs, 1)


GROUPS: tuple[Callable[[Ctx, QBoxLayout], None], ...] = (
    _g_tabs, _g_sliders, _g_entries, _g_combos, _g_spins, _g_checks, _g_buttons,
    _g_switches, _g_sliders, _g_view, _g_frame, _g_checks, _g_buttons, _g_entries,
)  # fmt: skip


def factory(ctx: Ctx) -> QWidget:
    body, lay = _box(False, ctx)
    for c in range(ctx.rng.randint(2, 6)):
        if c and ctx.chance(0.5):
            lay.addWidget(W.separator(vertical=True))
        col, col_lay = _box(True, ctx, 0)
        for group in ctx.rng.sample(GROUPS, ctx.rng.randint(2, 5)):
            group(ctx, col_lay)
        col_lay.addStretch(1)
        lay.addWidget(col, ctx.rng.choice((0, 1, 1, 2)))
    return body


def form(ctx: Ctx) -> QWidget:
    body, lay = _box(True, ctx)
    if ctx.chance(0.25):  # a preferences dialog's pages
        bar = QTabBar()
        bar.setExpanding(False)
        for _ in range(ctx.rng.randint(2, 5)):
            bar.addTab(ctx.text())
        bar.setCurrentIndex(ctx.rng.randrange(bar.count()))
        lay.addWidget(bar)
    if ctx.chance(0.4):
        lay.addWidget(W.text_label(ctx, ctx.text(3), bold=True))
    grid = QGridLayout()
    grid.setHorizontalSpacing(round(12 * ctx.theme.pad))
    makers = (W.entry, W.entry, W.combo, W.spin, W.search_entry, W.switch, W.slider, W.slider)
    for row in range(ctx.rng.randint(2, 10)):
        kind = ctx.rng.random()
        if kind < 0.15:
            grid.addWidget(W.check(ctx), row, 1)
            continue
        grid.addWidget(W.text_label(ctx, ctx.text() + ":"), row, 0, Qt.AlignmentFlag.AlignRight)
        if kind < 0.25:
            radios = QHBoxLayout()
            for r in W.radios(ctx, ctx.rng.randint(2, 3)):
                radios.addWidget(r)
            radios.addStretch(1)
            grid.addLayout(radios, row, 1)
        else:
            widget = ctx.rng.choice(makers)(ctx)
            grid.addWidget(widget, row, 1, Qt.AlignmentFlag.AlignLeft if isinstance(
                widget, W.Switch) else Qt.AlignmentFlag(0))  # fmt: skip
    grid.setColumnStretch(1, 1)
    lay.addLayout(grid)
    if ctx.chance(0.3):
        lay.addWidget(W.link(ctx), 0, Qt.AlignmentFlag.AlignLeft)
    lay.addStretch(1)
    lay.addLayout(button_row(ctx))
    return body


def button_row(ctx: Ctx) -> QHBoxLayout:
    row = QHBoxLayout()
    if ctx.chance(0.3):
        row.addWidget(W.push(ctx, ctx.rng.choice(("Help", "Reset", "Defaults", ctx.text()))))
    row.addStretch(1)
    names = ctx.rng.choice((("Cancel", "OK"), ("Cancel", "Apply"), ("Close",), ("No", "Yes"),
                            ("Cancel", "Save"), ("Don't Save", "Cancel", "Save"),
                            (ctx.text(), ctx.text())))  # fmt: skip
    for name in names:
        b = QPushButton(name)
        if name in ("OK", "Save", "Apply", "Yes") and ctx.chance(0.5):
            b.setProperty("suggested", True)
        row.addWidget(b)
    return row


def browser(ctx: Ctx) -> QWidget:
    body, lay = _box(False, ctx, 0 if ctx.chance(0.6) else None)
    if ctx.chance(0.75):
        side = V.item_list(ctx, icons=ctx.chance(0.7))
        side.setObjectName("sidebar")
        side.setFixedWidth(round(ctx.rng.randint(140, 260) * ctx.theme.pad))
        lay.addWidget(side)
    main, main_lay = _box(True, ctx, 0)
    if ctx.chance(0.5):
        path = QHBoxLayout()
        path.addWidget(W.linked(ctx, ctx.rng.randint(2, 5)))
        path.addStretch(1)
        if ctx.chance(0.6):
            path.addWidget(W.search_entry(ctx))
        main_lay.addLayout(path)
    main_lay.addWidget(ctx.rng.choice((V.table, V.table, V.tree, V.icon_grid, V.item_list))(ctx), 1)
    lay.addWidget(main, 1)
    return body


def editor(ctx: Ctx) -> QWidget:
    body, lay = _box(True, ctx, 0)
    lay.setSpacing(0)
    if ctx.chance(0.6):
        tabs = QTabWidget()
        tabs.setDocumentMode(ctx.chance(0.5))
        tabs.setTabsClosable(ctx.chance(0.6))
        for i in range(ctx.rng.randint(1, 6)):
            tabs.addTab(V.plain_text(ctx) if i == 0 else QWidget(), f"{ctx.text(1)}.txt")
        lay.addWidget(tabs, 1)
    else:
        lay.addWidget(V.plain_text(ctx), 1)
    if ctx.chance(0.3):  # a find bar
        bar, bar_lay = _box(False, ctx)
        bar_lay.addWidget(W.search_entry(ctx), 1)
        for name in ctx.rng.sample(("Previous", "Next", "Replace", "Replace All"), 2):
            bar_lay.addWidget(QPushButton(name))
        bar_lay.addWidget(W.check(ctx, "Match case"))
        lay.addWidget(bar)
    return body


CALC_KEYS = "7894561230.+-*/=%()" + "÷×−±√πx^"


def calculator(ctx: Ctx) -> QWidget:
    body, lay = _box(True, ctx)
    display = W.entry(ctx, placeholder=False)
    display.setText(qt_text.number(ctx.rng) if ctx.chance(0.5) else "0")
    display.setAlignment(Qt.AlignmentFlag.AlignRight)
    display.setFont(QFont(ctx.theme.font, ctx.rng.randint(16, 28), QFont.Weight.Bold))
    lay.addWidget(display)
    if ctx.chance(0.7):
        row = QHBoxLayout()
        row.addStretch(1)
        for name in ("C", "AC", "<-")[: ctx.rng.randint(1, 3)]:
            row.addWidget(QPushButton(name))
        lay.addLayout(row)
    grid = QGridLayout()
    grid.setSpacing(round(ctx.rng.choice((2, 4, 6)) * ctx.theme.pad))
    rows, cols = ctx.rng.randint(4, 6), ctx.rng.randint(3, 6)
    keys = [*list(CALC_KEYS), "MS", "MR", "M+", "sqrt", "+/-", "sin", "cos", "ln"]
    for r in range(rows):
        for c in range(cols):
            key = keys[(r * cols + c) % 16] if ctx.chance(0.7) else ctx.rng.choice(keys)
            b = QPushButton(key)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            grid.addWidget(b, r, c)
    lay.addLayout(grid, 1)
    return body


def settings(ctx: Ctx) -> QWidget:
    body, lay = _box(False, ctx, 0)
    if ctx.chance(0.5):
        side = V.item_list(ctx, icons=ctx.chance(0.5))
        side.setObjectName("sidebar")
        side.setFixedWidth(round(ctx.rng.randint(150, 240) * ctx.theme.pad))
        lay.addWidget(side)
    page, page_lay = _box(True, ctx, round(24 * ctx.theme.pad))
    for _ in range(ctx.rng.randint(1, 3)):
        if ctx.chance(0.6):
            page_lay.addWidget(W.text_label(ctx, ctx.text(2), bold=True))
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        rows = QVBoxLayout(frame)
        for i in range(ctx.rng.randint(1, 5)):
            if i:
                rows.addWidget(W.separator())
            row = QHBoxLayout()
            texts = QVBoxLayout()
            texts.addWidget(W.text_label(ctx, ctx.text(3)))
            if ctx.chance(0.3):
                texts.addWidget(W.text_label(ctx, qt_text.sentence(ctx.rng, 3, 8)))
            row.addLayout(texts, 1)
            maker = ctx.rng.choice((W.switch, W.switch, W.combo, W.push, W.spin, W.check,
                                    W.clickable_icon, W.link, W.slider))  # fmt: skip
            row.addWidget(maker(ctx))
            rows.addLayout(row)
        page_lay.addWidget(frame)
    page_lay.addStretch(1)
    lay.addWidget(page, 1)
    return body


def notebooks(ctx: Ctx) -> QWidget:
    body = QWidget()
    grid = QGridLayout(body)
    n = ctx.rng.choice((2, 2, 3, 4))
    positions = list(QTabWidget.TabPosition)
    for i in range(n):
        tabs = QTabWidget()
        tabs.setTabPosition(ctx.rng.choice(positions))
        tabs.setTabsClosable(ctx.chance(0.2))
        for _ in range(ctx.rng.randint(2, 5)):
            page, page_lay = _box(True, ctx)
            for group in ctx.rng.sample(GROUPS, ctx.rng.randint(1, 2)):
                group(ctx, page_lay)
            page_lay.addStretch(1)
            tabs.addTab(page, ctx.text(1).lower() if ctx.chance(0.3) else ctx.text(2))
        grid.addWidget(tabs, i // 2, i % 2)
    return body


def dialog(ctx: Ctx) -> QWidget:
    body, lay = _box(True, ctx, round(18 * ctx.theme.pad))
    top = QHBoxLayout()
    if ctx.chance(0.6):
        image = QLabel()
        image.setPixmap(ctx.any_pixmap(48))
        top.addWidget(image, 0, Qt.AlignmentFlag.AlignTop)
    texts = QVBoxLayout()
    texts.addWidget(W.text_label(ctx, qt_text.sentence(ctx.rng, 3, 7), bold=True))
    msg = W.text_label(ctx, qt_text.sentence(ctx.rng, 6, 20))
    msg.setWordWrap(True)
    texts.addWidget(msg)
    if ctx.chance(0.3):
        texts.addWidget(W.entry(ctx))
    if ctx.chance(0.3):
        texts.addWidget(W.check(ctx, "Do not ask again"))
    if ctx.chance(0.2):
        texts.addWidget(W.link(ctx), 0, Qt.AlignmentFlag.AlignLeft)
    top.addLayout(texts, 1)
    lay.addLayout(top)
    lay.addStretch(1)
    lay.addLayout(button_row(ctx))
    return body


BODIES: dict[str, tuple[Callable[[Ctx], QWidget], float]] = {
    "factory": (factory, 0.28), "form": (form, 0.12), "browser": (browser, 0.14),
    "editor": (editor, 0.1), "calculator": (calculator, 0.1), "settings": (settings, 0.1),
    "notebooks": (notebooks, 0.1), "dialog": (dialog, 0.06),
}  # fmt: skip
