"""Random looks for synthetic Qt windows: colours, fonts, scale and a GTK-like stylesheet.

The detector is tested on GTK 3 apps (Adwaita, Adwaita-dark, HighContrast,
HighContrastInverse), so most themes imitate Adwaita through a Qt stylesheet;
the rest (plain Fusion and Windows styles, flat random palettes) keep the
model from learning one look only.
"""

from __future__ import annotations

import colorsys
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from string import Template

from PySide6.QtGui import QColor, QPalette

# (kind, weight): the four test themes' imitations dominate.
KINDS: tuple[tuple[str, float], ...] = (
    ("adwaita", 0.26), ("adwaita-dark", 0.2), ("high-contrast", 0.1),
    ("high-contrast-inverse", 0.1), ("flat", 0.16), ("fusion", 0.12), ("windows", 0.06),
)  # fmt: skip
FONTS: tuple[tuple[str, float], ...] = (
    ("DejaVu Sans", 0.55), ("Nimbus Sans", 0.1), ("DejaVu Serif", 0.06), ("URW Gothic", 0.05),
    ("DejaVu Sans Mono", 0.05), ("Noto Sans CJK SC", 0.1), ("Nimbus Roman", 0.03),
    ("DejaVu Sans Condensed", 0.06),
)  # fmt: skip
ACCENTS = ("#3584e4", "#3584e4", "#3584e4", "#1c71d8", "#15539e", "#e66100", "#26a269",
           "#9141ac", "#c64600", "#2190a4")  # fmt: skip


@dataclass(frozen=True)
class Theme:
    kind: str
    qt_style: str  # "Fusion" | "Windows"
    use_qss: bool
    dark: bool
    bg: str
    fg: str
    muted: str  # insensitive text, placeholder text
    base: str  # entry and list background
    text: str
    border: str
    border_dark: str
    btn_top: str
    btn_bot: str
    btn_checked: str
    accent: str
    accent_fg: str
    header_top: str
    header_bot: str
    trough: str
    menu_bg: str
    link: str
    radius: int
    border_width: int
    pad: float  # padding multiplier
    font: str
    font_px: int
    scale: float  # device pixel ratio the window is rendered at
    tab_style: str  # "underline" | "boxed" | "pill"


def hexc(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(v * 255))) for v in (r, g, b)))


def hsl(h: float, s: float, lum: float) -> str:
    return hexc(*colorsys.hls_to_rgb(h % 1.0, max(0.0, min(1.0, lum)), max(0.0, min(1.0, s))))


def shade(color: str, k: float) -> str:
    """Lighter (k > 1) or darker (k < 1), like GTK's shade()."""
    c = QColor(color)
    h, lum, s = colorsys.rgb_to_hls(c.redF(), c.greenF(), c.blueF())
    return hsl(h, s, lum * k if k < 1 else lum + (1 - lum) * (k - 1))


def jitter(color: str, rng: random.Random, amount: int = 5) -> str:
    c = QColor(color)
    return hexc(*((v + rng.randint(-amount, amount)) / 255 for v in (c.red(), c.green(), c.blue())))


def _adwaita(dark: bool) -> dict[str, str]:
    if dark:
        return dict(bg="#353535", fg="#eeeeec", muted="#919190", base="#2d2d2d", text="#eeeeec",
                    border="#1b1b1b", border_dark="#0f0f0f", btn_top="#3a3a3a", btn_bot="#353535",
                    btn_checked="#1e1e1e", header_top="#2d2d2d", header_bot="#262626",
                    trough="#282828", menu_bg="#383838", link="#3584e4")  # fmt: skip
    return dict(bg="#f6f5f4", fg="#2e3436", muted="#929595", base="#ffffff", text="#000000",
                border="#cdc7c2", border_dark="#bfb8b1", btn_top="#f6f5f4", btn_bot="#edebe9",
                btn_checked="#d6d1cd", header_top="#e1dedb", header_bot="#dad6d2",
                trough="#e1dedb", menu_bg="#ffffff", link="#1b6acb")  # fmt: skip


def _high_contrast(inverse: bool) -> dict[str, str]:
    if inverse:
        return dict(bg="#2d2d2d", fg="#ffffff", muted="#a0a0a0", base="#262626", text="#ffffff",
                    border="#8f8f8f", border_dark="#c0c0c0", btn_top="#2d2d2d", btn_bot="#2d2d2d",
                    btn_checked="#101010", header_top="#262626", header_bot="#262626",
                    trough="#1a1a1a", menu_bg="#1a1a1a", link="#3584e4")  # fmt: skip
    return dict(bg="#f6f5f4", fg="#000000", muted="#7b7b7b", base="#ffffff", text="#000000",
                border="#8b8e8f", border_dark="#5e5e5e", btn_top="#f6f5f4", btn_bot="#f6f5f4",
                btn_checked="#d0ccc8", header_top="#e4e1de", header_bot="#e4e1de",
                trough="#d8d4d0", menu_bg="#ffffff", link="#1b6acb")  # fmt: skip


