"""Widget factories for synthetic windows, each with the detector class it shows as.

A widget's class comes from its Qt type (see qt_labels) unless it carries a
`synth_cls` property: "radio" for linked toggle buttons (GTK reports a stack
switcher's buttons as radio buttons), "icon" for a clickable bare icon,
"skip" for parts that are not elements of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)  # fmt: skip

from . import qt_icons, qt_text
from .qt_style import Theme

CLS = "synth_cls"


WidgetT = TypeVar("WidgetT", bound=QWidget)


def tag(widget: WidgetT, cls: str) -> WidgetT:
    widget.setProperty(CLS, cls)
    return widget


@dataclass
class Ctx:
    """What every factory needs: the seeded random source and the window's look."""

    rng: random.Random
    theme: Theme
    icon_folder: str
    symbolic: bool

    @property
    def icon_color(self) -> str | None:
        return self.theme.fg if self.symbolic else None

    def any_icon(self, size: int = 16) -> QIcon:
        path = self.rng.choice(qt_icons.icon_files(self.icon_folder))
        return qt_icons.icon(path, size, self.theme.scale, self.icon_color)

    def any_pixmap(self, size: int = 16) -> QPixmap:
        path = self.rng.choice(qt_icons.icon_files(self.icon_folder))
        return qt_icons.pixmap(path, size, self.theme.scale, self.icon_color)

    def named_icon(self, name: str, size: int = 16, folder: str = qt_icons.ACTIONS) -> QIcon:
        path = qt_icons.named(folder, name) or qt_icons.named(qt_icons.UI, name)
        if path is None:
            return self.any_icon(size)
        return qt_icons.icon(path, size, self.theme.scale, self.theme.fg)

    def text(self, max_words: int = 2) -> str:
        return qt_text.label(self.rng, max_words)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


