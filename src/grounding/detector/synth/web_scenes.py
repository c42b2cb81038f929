"""Web pages rendered in headless Chromium, labelled from the DOM.

`generate_web(seed_start, count)` yields one `Sample` per seed: a random page
(`web_pages.build_page`) at a random screen size and device scale, the
screenshot in device pixels, and a box for every element marked
`data-det="<class>"` that a person could see: non-empty, not hidden, not
transparent, inside the viewport and its clipping ancestors, and on top (the
element or one of its descendants is what `elementFromPoint` finds at its
centre and at three of four inner points). Disabled widgets are not labelled:
the accessibility trees that the real-app benchmark reads leave them out.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator
from typing import Any

from PIL import Image

from grounding.detector.classes import CLASS_INDEX
from grounding.detector.dataset import LabeledBox, Sample

from .web_browser import Chromium, ChromiumError
from .web_pages import build_page

log = logging.getLogger(__name__)

# Screen sizes in device pixels; the CSS viewport is this divided by the scale.
SCREENS = ((800, 600), (1024, 768), (1280, 720), (1280, 800), (1366, 768), (1440, 900),
           (1600, 900), (1680, 1050), (1920, 1080), (1920, 1200))  # fmt: skip
MIN_CSS = (720, 500)  # smaller CSS viewports would squeeze the app layouts

# Returns [[left, top, right, bottom, class], ...] in CSS pixels, clipped.
BOX_QUERY_JS = r"""
(() => {
  for (const el of document.querySelectorAll('[data-indeterminate]')) el.indeterminate = true;
  const vw = innerWidth, vh = innerHeight, out = [];
  const onTop = (el, x, y) => {
    const hit = document.elementFromPoint(x, y);
    return !!hit && (hit === el || el.contains(hit));
  };
  for (const el of document.querySelectorAll('[data-det]')) {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || el.getClientRects().length !== 1) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible') continue;
    // Insensitive widgets are left out, as the accessibility trees of real apps report them.
    if (el.closest('.disabled, .off, [aria-disabled="true"]') || el.matches(':disabled')) continue;
    if (el.matches('label, [data-det="text_field"]') && el.querySelector(':disabled')) continue;
    let opacity = 1;
    for (let a = el; a; a = a.parentElement) opacity *= +getComputedStyle(a).opacity;
    if (opacity < 0.3) continue;
    let x0 = Math.max(r.left, 0), y0 = Math.max(r.top, 0);
    let x1 = Math.min(r.right, vw), y1 = Math.min(r.bottom, vh);
    // Clip by ancestors with overflow, except those an absolute/fixed box escapes.
    let escape = cs.position === 'absolute' ? 'abs' : cs.position === 'fixed' ? 'fixed' : null;
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (escape === 'abs' && s.position !== 'static') escape = null;
      if (escape === 'fixed' && s.transform !== 'none') escape = null;
      if (!escape && (s.overflowX !== 'visible' || s.overflowY !== 'visible')) {
        const q = a.getBoundingClientRect();
        const left = q.left + a.clientLeft, top = q.top + a.clientTop;
        x0 = Math.max(x0, left); y0 = Math.max(y0, top);
        x1 = Math.min(x1, left + a.clientWidth); y1 = Math.min(y1, top + a.clientHeight);
      }
      if (s.position === 'absolute') escape = escape || 'abs';
      else if (s.position === 'fixed') escape = 'fixed';
    }
    if (x1 - x0 < 3 || y1 - y0 < 3) continue;
    if ((x1 - x0) * (y1 - y0) < 0.4 * r.width * r.height) continue;  // mostly cut off
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, dx = (x1 - x0) / 4, dy = (y1 - y0) / 4;
    if (!onTop(el, cx, cy)) continue;
    let hits = 0;
    for (const [px, py] of [[cx - dx, cy - dy], [cx + dx, cy - dy], [cx - dx, cy + dy],
                            [cx + dx, cy + dy]]) hits += onTop(el, px, py) ? 1 : 0;
    if (hits < 3) continue;
    out.push([x0, y0, x1, y1, el.getAttribute('data-det')]);
  }
  return out;
})()
"""


def pick_viewport(seed: int) -> tuple[int, int, float]:
    """(css_width, css_height, device_scale) for a seed."""
    rng = random.Random(f"web-viewport:{seed}")
    w, h = rng.choice(SCREENS)
    if rng.random() < 0.4:
        w, h = round(w * rng.uniform(0.85, 1.1)), round(h * rng.uniform(0.85, 1.1))
    scale = 1.0
    if rng.random() < 0.35:
        scale = rng.choice((1.25, 1.5, 1.75, 2.0))
        scale = round(max(1.0, min(scale, w / MIN_CSS[0], h / MIN_CSS[1])), 2)
    return max(1, round(w / scale)), max(1, round(h / scale)), scale


def boxes_from_dom(raw: list[Any], sx: float, sy: float, size: tuple[int, int]) -> list[LabeledBox]:
    """CSS-pixel boxes from the page -> image-pixel boxes (rounded, clipped, deduplicated)."""
    out: list[LabeledBox] = []
    seen: set[tuple[int, int, int, int, str]] = set()
    width, height = size
    for x0, y0, x1, y1, cls in raw:
        if cls not in CLASS_INDEX:
            log.warning("unknown data-det class %r in a generated page", cls)
            continue
        left, top = max(0, round(x0 * sx)), max(0, round(y0 * sy))
        right, bottom = min(width, round(x1 * sx)), min(height, round(y1 * sy))
        key = (left, top, right, bottom, cls)
        if right - left >= 2 and bottom - top >= 2 and key not in seen:
            seen.add(key)
            out.append(LabeledBox(*key))
    return out


def render_html(
    browser: Chromium, html: str, width: int, height: int, scale: float = 1.0
) -> tuple[Image.Image, list[LabeledBox]]:
    """Renders any marked-up page: (screenshot in device pixels, its visible boxes)."""
    png, raw = browser.render(html, width=width, height=height, scale=scale, script=BOX_QUERY_JS)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    boxes = boxes_from_dom(raw or [], image.width / width, image.height / height, image.size)
    return image, boxes


def render_seed(browser: Chromium, seed: int) -> Sample:
    html, theme, layout = build_page(seed)
    width, height, scale = pick_viewport(seed)
    image, boxes = render_html(browser, html, width, height, scale)
    meta = {"layout": layout, "theme": theme.family, "scale": scale, "viewport": [width, height]}
    return Sample(image=image, boxes=boxes, source="web", seed=seed, meta=meta)


def generate_web(
    seed_start: int, count: int, *, browser: Chromium | None = None
) -> Iterator[Sample]:
    """One labelled web page per seed in [seed_start, seed_start + count).

    One Chromium serves every page (pass `browser` to share it further); if it
    dies it is restarted once per page, and a page that fails twice is skipped
    with a warning.
    """
    own = browser is None
    current = browser or Chromium()
    try:
        for seed in range(seed_start, seed_start + count):
            try:
                sample = render_seed(current, seed)
            except ChromiumError as exc:
                log.warning("web page %d failed (%s); restarting Chromium", seed, exc)
                current.close()
                current = Chromium()
                own = True
                try:
                    sample = render_seed(current, seed)
                except ChromiumError as exc2:
                    log.warning("web page %d skipped: %s", seed, exc2)
                    continue
            yield sample
    finally:
        if own:
            current.close()