def _random_palette(rng: random.Random, dark: bool) -> dict[str, str]:
    h, s = rng.random(), rng.uniform(0.0, 0.35)
    if dark:
        lum = rng.uniform(0.1, 0.25)
        base_l, fg_l, b_l = lum - rng.uniform(0.0, 0.06), rng.uniform(0.82, 0.97), lum - 0.08
    else:
        lum = rng.uniform(0.84, 0.98)
        base_l, fg_l, b_l = min(1.0, lum + rng.uniform(0.0, 0.1)), rng.uniform(0.0, 0.2), lum - 0.2
    bg = hsl(h, s, lum)
    return dict(bg=bg, fg=hsl(h, s * 0.3, fg_l), muted=hsl(h, s * 0.3, (lum + fg_l) / 2),
                base=hsl(h, s * 0.6, base_l), text=hsl(h, s * 0.3, fg_l),
                border=hsl(h, s, b_l), border_dark=hsl(h, s, b_l - 0.08),
                btn_top=hsl(h, s, lum + (0.04 if dark else 0.02)), btn_bot=hsl(h, s, lum),
                btn_checked=hsl(h, s, lum - 0.1), header_top=hsl(h, s, lum - 0.03),
                header_bot=hsl(h, s, lum - 0.05), trough=hsl(h, s, lum - 0.07),
                menu_bg=hsl(h, s * 0.6, base_l),
                link=hsl(rng.random(), 0.7, 0.55 if dark else 0.4))  # fmt: skip


def random_theme(rng: random.Random) -> Theme:
    kinds, weights = zip(*KINDS, strict=True)
    kind = rng.choices(kinds, weights)[0]
    fonts, fweights = zip(*FONTS, strict=True)
    scale = 1.0 if rng.random() < 0.5 else rng.choice((1.25, 1.5, 1.5, 1.75, 2.0))
    common = dict(
        qt_style="Fusion", use_qss=True, radius=rng.choice((3, 4, 5, 5, 5, 6)), border_width=1,
        pad=rng.uniform(0.7, 1.3), font=rng.choices(fonts, fweights)[0],
        font_px=rng.choice((11, 12, 13, 13, 13, 13, 14, 15, 16)), scale=scale,
        tab_style="underline", accent=rng.choice(ACCENTS), accent_fg="#ffffff",
    )  # fmt: skip
    if kind in ("adwaita", "adwaita-dark"):
        colors = _adwaita(kind.endswith("dark"))
        colors = {k: jitter(v, rng, 3) for k, v in colors.items()}
    elif kind.startswith("high-contrast"):
        colors = _high_contrast(kind.endswith("inverse"))
        common["accent"] = "#1b6acb" if rng.random() < 0.7 else common["accent"]
    else:
        colors = _random_palette(rng, rng.random() < 0.4)
        common["tab_style"] = rng.choice(("underline", "boxed", "pill"))
        common["radius"] = rng.choice((0, 2, 3, 4, 6, 8, 10))
        common["accent"] = hsl(rng.random(), rng.uniform(0.5, 0.9), rng.uniform(0.35, 0.55))
        if kind == "fusion":
            common["use_qss"] = False
        elif kind == "windows":
            common.update(use_qss=False, qt_style="Windows")
    dark = QColor(colors["bg"]).lightnessF() < 0.5
    return Theme(kind=kind, dark=dark, **colors, **common)  # type: ignore[arg-type]


def palette(theme: Theme) -> QPalette:
    t, role = theme, QPalette.ColorRole
    roles = {
        role.Window: t.bg, role.WindowText: t.fg, role.Base: t.base,
        role.AlternateBase: shade(t.base, 0.97), role.Text: t.text, role.Button: t.btn_bot,
        role.ButtonText: t.fg, role.Highlight: t.accent, role.HighlightedText: t.accent_fg,
        role.Link: t.link, role.PlaceholderText: t.muted, role.ToolTipBase: t.menu_bg,
        role.ToolTipText: t.fg, role.BrightText: t.accent_fg, role.Light: shade(t.btn_top, 1.3),
        role.Midlight: t.btn_top, role.Mid: t.border, role.Dark: t.border_dark,
        role.Shadow: shade(t.border_dark, 0.5),
    }  # fmt: skip
    pal = QPalette()
    for r, color in roles.items():
        pal.setColor(r, QColor(color))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(t.muted))
    return pal


_SVG = {
    "check": '<path d="M3.5 8.5 L6.5 11.5 L12.5 4.5" fill="none" stroke="$c" stroke-width="2"/>',
    "down": '<path d="M3.5 6 L8 10.5 L12.5 6" fill="none" stroke="$c" stroke-width="1.8"/>',
    "tri": '<path d="M4 6 L12 6 L8 11 Z" fill="$c"/>',
    "right": '<path d="M6 4 L11 8 L6 12 Z" fill="$c"/>',
    "up": '<path d="M3.5 10 L8 5.5 L12.5 10" fill="none" stroke="$c" stroke-width="1.8"/>',
    "plus": '<path d="M3 8 H13 M8 3 V13" stroke="$c" stroke-width="1.6"/>',
    "minus": '<path d="M3 8 H13" stroke="$c" stroke-width="1.6"/>',
}


def asset(name: str, color: str) -> str:
    """Path of a tiny SVG (check mark, arrows) in one colour, for stylesheet url()s."""
    folder = Path(tempfile.gettempdir()) / "desktop-agent-synth-assets"
    path = folder / f"{name}-{color.lstrip('#')}.svg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        body = Template(_SVG[name]).substitute(c=color)
        tmp = path.with_suffix(f".{id(path)}.tmp")
        tmp.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" '
                       f'viewBox="0 0 16 16">{body}</svg>', encoding="utf-8")  # fmt: skip
        tmp.replace(path)  # atomic: other generator processes may read it at once
    return path.as_posix()
