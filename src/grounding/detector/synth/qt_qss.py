"""The GTK-like Qt stylesheet for a `Theme` (Adwaita's shapes, the theme's colours)."""

from __future__ import annotations

from string import Template

from .qt_style import Theme, asset, shade

_QSS = Template("""
#window { background: $bg; }
QPushButton, QToolButton, QComboBox {
  color: $fg; border: ${bw}px solid $border; border-bottom-color: $border_dark;
  border-radius: ${r}px; padding: ${pv}px ${ph}px; min-height: ${mh}px;
  background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 $btn_top, stop:1 $btn_bot);
}
QToolButton { padding: ${pv}px ${pv}px; }
QPushButton:checked, QToolButton:checked { background: $btn_checked; }
QPushButton:disabled, QToolButton:disabled, QComboBox:disabled { color: $muted; background: $bg; }
QPushButton[suggested="true"] { background: $accent; color: $accent_fg;
  border-color: $accent_dark; }
QPushButton[destructive="true"] { background: #c01c28; color: #ffffff; border-color: #a51d2d; }
QToolButton[autoRaise="true"] { background: transparent; border-color: transparent; }
QToolButton[autoRaise="true"]:checked { background: $btn_checked; border-color: $border; }
QToolButton[round="true"] { border-radius: ${round}px; }
QToolButton::menu-indicator { image: none; width: 0px; }
QLineEdit, QAbstractSpinBox, QComboBox[editable="true"] {
  background: $base; color: $text; border: ${bw}px solid $border; border-radius: ${r}px;
  padding: ${pv}px ${pe}px; min-height: ${mh}px;
  selection-background-color: $accent; selection-color: $accent_fg;
}
QLineEdit:disabled, QAbstractSpinBox:disabled { color: $muted; background: $bg; }
QLineEdit[focused="true"] { border: 2px solid $accent_soft; }
QLineEdit QToolButton { border: none; background: transparent; padding: 0px; min-height: 0px; }
QTextEdit, QPlainTextEdit {
  background: $base; color: $text; border: ${bw}px solid $border;
  selection-background-color: $accent; selection-color: $accent_fg;
}
QComboBox { padding-right: ${dd}px; }
QComboBox::drop-down { subcontrol-origin: border; subcontrol-position: center right;
  width: ${dd}px; border: none; background: transparent; }
QComboBox[editable="true"]::drop-down { border-left: ${bw}px solid $border;
  background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 $btn_top, stop:1 $btn_bot); }
QComboBox::down-arrow { image: url($arrow); width: ${arrow}px; height: ${arrow}px; }
QComboBox QAbstractItemView { background: $menu_bg; color: $fg; }
QAbstractSpinBox { padding-right: ${spin2}px; }
QAbstractSpinBox::up-button { subcontrol-origin: border; subcontrol-position: right;
  width: ${spin}px; border: none; border-left: ${bw}px solid $border; background: transparent; }
QAbstractSpinBox::down-button { subcontrol-origin: border; subcontrol-position: right;
  right: ${spin}px; width: ${spin}px; border: none; border-left: ${bw}px solid $border;
  background: transparent; }
QAbstractSpinBox::up-arrow { image: url($plus); width: ${arrow}px; height: ${arrow}px; }
QAbstractSpinBox::down-arrow { image: url($minus); width: ${arrow}px; height: ${arrow}px; }
QCheckBox, QRadioButton { color: $fg; spacing: ${spacing}px; }
QCheckBox:disabled, QRadioButton:disabled { color: $muted; }
QCheckBox::indicator, QRadioButton::indicator { width: ${ind}px; height: ${ind}px;
  border: ${bw}px solid $border_dark; background: $base; }
QCheckBox::indicator { border-radius: ${ind_r}px; }
QRadioButton::indicator { border-radius: ${ind_half}px; }
QCheckBox::indicator:checked { background: $accent; border-color: $accent_dark;
  image: url($check); }
QRadioButton::indicator:checked { border-color: $accent_dark; background: qradialgradient(
  cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5, stop:0 $accent_fg, stop:0.3 $accent_fg,
  stop:0.38 $accent, stop:1 $accent); }
QSlider { min-height: ${slider}px; min-width: ${slider}px; }
QSlider::groove:horizontal { height: ${groove}px; background: $trough;
  border-radius: ${groove_r}px; }
QSlider::groove:vertical { width: ${groove}px; background: $trough; border-radius: ${groove_r}px; }
QSlider::sub-page:horizontal, QSlider::add-page:vertical { background: $accent;
  border-radius: ${groove_r}px; }
QSlider::handle { width: ${handle}px; height: ${handle}px; border-radius: ${handle_r}px;
  border: ${bw}px solid $border_dark;
  background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 $btn_top, stop:1 $btn_bot); }
QSlider::handle:horizontal { margin: -${handle_m}px 0px; }
QSlider::handle:vertical { margin: 0px -${handle_m}px; }
QTabWidget::pane { border: ${bw}px solid $border; background: $pane; }
QTabBar::tab { color: $muted; padding: ${tpv}px ${tph}px; border: none; background: $header_bot; }
QTabBar::tab:top, QTabBar::tab:bottom { min-height: ${tabh}px; }
QTabBar::tab:left, QTabBar::tab:right { min-width: ${tabw}px; min-height: ${tabh}px; }
QTabBar::tab:selected { color: $fg; $tab_selected }
QTabBar::tab:disabled { color: $muted; }
QMenuBar { background: $menubar; color: $fg; border-bottom: ${bw}px solid $border; }
QMenuBar::item { padding: ${mpv}px ${mph}px; background: transparent; }
QMenuBar::item:selected { background: $accent; color: $accent_fg; }
QMenu { background: $menu_bg; color: $fg; border: ${bw}px solid $border;
  padding: ${menu_pad}px 0px; }
QMenu::item { padding: ${mpv}px ${menu_ph}px ${mpv}px ${menu_pl}px; background: transparent; }
QMenu::item:selected { background: $accent; color: $accent_fg; }
QMenu::item:disabled { color: $muted; }
QMenu::separator { height: 1px; background: $border; margin: ${menu_pad}px 0px; }
QMenu::right-arrow { image: url($right); width: ${arrow}px; height: ${arrow}px; }
QAbstractItemView { background: $base; color: $text; border: ${bw}px solid $border;
  alternate-background-color: $alt; selection-background-color: $accent;
  selection-color: $accent_fg; gridline-color: $border; outline: none; }
QAbstractItemView::item { padding: ${row}px ${row2}px; }
QHeaderView::section { background: $base; color: $muted; border: none; font-weight: bold;
  border-right: 1px solid $border; border-bottom: 1px solid $border; padding: 3px 6px; }
QScrollBar:vertical { width: ${sb}px; background: transparent; border: none; margin: 0px; }
QScrollBar:horizontal { height: ${sb}px; background: transparent; border: none; margin: 0px; }
QScrollBar::handle { background: $scroll; border-radius: ${sb_r}px; min-height: 24px;
  min-width: 24px; }
QScrollBar::add-line, QScrollBar::sub-line { width: 0px; height: 0px; border: none; }
QScrollBar::add-page, QScrollBar::sub-page { background: transparent; }
QProgressBar { background: $trough; border: none; border-radius: 3px; max-height: 6px;
  color: transparent; }
QProgressBar::chunk { background: $accent; border-radius: 3px; }
QGroupBox { border: ${bw}px solid $border; margin-top: 1.4em; padding-top: 4px; font-weight: bold; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0px 3px; }
#headerbar { border-bottom: ${bw}px solid $border_dark;
  background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 $header_top, stop:1 $header_bot); }
#title { font-weight: bold; }
#sidebar { background: $sidebar; }
QStatusBar { color: $fg; }
QToolTip { background: $menu_bg; color: $fg; }
""")


