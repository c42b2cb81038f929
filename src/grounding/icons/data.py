"""Render the icon recognizer's dataset from the freedesktop themes installed here.

`python -m grounding.icons.data --out DIR [--seed S] [--per-class N] [--val-theme T]`

Every meaning of the vocabulary drawn by at least MIN_THEMES training themes
becomes a class; each sample picks a theme (themes weigh the same, however
many sizes they ship), one of its drawings and a size, puts it on a button in
a random colour scheme (synth.compose) and stores the model input that
grounding.icons.preprocess makes of that crop. One theme is held out whole
for validation. A "none" class holds text, empty buttons and gradients.
Sizes HELD_OUT_SIZES and orange foregrounds are never drawn, for the tests.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .dataset import encode, write_meta, write_split
from .preprocess import CHANNELS, INPUT_SIZE, PREPROCESS_VERSION, prepare_crop
from .synth.compose import compose, degrade, empty_glyph, is_monochrome, random_scheme
from .synth.themes import ICON_ROOT, THEMES, IconSource, find_sources
from .vocab import NONE, load_vocabulary

logger = logging.getLogger(__name__)

SIZES = (12, 14, 16, 18, 20, 22, 24, 28, 32, 40, 48)
_SIZE_WEIGHTS = np.array([1, 2, 4, 2, 2, 3, 3, 2, 2, 1, 1], dtype=np.float64)
HELD_OUT_SIZES = (26, 36)
DEFAULT_VAL_THEME = "elementary-xfce"
MIN_THEMES = 4
_FONTS = (
    "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans", "Cantarell",
    "Nimbus Sans", "Noto Sans CJK JP",
)  # fmt: skip
# What text buttons and labels say; single letters that icons draw (B, I, U, S, X)
# and signs that are icons (+, -, x, ...) are left out.
_WORDS = (
    "OK", "Cancel", "File", "Edit", "View", "Help", "Open", "Apply", "Yes", "No", "AC", "MS",
    "MR", "M+", "sqrt", "%", "=", "/", "1/x", "x²", "π", "ln", "log", "sin", "cos", "Tab",
    "label", "Andrea", "Page 1", "abc", "A", "C", "E", "F", "G", "H", "K", "M", "N", "P", "R",
    "T", "Z", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "42", "3.14", "(", ")", "#",
    "@", "&", "ß", "文", "字", "Aa", "Ab", "Ok", "Go", "Do", "Name", "Age",
)  # fmt: skip

Renderer = Callable[[str, int], "np.ndarray | None"]
TextRenderer = Callable[[str, str, int, bool], np.ndarray]


def allowed_sizes(source: IconSource) -> list[int]:
    """Sizes a drawing may be shown at: scalable ones any, hinted ones near their own."""
    if source.nominal is None:
        return list(SIZES)
    n = source.nominal
    if source.is_svg:
        sizes = [s for s in SIZES if 0.75 * n <= s <= 2.0 * n]
    else:
        sizes = [s for s in SIZES if 0.5 * n <= s <= 1.25 * n]
    return sizes or [min(SIZES, key=lambda s: abs(s - n))]


def _pick_size(sizes: list[int], rng: np.random.Generator) -> int:
    weights = np.array([_SIZE_WEIGHTS[SIZES.index(s)] for s in sizes])
    return int(rng.choice(sizes, p=weights / weights.sum()))


def icon_sample(
    by_theme: dict[str, list[IconSource]], rng: np.random.Generator, render: Renderer
) -> Image.Image | None:
    themes = sorted(by_theme)
    for _ in range(4):  # an unreadable file: try another drawing
        sources = by_theme[themes[int(rng.integers(len(themes)))]]
        source = sources[int(rng.integers(len(sources)))]
        glyph = render(source.path, _pick_size(allowed_sizes(source), rng))
        if glyph is None or glyph[..., 3].max() < 64:
            continue
        recolor = source.symbolic or is_monochrome(glyph)
        return compose(glyph, rng, random_scheme(rng), recolor=recolor)
    return None


def none_sample(rng: np.random.Generator, render_text: TextRenderer) -> Image.Image:
    """A crop that shows no icon: a word or character, an empty button, a gradient."""
    scheme = random_scheme(rng)
    kind = rng.random()
    if kind < 0.7:
        text = _WORDS[int(rng.integers(len(_WORDS)))]
        font = _FONTS[int(rng.integers(len(_FONTS)))]
        glyph = render_text(text, font, int(rng.integers(9, 22)), bool(rng.random() < 0.3))
        return compose(glyph, rng, scheme, recolor=True)
    size = int(rng.choice(SIZES))
    crop = compose(empty_glyph(size), rng, scheme, recolor=True)
    if kind < 0.85:
        return crop
    # A strong gradient or noise alone (a slider trough, a shaded bar).
    ramp = np.linspace(0, float(rng.uniform(40, 120)), crop.height, dtype=np.float32)
    pixels = np.asarray(crop, np.float32) - ramp[:, None, None]
    return degrade(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB"), rng)


def _split_sources(
    sources: dict[str, list[IconSource]], val_theme: str
) -> tuple[list[str], dict[str, dict[str, list[IconSource]]], dict[str, list[IconSource]]]:
    """Class names, training sources by meaning and theme, validation sources by meaning."""
    train: dict[str, dict[str, list[IconSource]]] = {}
    val: dict[str, list[IconSource]] = {}
    for meaning, found in sources.items():
        by_theme: dict[str, list[IconSource]] = {}
        for source in found:
            if source.theme != val_theme:
                by_theme.setdefault(source.theme, []).append(source)
        if len(by_theme) >= MIN_THEMES:
            train[meaning] = by_theme
            held = [s for s in found if s.theme == val_theme]
            if held:
                val[meaning] = held
    classes = [m.name for m in load_vocabulary() if m.name in train]
    return classes, train, val


def generate(
    out: Path,
    *,
    seed: int = 0,
    per_class: int = 240,
    val_per_class: int = 12,
    val_theme: str = DEFAULT_VAL_THEME,
    themes: Sequence[str] = THEMES,
    root: Path = ICON_ROOT,
    only: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write DIR/{train,val}.npz and meta.json; returns the metadata."""
    try:
        from tqdm import tqdm

        from .synth.render import render_icon, render_text
    except ImportError as exc:
        raise SystemExit(
            f"rendering icons needs the training extra ({exc.name} is missing): "
            "pip install -e '.[train]'"
        ) from exc

    vocabulary = load_vocabulary()
    if only:
        vocabulary = tuple(m for m in vocabulary if m.name in set(only))
    sources = find_sources(vocabulary, tuple(themes), root)
    classes, train_sources, val_sources = _split_sources(sources, val_theme)
    if not classes:
        raise SystemExit(f"no meaning is drawn by {MIN_THEMES} installed themes under {root}")
    meanings = [*classes, NONE]
    splits: dict[str, tuple[list[np.ndarray], list[int]]] = {"train": ([], []), "val": ([], [])}
    for index, meaning in enumerate(tqdm(meanings, desc="render", unit="class", file=sys.stderr)):
        for split, count in (("train", per_class), ("val", val_per_class)):
            if meaning == NONE:
                count *= 2
            rng = np.random.default_rng([seed, index, 0 if split == "train" else 1])
            xs, ys = splits[split]
            for _ in range(count):
                if meaning == NONE:
                    crop: Image.Image | None = none_sample(rng, render_text)
                elif split == "train":
                    crop = icon_sample(train_sources[meaning], rng, render_icon)
                elif meaning in val_sources:
                    crop = icon_sample({val_theme: val_sources[meaning]}, rng, render_icon)
                else:
                    break
                if crop is not None:
                    xs.append(prepare_crop(crop))
                    ys.append(index)
    for split, (xs, ys) in splits.items():
        x = encode(np.stack(xs)) if xs else np.zeros((0, CHANNELS, INPUT_SIZE, INPUT_SIZE))
        write_split(out, split, x, np.asarray(ys, dtype=np.int16))
    meta = {
        "meanings": meanings,
        "input_size": INPUT_SIZE,
        "channels": CHANNELS,
        "preprocess": PREPROCESS_VERSION,
        "seed": seed,
        "train_themes": sorted({t for m in train_sources.values() for t in m}),
        "val_theme": val_theme,
        "sizes": list(SIZES),
        "counts": {split: len(ys) for split, (_, ys) in splits.items()},
    }
    write_meta(out, meta)
    _preview(out, splits["train"])
    return meta


