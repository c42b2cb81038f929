"""Icons for the web pages: the freedesktop icon themes on disk, as data URIs.

Pages embed icons as `data:` URIs (no file access from the page). Each icon
has a tone: "dark" glyphs (symbolic icons, drawn for light backgrounds),
"light" glyphs (dark-theme variants) and "color" icons. The page recolors a
glyph with a CSS filter to fit its palette, as GTK recolors symbolic icons.
A few structural glyphs (the arrow of a dropdown, a search lens, a close
cross) are drawn here, so every page has them even with no theme installed.
"""

from __future__ import annotations

import base64
import functools
import glob
import os
import random
from dataclasses import dataclass
from pathlib import Path

ICON_ROOT = Path(os.environ.get("GROUNDING_ICON_ROOT", "/usr/share/icons"))

# (glob under ICON_ROOT, kind, tone). "mono": toolbar glyphs, "color": small
# colored action icons, "app": colorful application and place icons.
_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("Adwaita/scalable/*/*-symbolic.svg", "mono", "dark"),
    ("Adwaita/24x24/legacy/*.png", "color", "color"),
    ("Adwaita/48x48/legacy/*.png", "app", "color"),
    ("Tango/22x22/actions/*.png", "color", "color"),
    ("Tango/16x16/actions/*.png", "color", "color"),
    ("Tango/scalable/places/*.svg", "app", "color"),
    ("Tango/scalable/apps/*.svg", "app", "color"),
    ("breeze/actions/22/*.svg", "mono", "dark"),
    ("breeze/actions/16/*.svg", "mono", "dark"),
    ("breeze-dark/actions/22/*.svg", "mono", "light"),
    ("Papirus/22x22/actions/*.svg", "mono", "dark"),
    ("Papirus/symbolic/actions/*.svg", "mono", "dark"),
    ("Papirus-Dark/22x22/actions/*.svg", "mono", "light"),
    ("Papirus/48x48/apps/*.svg", "app", "color"),
    ("Papirus/48x48/places/*.svg", "app", "color"),
    ("Papirus/24x24/devices/*.svg", "color", "color"),
    ("elementary-xfce/actions/24/*.png", "color", "color"),
    ("elementary-xfce/apps/48/*.png", "app", "color"),
    ("mate/22x22/actions/*.png", "color", "color"),
    ("gnome/24x24/actions/*.png", "color", "color"),
)

_MIME = {".svg": "image/svg+xml", ".png": "image/png"}


@dataclass(frozen=True, slots=True)
class Icon:
    uri: str  # data: URI
    tone: str  # "dark" | "light" | "color"
    name: str  # file stem, e.g. "document-save-symbolic"


_GLYPHS: dict[str, str] = {
    "down": '<path d="M4 6l4 4 4-4"/>',
    "up": '<path d="M4 10l4-4 4 4"/>',
    "right": '<path d="M6 4l4 4-4 4"/>',
    "left": '<path d="M10 4l-4 4 4 4"/>',
    "search": '<circle cx="7" cy="7" r="4.2"/><path d="M10.2 10.2L14 14"/>',
    "close": '<path d="M4.5 4.5l7 7M11.5 4.5l-7 7"/>',
    "menu": '<path d="M3 4.5h10M3 8h10M3 11.5h10"/>',
    "plus": '<path d="M8 3.5v9M3.5 8h9"/>',
    "minus": '<path d="M3.5 8h9"/>',
    "check": '<path d="M3.5 8.5l3 3 6-7"/>',
    "dots": '<path d="M3.5 8h.1M8 8h.1M12.5 8h.1" stroke-width="2.6"/>',
    "minimize": '<path d="M4.5 11.5h7"/>',
    "maximize": '<rect x="4.5" y="4.5" width="7" height="7" rx="1"/>',
    "clear": '<circle cx="8" cy="8" r="6"/><path d="M6 6l4 4M10 6l-4 4"/>',
}
GLYPH_NAMES: tuple[str, ...] = tuple(_GLYPHS)


@functools.lru_cache(maxsize=1024)
def glyph(name: str, color: str = "#2e3436", width: float = 1.6) -> str:
    """A data URI of a built-in stroked glyph in a given color (for arrows, checks, lenses)."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" fill="none" '
        f'stroke="{color}" stroke-width="{width}" stroke-linecap="round" '
        f'stroke-linejoin="round">{_GLYPHS[name]}</svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@functools.cache
def _index() -> dict[str, tuple[tuple[str, str], ...]]:
    """kind -> ((path, tone), ...) in a fixed order, so a seed picks the same icon."""
    pools: dict[str, list[tuple[str, str]]] = {"mono": [], "color": [], "app": []}
    for pattern, kind, tone in _SOURCES:
        for path in sorted(glob.glob(str(ICON_ROOT / pattern))):
            if os.path.isfile(path) and os.path.getsize(path) < 60_000:
                pools[kind].append((path, tone))
    return {kind: tuple(paths) for kind, paths in pools.items()}


@functools.lru_cache(maxsize=8192)
def _load(path: str, tone: str) -> Icon:
    data = Path(path).read_bytes()
    mime = _MIME.get(Path(path).suffix, "image/png")
    uri = f"data:{mime};base64," + base64.b64encode(data).decode()
    return Icon(uri=uri, tone=tone, name=Path(path).stem)


def pick_icon(rng: random.Random, kind: str = "mono") -> Icon:
    """A random icon of a kind ("mono", "color", "app"); a built-in glyph if none is installed."""
    pool = _index().get(kind) or _index()["mono"]
    if not pool:
        return Icon(uri=glyph(rng.choice(GLYPH_NAMES)), tone="dark", name="builtin")
    path, tone = pool[rng.randrange(len(pool))]
    try:
        return _load(path, tone)
    except OSError:
        return Icon(uri=glyph("dots"), tone="dark", name="builtin")


def icon_filter(icon: Icon, *, dark_bg: bool, on_accent: bool = False) -> str:
    """The CSS filter that makes a glyph readable on its background (colors stay)."""
    if icon.tone == "color":
        return "none"
    if on_accent:
        return "brightness(0) invert(1)"
    if (icon.tone == "dark") == dark_bg:
        return "invert(1)" if icon.tone == "dark" else "invert(0.85)"
    return "none"


def installed_icon_count() -> dict[str, int]:
    """How many icons each pool holds (for logs and tests)."""
    return {kind: len(paths) for kind, paths in _index().items()}
