"""Put a rendered glyph on a button the way toolkits draw them, as a screenshot crop.

Colour schemes: light, dark, high contrast (both ways) and coloured buttons.
Symbolic (one-colour) glyphs are recoloured to the scheme's foreground as
GTK does; full-colour icons keep their colours. Buttons are flat, framed
(rounded or not, 1-2 px, sometimes open on one side where buttons are linked),
tight around the glyph or with the box wider than the button; then some blur
or resampling, as a scaled screenshot has.

Foreground hues between 15 and 45 degrees (orange) are never drawn here, so
tests can check the model on a colour it has not seen.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HELD_OUT_HUES = (15.0, 45.0)  # degrees; training foregrounds avoid them

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Scheme:
    background: RGB
    foreground: RGB
    border: RGB
    outer: RGB  # what lies around the button when the box is wider


def _grey(level: float) -> RGB:
    v = int(np.clip(round(level), 0, 255))
    return (v, v, v)


def _shift(color: RGB, delta: float) -> RGB:
    return tuple(int(np.clip(c + delta, 0, 255)) for c in color)  # type: ignore[return-value]


def _hue_color(rng: np.random.Generator, lightness: float, saturation: float) -> RGB:
    while True:
        hue = float(rng.uniform(0, 360))
        if not HELD_OUT_HUES[0] <= hue <= HELD_OUT_HUES[1]:
            break
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def random_scheme(rng: np.random.Generator) -> Scheme:
    kind = rng.choice(["light", "dark", "hc", "hci", "color"], p=[0.4, 0.3, 0.07, 0.07, 0.16])
    if kind == "light":
        bg = _shift(_grey(rng.uniform(222, 255)), 0)
        fg = _grey(rng.uniform(15, 95)) if rng.random() < 0.8 else _hue_color(rng, 0.35, 0.6)
        border = _shift(bg, -rng.uniform(25, 90))
        outer = _shift(bg, rng.uniform(-20, 10))
    elif kind == "dark":
        bg = _grey(rng.uniform(25, 75))
        fg = _grey(rng.uniform(185, 250)) if rng.random() < 0.8 else _hue_color(rng, 0.7, 0.6)
        border = _shift(bg, rng.uniform(-25, 45))
        outer = _shift(bg, rng.uniform(-15, 15))
    elif kind == "hc":
        bg, fg, border, outer = (255, 255, 255), (0, 0, 0), (0, 0, 0), _grey(rng.uniform(230, 255))
    elif kind == "hci":
        bg, fg, border, outer = (
            (0, 0, 0),
            (255, 255, 255),
            (255, 255, 255),
            _grey(rng.uniform(0, 40)),
        )
    else:
        light = rng.random() < 0.5
        bg = _hue_color(rng, 0.85 if light else 0.3, float(rng.uniform(0.3, 0.8)))
        fg = (
            _grey(20 if light else 245)
            if rng.random() < 0.6
            else _hue_color(rng, 0.25 if light else 0.85, 0.7)
        )
        border = _shift(bg, -40 if light else 40)
        outer = _shift(bg, rng.uniform(-20, 20))
    return Scheme(bg, fg, border, outer)


def is_monochrome(rgba: np.ndarray) -> bool:
    """True when the opaque pixels are one grey (Breeze's action icons, symbolic icons)."""
    opaque = rgba[..., 3] > 128
    if opaque.sum() < 4:
        return True
    rgb = rgba[..., :3][opaque].astype(np.float32)
    chroma = (rgb.max(axis=1) - rgb.min(axis=1)).mean()
    return bool(chroma < 25 and rgb.mean(axis=1).std() < 40)


def _glyph_image(rgba: np.ndarray, color: RGB | None, opacity: float) -> Image.Image:
    out = rgba.copy()
    if color is not None:
        out[..., :3] = color
    out[..., 3] = (out[..., 3].astype(np.float32) * opacity).astype(np.uint8)
    return Image.fromarray(out, "RGBA")


def _fill(size: tuple[int, int], color: RGB, gradient: float) -> Image.Image:
    w, h = size
    ramp = np.linspace(gradient / 2, -gradient / 2, max(h, 1), dtype=np.float32)[:, None, None]
    pixels = np.clip(np.asarray(color, np.float32)[None, None, :] + ramp, 0, 255)
    return Image.fromarray(np.repeat(pixels, w, axis=1).astype(np.uint8), "RGB")


def compose(
    glyph: np.ndarray,
    rng: np.random.Generator,
    scheme: Scheme,
    *,
    recolor: bool,
) -> Image.Image:
    """A screenshot-like crop of a button showing the RGBA glyph."""
    gh, gw = glyph.shape[:2]
    style = rng.choice(["tight", "flat", "framed", "inset"], p=[0.15, 0.33, 0.37, 0.15])
    base = {"tight": (0, 2), "flat": (2, 10), "framed": (3, 12), "inset": (3, 10)}[str(style)]
    pad = int(rng.integers(base[0], base[1] + 1))
    sides = [max(0, pad + int(rng.integers(-2, 3))) for _ in range(4)]  # l, t, r, b
    if style == "tight":
        sides = [int(rng.integers(0, 3)) for _ in range(4)]
    width, height = gw + sides[0] + sides[2], gh + sides[1] + sides[3]
    gradient = float(rng.uniform(-14, 14)) if rng.random() < 0.5 else 0.0
    button = _fill((width, height), scheme.background, gradient)
    if style in ("framed", "inset"):
        draw = ImageDraw.Draw(button)
        thick = 2 if rng.random() < 0.2 else 1
        radius = int(rng.integers(0, 7))
        draw.rounded_rectangle(
            (0, 0, width - 1, height - 1), radius=radius, outline=scheme.border, width=thick
        )
        if rng.random() < 0.2:  # linked buttons share an edge: one side open
            side = int(rng.integers(0, 4))
            strip = (0, 0, thick, height) if side == 0 else (width - thick, 0, width, height)
            if side in (1, 3):
                strip = (0, 0, width, thick) if side == 1 else (0, height - thick, width, height)
            button.paste(_fill((strip[2] - strip[0], strip[3] - strip[1]), scheme.background, 0),
                         strip[:2])  # fmt: skip
    opacity = 0.5 if rng.random() < 0.1 else 1.0  # insensitive buttons draw dimmed
    color = scheme.foreground if recolor else None
    image = _glyph_image(glyph, color, opacity)
    button.paste(image, (sides[0], sides[1]), image)
    if style == "inset":
        margin = [int(rng.integers(1, 8)) for _ in range(4)]
        outer = _fill(
            (width + margin[0] + margin[2], height + margin[1] + margin[3]), scheme.outer, 0
        )
        outer.paste(button, (margin[0], margin[1]))
        button = outer
    if rng.random() < DETECTED_SHARE:
        button = as_detected(button, rng, scheme)
    return degrade(button, rng)


# Share of crops cut the way the element detector boxes them: its boxes
# overlap the real button by IoU 0.5-0.9, so a crop may cut the frame or the
# glyph, or take in the surroundings and a sliver of the next button.
DETECTED_SHARE = 0.4
_EDGE_JITTER = 0.22  # each edge moves by up to this share of the button's side


def _neighbour(
    canvas: Image.Image, box: tuple[int, int, int, int], rng: np.random.Generator, scheme: Scheme
) -> None:
    """Another button's frame or glyph strokes beside `box`, on a random side."""
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = box
    gap = int(rng.integers(0, 5))
    side = int(rng.integers(0, 4))
    span = (right - left, bottom - top)
    if side in (0, 2):
        x0 = left - gap - span[0] if side == 0 else right + gap
        rect = (x0, top, x0 + span[0] - 1, bottom - 1)
    else:
        y0 = top - gap - span[1] if side == 1 else bottom + gap
        rect = (left, y0, right - 1, y0 + span[1] - 1)
    if rng.random() < 0.5:
        draw.rectangle(rect, outline=scheme.border, width=1)
    # A few strokes of the neighbour's glyph near its centre.
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    for _ in range(int(rng.integers(1, 4))):
        dx, dy = rng.uniform(-0.3, 0.3, 2) * np.asarray(span)
        ex, ey = rng.uniform(-0.3, 0.3, 2) * np.asarray(span)
        draw.line((cx + dx, cy + dy, cx + ex, cy + ey), fill=scheme.foreground,
                  width=int(rng.integers(1, 3)))  # fmt: skip


def as_detected(button: Image.Image, rng: np.random.Generator, scheme: Scheme) -> Image.Image:
    """The button in its surroundings, cropped by a box with jittered edges."""
    w, h = button.size
    pad_x, pad_y = w, h
    canvas = _fill((w + 2 * pad_x, h + 2 * pad_y), scheme.outer, 0)
    box = (pad_x, pad_y, pad_x + w, pad_y + h)
    for _ in range(int(rng.integers(0, 3))):
        _neighbour(canvas, box, rng, scheme)
    canvas.paste(button, (pad_x, pad_y))
    jitter = rng.uniform(-_EDGE_JITTER, _EDGE_JITTER, 4) * np.array([w, h, w, h])
    left = round(float(box[0] + jitter[0]))
    top = round(float(box[1] + jitter[1]))
    right = max(left + 2, round(float(box[2] + jitter[2])))
    bottom = max(top + 2, round(float(box[3] + jitter[3])))
    return canvas.crop((left, top, right, bottom))


def degrade(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Blur, resampling and noise, as scaled or compressed screenshots show."""
    if rng.random() < 0.25:
        factor = float(rng.uniform(0.6, 0.95))
        small = (max(2, round(image.width * factor)), max(2, round(image.height * factor)))
        image = image.resize(small, Image.Resampling.BILINEAR).resize(
            image.size, Image.Resampling.BILINEAR
        )
    if rng.random() < 0.2:
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 0.7))))
    if rng.random() < 0.15:
        noise = rng.normal(0, float(rng.uniform(2, 6)), (image.height, image.width, 1))
        pixels = np.asarray(image, np.float32) + noise
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return image


def empty_glyph(size: int) -> np.ndarray:
    return np.zeros((size, size, 4), dtype=np.uint8)
