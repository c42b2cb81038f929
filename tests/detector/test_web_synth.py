"""The web half of the detector's synthetic data: real headless Chromium, boxes from the DOM."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from grounding.detector.classes import CLASS_INDEX
from grounding.detector.synth.web_browser import Chromium
from grounding.detector.synth.web_pages import build_page
from grounding.detector.synth.web_scenes import generate_web, render_html, render_seed

SEEDS = (3, 11, 28)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium() as chromium:
        yield chromium


def test_same_seed_gives_the_same_page_and_boxes(browser: Chromium) -> None:
    assert build_page(7)[0] == build_page(7)[0]
    assert build_page(7)[0] != build_page(8)[0]
    first = {seed: render_seed(browser, seed).boxes for seed in SEEDS}
    again = {seed: render_seed(browser, seed).boxes for seed in reversed(SEEDS)}
    assert first == again
    assert all(first[seed] for seed in SEEDS)


def test_boxes_lie_inside_the_image_with_known_classes(browser: Chromium) -> None:
    for sample in generate_web(40, 4, browser=browser):
        assert sample.source == "web"
        assert sample.boxes, f"seed {sample.seed} has no boxes"
        width, height = sample.image.size
        css_w, css_h = sample.meta["viewport"]
        assert width == round(css_w * sample.meta["scale"])
        assert height == round(css_h * sample.meta["scale"])
        for box in sample.boxes:
            assert box.cls in CLASS_INDEX
            assert 0 <= box.left < box.right <= width
            assert 0 <= box.top < box.bottom <= height


def test_labelled_buttons_and_checkboxes_are_not_blank(browser: Chromium) -> None:
    checked = 0
    for seed in range(60, 66):
        sample = render_seed(browser, seed)
        pixels = np.asarray(sample.image.convert("L"), dtype=np.float32)
        for box in sample.boxes:
            if box.cls not in ("button", "checkbox", "radio", "toggle"):
                continue
            crop = pixels[box.top : box.bottom, box.left : box.right]
            assert crop.max() - crop.min() > 12, f"seed {seed}: blank {box}"
            checked += 1
    assert checked > 20


PAGE = """<!DOCTYPE html><html><head><style>
body{margin:0;font:14px 'DejaVu Sans'} button{position:absolute;width:100px;height:30px}
</style></head><body>
<button data-det="button" style="left:10px;top:20px">visible</button>
<button data-det="button" style="left:10px;top:80px">covered</button>
<div style="position:absolute;left:0;top:70px;width:200px;height:60px;background:#888"></div>
<button data-det="button" style="left:10px;top:150px;display:none">gone</button>
<button data-det="button" style="left:10px;top:150px;visibility:hidden">hidden</button>
<button data-det="button" style="left:130px;top:150px;opacity:0">clear</button>
<button data-det="button" style="left:10px;top:900px">below</button>
<button data-det="button" style="left:250px;top:20px" disabled>off</button>
<div style="position:absolute;left:400px;top:20px;width:100px;height:40px;overflow:hidden">
  <button data-det="button" style="left:0;top:60px">clipped</button></div>
<button data-det="link" style="left:340px;top:-10px">cut</button>
<label data-det="checkbox" style="position:absolute;left:10px;top:200px;white-space:nowrap">
  <input type="checkbox" checked>Show line numbers</label>
<div style="position:absolute;left:300px;top:200px;width:150px;height:50px">
  <button data-det="button" style="left:0;top:0">under a light</button>
  <div style="position:absolute;inset:0;background:rgba(0,0,0,.2);pointer-events:none"></div>
</div>
</body></html>"""


def test_hidden_covered_and_disabled_elements_are_not_labelled(browser: Chromium) -> None:
    image, boxes = render_html(browser, PAGE, 640, 480, 1.0)
    assert image.size == (640, 480)
    found = {(b.left, b.top): b for b in boxes}
    assert (10, 20) in found  # the visible button
    assert (300, 200) in found  # a see-through overlay that takes no clicks covers nothing
    cut = found.pop((340, 0))  # cut by the viewport's top edge: clipped
    assert (cut.bottom, cut.cls) == (20, "link")
    check = found.pop((10, 200))
    assert check.cls == "checkbox"
    assert check.right - check.left > 100  # the box and its label
    # covered, display:none, hidden, transparent, off-screen, disabled, clipped away: none
    assert sorted(found) == [(10, 20), (300, 200)]


def test_device_scale_gives_device_pixels(browser: Chromium) -> None:
    html = '<body style="margin:0"><button data-det="button" style="position:absolute;'
    html += 'left:10px;top:20px;width:100px;height:30px">OK</button></body>'
    image, boxes = render_html(browser, html, 400, 300, 2.0)
    assert image.size == (800, 600)
    assert [b.to_list() for b in boxes] == [[20, 40, 220, 100, "button"]]
    pixels = np.asarray(image.convert("L"))
    assert pixels[40:100, 20:220].std() > 5  # the button is drawn where the box says
