"""Window chrome: GTK header bars, window-manager title bars, menu bars, toolbars, status bars."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMenuBar,
    QSizePolicy,
    QStatusBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)  # fmt: skip

from . import qt_text
from . import qt_widgets as W
from .qt_style import hsl, shade
from .qt_widgets import Ctx

MENU_TITLES = ("File", "Edit", "View", "Search", "Document", "Insert", "Format", "Tools",
               "Go", "Bookmarks", "Image", "Calculator", "Window", "Help")  # fmt: skip
CONTROLS = ("window-minimize-symbolic", "window-maximize-symbolic", "window-close-symbolic")


def _controls(ctx: Ctx) -> list[str]:
    """Which window buttons the decoration layout shows (GTK's default is close only)."""
    return ctx.rng.choice(
        (list(CONTROLS), list(CONTROLS), [CONTROLS[2]], [CONTROLS[0]], [CONTROLS[0], CONTROLS[2]])
    )


def header_bar(ctx: Ctx, title: str) -> QFrame:
    """A GTK client-side header bar: buttons, a title or stack switcher, menu and window buttons."""
    bar = QFrame()
    bar.setObjectName("headerbar")
    lay = QHBoxLayout(bar)
    m = round(6 * ctx.theme.pad)
    lay.setContentsMargins(m, m, m, m)
    lay.setSpacing(m)
    for _ in range(ctx.rng.choice((0, 0, 1, 1, 2, 3))):
        if ctx.chance(0.6):
            lay.addWidget(W.tool(ctx, size=16, flat=ctx.chance(0.3)))
        else:
            lay.addWidget(W.push(ctx, ctx.rng.choice(("Open", "New", "Back", ctx.text()))))
    lay.addStretch(1)
    middle = ctx.rng.random()
    if middle < 0.45:
        center = QWidget()
        col = QVBoxLayout(center)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(W.text_label(ctx, title, bold=True), 0, Qt.AlignmentFlag.AlignHCenter)
        if ctx.chance(0.3):
            col.addWidget(W.text_label(ctx, ctx.text(3)), 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(center)
    elif middle < 0.8:  # a stack switcher: GTK reports its buttons as radio buttons
        lay.addWidget(W.linked(ctx, ctx.rng.randint(2, 4), cls="radio"))
    else:
        e = W.search_entry(ctx)
        e.setMinimumWidth(round(220 * ctx.theme.pad))
        lay.addWidget(e)
    lay.addStretch(1)
    for _ in range(ctx.rng.choice((0, 0, 1, 2))):
        lay.addWidget(W.tool(ctx, size=16, flat=ctx.chance(0.3)))
    if ctx.chance(0.8):
        menu = W.tool(ctx, size=16, icon=ctx.named_icon("open-menu-symbolic"))
        menu.setObjectName("hamburger")
        menu.setCheckable(True)
        lay.addWidget(menu)
    if ctx.chance(0.3):
        lay.addWidget(W.separator(vertical=True))
    for name in _controls(ctx):
        b = W.tool(ctx, size=16, flat=True, icon=ctx.named_icon(name))
        b.setProperty("round", True)
        lay.addWidget(b)
    return bar


def wm_title_bar(ctx: Ctx, title: str) -> QFrame:
    """A window manager's title bar (Openbox-like): a gradient strip with small buttons."""
    bar = QFrame()
    bar.setObjectName("wmbar")
    rng = ctx.rng
    if rng.random() < 0.6:
        top, bottom, fg = (
            hsl(0.6 + rng.uniform(-0.05, 0.05), 0.5, 0.62),
            hsl(0.6, 0.55, 0.45),
            "#ffffff",
        )
    else:
        top = ctx.theme.header_top
        bottom, fg = shade(top, 0.92), ctx.theme.fg
    height = rng.randint(18, 26)
    btn = height - rng.randint(4, 8)
    bar.setStyleSheet(
        f"#wmbar {{ background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 {top}, "
        f"stop:1 {bottom}); border: none; min-height: {height}px; max-height: {height}px; }}"
        f"#wmbar QLabel {{ color: {fg}; font-weight: bold; }}"
        f"#wmbar QToolButton {{ border: 1px solid {fg}; border-radius: 1px; padding: 0px;"
        f" min-height: 0px; background: transparent; width: {btn}px; height: {btn}px; }}"
    )  # fmt: skip
    lay = QHBoxLayout(bar)
    lay.setContentsMargins(3, 1, 3, 1)
    lay.setSpacing(2)
    app_icon = QLabel()
    app_icon.setPixmap(ctx.any_pixmap(btn))
    lay.addWidget(app_icon)  # the window menu: not an element the app reports
    lay.addStretch(1)
    lay.addWidget(QLabel(title))
    lay.addStretch(1)
    for name in CONTROLS:
        b = W.tool(ctx, size=btn - 4, icon=ctx.named_icon(name, btn - 4))
        lay.addWidget(b)
    return bar


def menu_bar(ctx: Ctx) -> QMenuBar:
    bar = QMenuBar()
    titles = ["File", *ctx.rng.sample(MENU_TITLES[1:-1], ctx.rng.randint(1, 5)), "Help"]
    for t in titles:
        bar.addMenu(t if ctx.chance(0.92) else qt_text.word(ctx.rng, 1.0))
    return bar


def fill_menu(ctx: Ctx, menu: QMenu) -> None:
    """Items with shortcuts, separators, check marks, submenus and disabled entries."""
    n = ctx.rng.randint(3, 14)
    for i in range(n):
        if 0 < i < n - 1 and ctx.chance(0.15):
            menu.addSeparator()
            continue
        if ctx.chance(0.08):
            menu.addMenu(ctx.text())
            continue
        action = QAction(ctx.text(3), menu)
        if ctx.chance(0.45):
            action.setShortcut(QKeySequence(ctx.rng.choice(qt_text.SHORTCUTS)))
        if ctx.chance(0.1):
            action.setCheckable(True)
            action.setChecked(ctx.chance(0.5))
        if ctx.chance(0.12):
            action.setEnabled(False)
        if ctx.chance(0.15):
            action.setIcon(ctx.any_icon(16))
        menu.addAction(action)


def tool_bar(ctx: Ctx) -> QToolBar:
    """A row of icon buttons (flat, as in GTK toolbars), sometimes with text or a search field."""
    bar = QToolBar()
    size = ctx.rng.choice((16, 16, 22, 24, 24, 32))
    bar.setIconSize(QSize(size, size))
    style = ctx.rng.choices(
        (Qt.ToolButtonStyle.ToolButtonIconOnly, Qt.ToolButtonStyle.ToolButtonTextUnderIcon,
         Qt.ToolButtonStyle.ToolButtonTextBesideIcon), (0.7, 0.15, 0.15))[0]  # fmt: skip
    bar.setToolButtonStyle(style)
    for i in range(ctx.rng.randint(3, 14)):
        if i and ctx.chance(0.15):
            bar.addSeparator()
        bar.addAction(ctx.any_icon(size), ctx.text())
    if ctx.chance(0.3):
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(W.search_entry(ctx) if ctx.chance(0.6) else W.combo(ctx))
    return bar


def status_bar(ctx: Ctx) -> QStatusBar:
    bar = QStatusBar()
    bar.setSizeGripEnabled(False)
    bar.addWidget(W.text_label(ctx, qt_text.sentence(ctx.rng, 2, 7)))
    if ctx.chance(0.3):
        bar.addPermanentWidget(
            W.text_label(ctx, f"Ln {ctx.rng.randint(1, 99)}, Col {ctx.rng.randint(1, 80)}")
        )
    if ctx.chance(0.25):
        bar.addPermanentWidget(W.combo(ctx, editable=False))
    if ctx.chance(0.2):
        bar.addPermanentWidget(W.tool(ctx, size=16, flat=True))
    return bar
