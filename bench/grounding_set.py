"""Build a grounding set from real Debian apps on Xvfb, ground truth from AT-SPI.

`python -m bench.grounding_set [--out DIR]` launches apps no one in this
project wrote (GTK: gtk3-widget-factory, mousepad, galculator) under several
themes and two screen sizes, takes a screenshot and the accessibility
snapshot of each state, and writes queries for the interactive elements
whose accessible name is unique on that screen.

Kind: "text" when the element's name is legible inside its own box to an
oracle (bench/legibility.py: Tesseract at 3x on the crop and on the ink in
it, RapidOCR on the box widened a little; far stronger than a whole-frame
pass), else "icon" (toolbar glyphs, window buttons, icon-named combo boxes).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from bench.legibility import LegibilityOracle
from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay, isolated_app_env
from grounding import Element
from grounding.a11y.atspi import AtspiExpert
from grounding.text_match import normalize

logger = logging.getLogger("bench.grounding_set")

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "grounding"
SIZES = ((1280, 800), (1920, 1080))
GTK_THEMES = ("Adwaita", "Adwaita:dark", "HighContrast", "HighContrastInverse")
TARGET_ROLES = {
    "button": "button", "toggle": "button", "checkbox": "checkbox", "radio": "radio button",
    "dropdown": "dropdown", "menu": "menu", "menu_item": "menu item", "tab": "tab",
    "link": "link", "text_field": "field", "icon": "icon", "list_item": "item",
    "spin_button": "field",
}  # fmt: skip
_ICON_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


@dataclass(frozen=True)
class Scenario:
    name: str
    command: str
    window_class: str
    keys: tuple[str, ...] = ()  # xdotool key presses after start (open a menu)
    click: str | None = None  # accessible name of something to click first (a page tab)
    qt: bool = False


SCENARIOS = (
    Scenario("widget-factory-p1", "gtk3-widget-factory", "gtk3-widget-factory"),
    Scenario("widget-factory-p2", "gtk3-widget-factory", "gtk3-widget-factory",
             click="Page 2"),
    Scenario("widget-factory-p3", "gtk3-widget-factory", "gtk3-widget-factory",
             click="Page 3"),
    Scenario("mousepad", "mousepad", "mousepad"),
    Scenario("mousepad-file-menu", "mousepad", "mousepad", keys=("alt+f",)),
    Scenario("galculator", "galculator", "galculator"),
)  # fmt: skip


def _xdo(display: VirtualDisplay, *args: str) -> str:
    out = subprocess.run(["xdotool", *args], env=display.env, capture_output=True,
                         text=True, timeout=30, check=False)  # fmt: skip
    return out.stdout.strip()


def find_window(display: VirtualDisplay, window_class: str, timeout_s: float) -> str | None:
    """The newest visible window of that class, waiting for it; None if none shows."""
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--class", window_class],
            env=display.env, capture_output=True, text=True, timeout=timeout_s, check=False,
        ).stdout.split()  # fmt: skip
    except subprocess.TimeoutExpired:
        found = []
    return found[-1] if found else None


def _app_env(root: Path, theme: str, qt: bool) -> dict[str, str]:
    env = {**isolated_app_env(root), "NO_AT_BRIDGE": "0", "GTK_THEME": theme}
    if qt:
        env.update(QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_ACCESSIBILITY="1",
                   QT_QPA_PLATFORM="xcb", QT_STYLE_OVERRIDE="Fusion")  # fmt: skip
    return env


class Screen(Protocol):
    """What `_still` needs of a desktop: its screenshots."""

    def screenshot(self) -> Image.Image: ...


def _still(desktop: Screen, quiet_s: float = 0.6, timeout_s: float = 8.0) -> Image.Image:
    deadline = time.monotonic() + timeout_s
    last = desktop.screenshot()
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        frame = desktop.screenshot()
        if frame.tobytes() != last.tobytes():
            last, since = frame, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
    return last


def _click_by_name(display: VirtualDisplay, desktop: LocalDesktop, name: str) -> None:
    expert = AtspiExpert(focused_app_only=True)
    try:
        targets = [e for e in expert.parse(desktop.screenshot()) if e.text == name]
    finally:
        expert.close()
    if not targets:
        logger.warning("nothing named %r to click", name)
        return
    x, y = targets[0].box.center
    _xdo(display, "mousemove", str(x), str(y), "click", "1")
    _xdo(display, "mousemove", "5", str(desktop.screenshot().height // 2))  # no hover glow
    time.sleep(0.6)


def describe(element: Element, kind: str) -> str:
    """A query as a person would say it: quoted when the label is on screen."""
    role_word = TARGET_ROLES.get(element.role, "")
    name = element.text.strip()
    if kind == "icon" and _ICON_NAME.match(name):
        name = name.removesuffix("-symbolic").replace("-", " ")
    if kind == "text":
        return f"the '{name}' {role_word}".strip() if role_word else name
    return f"the {name} {role_word or 'icon'}"


Captured = tuple[Image.Image, list[Element], list[dict[str, object]]]


def capture_frame(display: VirtualDisplay, desktop: LocalDesktop, scenario: Scenario,
                  theme: str, work: Path, oracle: LegibilityOracle) -> Captured | None:  # fmt: skip
    proc = display.launch(scenario.command, env=_app_env(work / "home", theme, scenario.qt))
    try:
        window = find_window(display, scenario.window_class, timeout_s=20)
        if window is None:
            logger.warning("%s showed no window", scenario.name)
            return None
        _xdo(display, "windowactivate", "--sync", window)
        _xdo(display, "windowmove", window, "0", "0")
        _xdo(display, "windowsize", window, "100%", "100%")
        time.sleep(0.8)
        if scenario.click:
            _click_by_name(display, desktop, scenario.click)
        for key in scenario.keys:
            _xdo(display, "key", "--clearmodifiers", key)
            time.sleep(0.5)
        image = _still(desktop)
        expert = AtspiExpert(focused_app_only=True)
        elements = expert.parse(image)
        expert.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
    names = Counter(normalize(e.text) for e in elements if e.role in TARGET_ROLES)
    queries: list[dict[str, object]] = []
    for element in elements:
        if element.role not in TARGET_ROLES or not normalize(element.text):
            continue
        if names[normalize(element.text)] > 1 or element.box.area < 64:
            continue  # ambiguous by name, or too small to be a target
        kind = "text" if oracle.legible(image, element) else "icon"
        queries.append({"description": describe(element, kind), "kind": kind,
                        "box": element.box.to_dict(), "role": element.role,
                        "name": element.text})  # fmt: skip
    return image, elements, queries


def build(out: Path, sizes: tuple[tuple[int, int], ...] = SIZES) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    oracle = LegibilityOracle()
    frames: list[dict[str, Any]] = []
    total = len(sizes) * len(GTK_THEMES) * len(SCENARIOS)
    done = 0
    for width, height in sizes:
        with VirtualDisplay(width=width, height=height) as display:
            os.environ["DISPLAY"] = display.display
            if display.dbus_address:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = display.dbus_address
            desktop = LocalDesktop(display=display.display)
            for theme in GTK_THEMES:
                for scenario in SCENARIOS:
                    done += 1
                    tag = f"{scenario.name}-{theme.replace(':', '-')}-{width}x{height}"
                    print(f"[{done}/{total}] {tag}", file=sys.stderr, flush=True)
                    got = capture_frame(display, desktop, scenario, theme, out / "work", oracle)
                    if got is None or not got[2]:
                        continue
                    image, elements, queries = got
                    image.save(out / f"{tag}.png", optimize=True)
                    frames.append({
                        "image": f"{tag}.png",
                        "meta": {"app": scenario.name, "theme": theme, "size": [width, height]},
                        "a11y": [e.to_dict() for e in elements],
                        "queries": queries,
                    })  # fmt: skip
            desktop.close()
    index = out / "index.json"
    index.write_text(json.dumps({"frames": frames}, indent=1))
    kinds = Counter(q["kind"] for f in frames for q in f["queries"])
    print(f"{len(frames)} frames, {sum(kinds.values())} queries {dict(kinds)} -> {index}",
          file=sys.stderr)  # fmt: skip
    return index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    build(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