class Switch(QAbstractButton):
    """A GTK-style on/off switch: a pill-shaped track with a round knob."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setCheckable(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        p = max(0.85, min(1.2, self.theme.pad))
        return QSize(round(48 * p), round(26 * p))

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        on = self.isChecked()
        painter.setPen(QPen(QColor(t.accent if on else t.border_dark), 1))
        painter.setBrush(QColor(t.accent if on else t.trough))
        rad = r.height() / 2 if t.radius else 2.0
        painter.drawRoundedRect(r, rad, rad)
        d = r.height() - 2
        knob = QRectF(r.right() - d - 1 if on else r.left() + 1, r.top() + 1, d, d)
        painter.setPen(QPen(QColor(t.border_dark), 1))
        painter.setBrush(QColor(t.btn_top if not t.dark else "#dededc"))
        painter.drawRoundedRect(knob, rad - 1, rad - 1)
        painter.end()


def fixed(widget: QWidget) -> QWidget:
    widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return widget


def push(ctx: Ctx, text: str | None = None, *, icon: bool = False) -> QPushButton:
    b = QPushButton(text if text is not None else ctx.text())
    if icon:
        b.setIcon(ctx.any_icon(16))
    if ctx.chance(0.12):
        b.setCheckable(True)
        b.setChecked(ctx.chance(0.5))
    if ctx.chance(0.05):
        b.setEnabled(False)
    if ctx.chance(0.08):
        b.setProperty(ctx.rng.choice(("suggested", "destructive")), True)
    return b


def tool(ctx: Ctx, *, size: int = 16, flat: bool = False, text: str | None = None,
         icon: QIcon | None = None) -> QToolButton:  # fmt: skip
    b = QToolButton()
    b.setIcon(icon if icon is not None else ctx.any_icon(size))
    b.setIconSize(QSize(size, size))
    b.setAutoRaise(flat)
    if text:
        b.setText(text)
        b.setToolButtonStyle(
            ctx.rng.choice((Qt.ToolButtonStyle.ToolButtonTextBesideIcon,
                            Qt.ToolButtonStyle.ToolButtonTextUnderIcon))
        )  # fmt: skip
    return b


def entry(ctx: Ctx, *, placeholder: bool | None = None) -> QLineEdit:
    e = QLineEdit()
    if placeholder if placeholder is not None else ctx.chance(0.5):
        e.setPlaceholderText(ctx.text(3))
    else:
        e.setText(ctx.rng.choice((ctx.text(3), qt_text.number(ctx.rng), "")))
    if ctx.chance(0.05):
        e.setEnabled(False)
    if ctx.chance(0.04):
        e.setProperty("focused", True)
    e.setCursorPosition(0)
    return e


def search_entry(ctx: Ctx) -> QLineEdit:
    """An entry with an inline search icon (and sometimes a clear icon): the icons are `icon`."""
    e = entry(ctx, placeholder=True)
    if ctx.chance(0.4):
        e.setPlaceholderText(
            ctx.rng.choice(("Search", "Search…", "Find", "Filter", "Type to search"))
        )
    name = ctx.rng.choice(("edit-find-symbolic", "system-search-symbolic"))
    e.addAction(ctx.named_icon(name), QLineEdit.ActionPosition.LeadingPosition)
    if ctx.chance(0.5):
        e.setText(ctx.text(2))
        e.addAction(
            ctx.named_icon("edit-clear-symbolic"), QLineEdit.ActionPosition.TrailingPosition
        )
    for button in e.findChildren(QToolButton):
        tag(button, "icon")
    e.setCursorPosition(0)
    return e


def combo(ctx: Ctx, *, editable: bool | None = None) -> QComboBox:
    c = QComboBox()
    c.addItems([ctx.text() for _ in range(ctx.rng.randint(2, 6))])
    c.setEditable(editable if editable is not None else ctx.chance(0.2))
    if ctx.chance(0.04):
        c.setEnabled(False)
    return c


def spin(ctx: Ctx) -> QWidget:
    s: QSpinBox | QDoubleSpinBox
    if ctx.chance(0.7):
        s = QSpinBox()
        s.setRange(0, 1000)
        s.setValue(ctx.rng.randint(0, 100))
    else:
        s = QDoubleSpinBox()
        s.setRange(0, 1000)
        s.setValue(ctx.rng.uniform(0, 100))
    if ctx.chance(0.05):
        s.setEnabled(False)
    return s


def check(ctx: Ctx, text: str | None = None) -> QCheckBox:
    c = QCheckBox(text if text is not None else ctx.text(3))
    c.setCheckState(ctx.rng.choice((Qt.CheckState.Checked, Qt.CheckState.Unchecked,
                                    Qt.CheckState.Unchecked, Qt.CheckState.PartiallyChecked)
                                   if ctx.chance(0.15) else (Qt.CheckState.Checked,
                                                             Qt.CheckState.Unchecked)))  # fmt: skip
    if ctx.chance(0.08):
        c.setEnabled(False)
    return c


def radios(ctx: Ctx, n: int) -> list[QRadioButton]:
    out = []  # radios that share a parent are exclusive already
    for _ in range(n):
        r = QRadioButton(ctx.text(3))
        out.append(r)
        if ctx.chance(0.06):
            r.setEnabled(False)
    if out and ctx.chance(0.9):
        ctx.rng.choice(out).setChecked(True)
    return out


def switch(ctx: Ctx) -> Switch:
    s = Switch(ctx.theme)
    s.setChecked(ctx.chance(0.5))
    return s


def slider(ctx: Ctx, vertical: bool = False) -> QSlider:
    s = QSlider(Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal)
    s.setRange(0, 100)
    s.setValue(ctx.rng.randint(0, 100))
    if ctx.chance(0.15):
        s.setTickPosition(QSlider.TickPosition.TicksBelow)
    return s


def link(ctx: Ctx) -> QLabel:
    """A standalone link: the whole label is the element (GTK's link button)."""
    text = ctx.rng.choice((ctx.text(3), "example.org", "Learn more", "Privacy policy", "Help"))
    lab = QLabel(f'<a href="https://example.org/">{text}</a>')
    lab.setTextFormat(Qt.TextFormat.RichText)
    fixed(lab)
    return tag(lab, "link")


def clickable_icon(ctx: Ctx, size: int = 16) -> QLabel:
    lab = QLabel()
    lab.setPixmap(ctx.any_pixmap(size))
    fixed(lab)
    return tag(lab, "icon")


def progress(ctx: Ctx) -> QProgressBar:
    p = QProgressBar()
    p.setValue(ctx.rng.randint(0, 100))
    p.setTextVisible(False)
    return p


def text_label(ctx: Ctx, text: str | None = None, *, bold: bool = False) -> QLabel:
    lab = QLabel(text if text is not None else ctx.text(3))
    if bold:
        lab.setObjectName("title")
    return lab


def separator(vertical: bool = False) -> QFrame:
    f = QFrame()
    f.setFrameShape(QFrame.Shape.VLine if vertical else QFrame.Shape.HLine)
    f.setFrameShadow(QFrame.Shadow.Sunken)
    return f


def linked(ctx: Ctx, n: int, *, cls: str = "button", icons: bool = False) -> QWidget:
    """A row of joined buttons (GTK's "linked" box); as radios, one is checked."""
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0 if ctx.chance(0.7) else 4)
    group = QButtonGroup(box)
    group.setExclusive(cls == "radio")
    for _ in range(n):
        b = tool(ctx, size=16) if icons else QToolButton()
        if not icons:
            b.setText(ctx.text())
        b.setCheckable(cls == "radio")
        group.addButton(b)
        tag(b, cls)
        lay.addWidget(b)
    buttons = group.buttons()
    if cls == "radio" and buttons:
        ctx.rng.choice(buttons).setChecked(True)
    return box
