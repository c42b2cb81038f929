"""Find the drawings of each meaning in the freedesktop icon themes installed here.

A theme is a folder under /usr/share/icons with index.theme; its files sit in
size folders ("16x16/actions", "actions/22", "scalable", "symbolic"). Many
names are symlinks to one drawing, so drawings are deduplicated by their real
path and their bytes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from grounding.icons.vocab import Meaning, is_mirrored_variant, normalize_icon_name

logger = logging.getLogger(__name__)

ICON_ROOT = Path("/usr/share/icons")
# Debian-packaged themes with action icons; "-dark"/"-Light" variants recolour
# the same drawings and would only repeat them.
THEMES = (
    "Adwaita", "breeze", "Papirus", "Tango", "elementary-xfce", "gnome", "mate",
    "oxygen", "Numix", "suru", "Yaru",
)  # fmt: skip
_SIZE_DIR = re.compile(r"^(\d+)(?:x\d+)?(?:@(\d)x)?$")
_SKIP_DIRS = {"cursors", "apps-extra"}
_MAX_PNG = 64  # bigger bitmaps are app-launcher art, not what a toolbar draws


@dataclass(frozen=True, slots=True)
class IconSource:
    meaning: str
    theme: str
    path: str
    nominal: int | None  # the pixel size it was drawn for; None: scalable
    symbolic: bool  # drawn in one colour, to be recoloured like GTK does

    @property
    def is_svg(self) -> bool:
        return self.path.endswith(".svg")


@dataclass(frozen=True, slots=True)
class _File:
    path: str
    nominal: int | None
    symbolic: bool


def _nominal_size(parts: tuple[str, ...]) -> int | None:
    for part in parts:
        match = _SIZE_DIR.match(part)
        if match:
            return int(match.group(1)) * int(match.group(2) or 1)
    return None


def index_theme(theme_dir: Path) -> dict[str, list[_File]]:
    """Icon name (normalised) -> its files in one theme."""
    index: dict[str, list[_File]] = defaultdict(list)
    for folder, dirnames, filenames in os.walk(theme_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        parts = Path(folder).relative_to(theme_dir).parts
        nominal = _nominal_size(parts)
        for filename in sorted(filenames):
            if not filename.endswith((".svg", ".png")) or filename.endswith(".symbolic.png"):
                continue
            if is_mirrored_variant(filename):
                continue
            if filename.endswith(".png") and (nominal is None or nominal > _MAX_PNG):
                continue
            path = os.path.join(folder, filename)
            if not os.path.exists(path):  # a dangling symlink
                continue
            symbolic = "-symbolic" in filename or "symbolic" in parts
            index[normalize_icon_name(filename)].append(_File(path, nominal, symbolic))
    return index


def _digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read()).hexdigest()


def find_sources(
    meanings: tuple[Meaning, ...],
    themes: tuple[str, ...] = THEMES,
    root: Path = ICON_ROOT,
) -> dict[str, list[IconSource]]:
    """Meaning -> its distinct drawings across the themes that exist under root.

    A theme contributes the files of the meaning's own name, or failing that
    of its first fallback name that the theme has.
    """
    sources: dict[str, list[IconSource]] = {m.name: [] for m in meanings}
    seen_paths: set[str] = set()
    seen_bytes: set[str] = set()
    for theme in themes:
        theme_dir = root / theme
        if not (theme_dir / "index.theme").is_file():
            logger.info("icon theme %s is not installed; skipped", theme)
            continue
        index = index_theme(theme_dir)
        for meaning in meanings:
            files = next((index[n] for n in (meaning.name, *meaning.fallbacks) if n in index), [])
            for file in files:
                real = os.path.realpath(file.path)
                if real in seen_paths:
                    continue
                seen_paths.add(real)
                digest = _digest(real)
                if digest in seen_bytes:
                    continue
                seen_bytes.add(digest)
                sources[meaning.name].append(
                    IconSource(meaning.name, theme, real, file.nominal, file.symbolic)
                )
    return sources


def installed_themes(themes: tuple[str, ...] = THEMES, root: Path = ICON_ROOT) -> list[str]:
    return [t for t in themes if (root / t / "index.theme").is_file()]
