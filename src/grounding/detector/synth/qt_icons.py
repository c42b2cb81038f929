"""Real icons from the freedesktop icon themes on disk, for toolbars and icon buttons.

Each window draws its icons from one theme folder (Adwaita's symbolic icons
recoloured to the text colour like GTK does, or Papirus, Breeze, Tango,
elementary), so a toolbar looks consistent. Missing themes are skipped.
"""

from __future__ import annotations

import os
import random
from functools import cache, lru_cache
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

ICON_ROOT = Path("/usr/share/icons")

# (folder under ICON_ROOT, symbolic: recolour to the text colour, for dark themes)
ICON_DIRS: tuple[tuple[str, bool, bool | None], ...] = (
    ("Adwaita/scalable/actions", True, None),
    ("Adwaita/scalable/actions", True, None),
    ("Adwaita/scalable/devices", True, None),
    ("Adwaita/scalable/places", True, None),
    ("Adwaita/scalable/status", True, None),
    ("Papirus/24x24/actions", False, False),
    ("Papirus-Dark/24x24/actions", False, True),
    ("Papirus/symbolic/actions", True, None),
    ("breeze/actions/22", False, False),
    ("breeze-dark/actions/22", False, True),
    ("Tango/scalable/actions", False, None),
    ("Tango/22x22/actions", False, None),
    ("elementary-xfce/actions/24", False, None),
    ("elementary-xfce/actions/symbolic", True, None),
)
UI = "Adwaita/scalable/ui"
ACTIONS = "Adwaita/scalable/actions"


@cache
def icon_files(folder: str) -> tuple[str, ...]:
    """The icon files of one folder, sorted so a seed picks the same icons everywhere."""
    path = ICON_ROOT / folder
    if not path.is_dir():
        return ()
    names = sorted(n for n in os.listdir(path) if n.endswith((".svg", ".png")))
    return tuple(str(path / n) for n in names if os.path.exists(path / n))


def pick_folder(rng: random.Random, dark: bool) -> tuple[str, bool]:
    """An icon folder that exists and suits the theme's lightness."""
    options = [(f, sym) for f, sym, d in ICON_DIRS if (d is None or d == dark) and icon_files(f)]
    if not options:
        raise RuntimeError(f"no icon themes found under {ICON_ROOT}; install adwaita-icon-theme")
    return rng.choice(options)


def named(folder: str, name: str) -> str | None:
    for ext in (".svg", ".png"):
        path = ICON_ROOT / folder / f"{name}{ext}"
        if path.exists():
            return str(path)
    return None


@lru_cache(maxsize=4096)
def pixmap(path: str, size: int, scale: float, color: str | None) -> QPixmap:
    """The icon drawn for `size` logical pixels at `scale` (cached: SVG parsing is slow)."""
    px = max(1, round(size * scale))
    pm = QIcon(path).pixmap(QSize(px, px))
    if pm.isNull() or pm.width() != px:
        base = QPixmap(px, px)
        base.fill(Qt.GlobalColor.transparent)
        if not pm.isNull():  # a fixed-size PNG: scale it to the asked size
            painter = QPainter(base)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(base.rect(), pm)
            painter.end()
        pm = base
    if color is not None:  # symbolic icons take the text colour, as GTK draws them
        painter = QPainter(pm)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pm.rect(), QColor(color))
        painter.end()
    pm.setDevicePixelRatio(scale)
    return pm


def icon(path: str, size: int, scale: float, color: str | None) -> QIcon:
    return QIcon(pixmap(path, size, scale, color))