def _preview(out: Path, split: tuple[list[np.ndarray], list[int]], per_row: int = 16) -> None:
    xs, ys = split
    picks: dict[int, list[np.ndarray]] = {}
    for x, y in zip(xs, ys, strict=True):
        if len(picks) < 24 or y in picks:
            bucket = picks.setdefault(y, [])
            if len(bucket) < per_row:
                bucket.append(x[0])
    rows = [
        np.concatenate(v + [np.zeros_like(v[0])] * (per_row - len(v)), 1) for v in picks.values()
    ]
    if rows:
        sheet = (np.concatenate(rows, 0) * 255).astype(np.uint8)
        Image.fromarray(sheet, "L").save(out / "preview.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.icons.data", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-class", type=int, default=240)
    parser.add_argument("--val-per-class", type=int, default=12)
    parser.add_argument("--val-theme", default=DEFAULT_VAL_THEME)
    parser.add_argument("--root", type=Path, default=ICON_ROOT, help="where the themes are")
    parser.add_argument("--only", nargs="*", help="limit to these meanings (quick runs)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    meta = generate(
        args.out, seed=args.seed, per_class=args.per_class, val_per_class=args.val_per_class,
        val_theme=args.val_theme, root=args.root, only=args.only,
    )  # fmt: skip
    logger.info(
        "%d meanings (+none), %d train and %d val samples, themes %s, val theme %s -> %s",
        len(meta["meanings"]) - 1, meta["counts"]["train"], meta["counts"]["val"],
        ", ".join(meta["train_themes"]), meta["val_theme"], args.out,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