def stylesheet(t: Theme) -> str:
    """A stylesheet whose sizes are logical pixels (the render scale multiplies them)."""
    p = t.pad
    bw = t.border_width
    accent_dark = shade(t.accent, 0.8)
    if t.tab_style == "underline":
        tab_selected = f"border-bottom: 3px solid {t.accent}; background: {t.header_bot};"
    elif t.tab_style == "boxed":
        tab_selected = (f"background: {t.base}; border: {bw}px solid {t.border}; "
                        f"border-bottom: none; border-top-left-radius: {t.radius}px; "
                        f"border-top-right-radius: {t.radius}px;")  # fmt: skip
    else:
        tab_selected = f"background: {t.accent}; color: {t.accent_fg}; border-radius: {t.radius}px;"
    ind = round(14 * min(1.25, max(0.85, p)))
    spin = round(30 * p)
    handle = 18 if t.kind != "flat" else 16
    values = dict(
        bw=bw, r=t.radius, pv=max(1, round(4 * p)), ph=max(3, round(10 * p)),
        pe=max(3, round(8 * p)), mh=round(22 * min(1.2, p)), round=round(12 * p) + 4,
        dd=round(28 * p), arrow=10, spin=spin, spin2=2 * spin + 4,
        spacing=round(6 * p), ind=ind, ind_r=min(t.radius, 4), ind_half=ind // 2 + 1,
        slider=round(26 * p), groove=4, groove_r=2, handle=handle, handle_r=handle // 2 + 1,
        handle_m=(handle - 4) // 2 + 1, tpv=max(2, round(3 * p)), tph=round(12 * p),
        tabh=round(24 * p), tabw=round(40 * p), mpv=max(2, round(4 * p)), mph=round(8 * p),
        menu_pad=max(2, round(4 * p)), menu_ph=round(20 * p), menu_pl=round(12 * p),
        row=max(1, round(3 * p)), row2=round(6 * p), sb=8 if t.kind != "flat" else 10,
        sb_r=4, accent_dark=accent_dark, accent_soft=shade(t.accent, 1.2),
        tab_selected=tab_selected,
        pane=t.base if t.kind != "flat" else t.bg, menubar=t.bg, alt=shade(t.base, 0.97),
        scroll=t.muted, sidebar=shade(t.bg, 0.98 if not t.dark else 0.9),
    )  # fmt: skip
    colors = {k: v for k, v in vars_of(t).items() if isinstance(v, str)}
    arrow_kind = "tri" if t.kind.startswith("high") or t.kind == "adwaita" else "down"
    urls = dict(
        arrow=asset(arrow_kind, t.fg), check=asset("check", t.accent_fg),
        plus=asset("plus", t.fg), minus=asset("minus", t.fg), right=asset("right", t.fg),
    )  # fmt: skip
    return _QSS.substitute({**colors, **values, **urls})


def vars_of(t: Theme) -> dict[str, object]:
    return {name: getattr(t, name) for name in t.__dataclass_fields__}
