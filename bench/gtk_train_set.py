"""Detector training images from real GTK apps that the benches never test on.

`python -m bench.gtk_train_set [--out DIR] [--count N] [--scenes]` opens gtk3-demo's
examples, zenity's and yad's dialogs and a score of desktop apps (editors,
file managers, viewers, Xfce settings dialogs, a calculator: all Debian
packages that packaging/install-system-deps.sh installs; none of them is in
the grounding or detector bench set, which holds gtk3-widget-factory,
mousepad and galculator) under many GTK themes and screen sizes, and writes each
screenshot with the boxes of its interactive elements from the AT-SPI tree,
in the detector's dataset format (source "gtk"). The synthetic Qt and web
pages teach widget shapes in general; these teach how a real toolkit draws
them and how its accessibility tree boxes them, which is what the
bench's ground truth follows. With --scenes it opens our own random windows
of GTK widgets instead (bench/gtk_scene_app.py, run by the system Python's
PyGObject), which show the widgets that real apps show seldom.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from PIL import Image

from bench.grounding_set import _app_env, _still, _xdo, find_window
from desktop_agent.desktop.virtual import VirtualDisplay
from grounding import Box, Element
from grounding.a11y.atspi import AtspiExpert
from grounding.detector.classes import A11Y_TO_DETECTOR
from grounding.detector.dataset import DatasetWriter, LabeledBox, Region, Sample, read_dataset

logger = logging.getLogger("bench.gtk_train_set")

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "detector-gtk"
SIZES = ((1280, 800), (1920, 1080), (1600, 900))
THEMES = (
    "Adwaita", "Adwaita:dark", "HighContrast", "HighContrastInverse", "Arc", "Arc-Dark",
    "Numix", "Materia", "Materia-dark", "Greybird",
)  # fmt: skip
DEMOS = (
    "application_demo", "assistant", "builder", "button_box", "colorsel", "combobox",
    "dialog", "entry_buffer", "entry_completion", "search_entry", "search_entry2", "expander",
    "headerbar", "iconview", "infobar", "links", "listbox", "menus", "modelbutton", "pickers",
    "popover", "printing", "pagesetup", "revealer", "scale", "sizegroup", "spinbutton", "stack",
    "sidebar", "tabs", "css_accordion", "theming_style_classes", "toolpalette", "editable_cells",
    "filtermodel", "list_store", "tree_store", "font_features",
)  # fmt: skip
ZENITY = (
    "--forms --add-entry=Name --add-password=Password --add-calendar=Date --add-combo=Kind "
    "--combo-values=One|Two|Three --text=Details",
    "--list --checklist --column=Pick --column=Item --column=Size TRUE Apples 3 FALSE Pears 5 "
    "TRUE Plums 7 FALSE Cherries 9",
    "--list --radiolist --column=Pick --column=Option TRUE Fast FALSE Small FALSE Safe",
    "--file-selection", "--file-selection --save --confirm-overwrite", "--calendar",
    "--entry --text=Your name --entry-text=Ada", "--password --username", "--scale --value=40",
    "--color-selection --show-palette", "--question --text=Replace the file?",
    "--list --column=Name --column=Type --column=Size Documents Folder 4 Music Folder 12 "
    "notes.txt Text 1 photo.png Image 3",
)  # fmt: skip


# More real GTK 3 apps (packaging/install-system-deps.sh installs them): editors,
# file managers, viewers, settings dialogs, a calculator and yad's forms.
# Those in MENU_BAR_APPS draw a menu bar, and some of their captures open one
# of its menus first.
DESKTOP_APPS = (
    ("pluma", "pluma"), ("mate-calc", "mate-calc"), ("geany -i", "geany"), ("atril", "atril"),
    ("engrampa", "engrampa"), ("thunar", "thunar"), ("ristretto", "ristretto"),
    ("xfce4-taskmanager", "xfce4-taskmanager"), ("gucharmap", "gucharmap"),
    ("xfce4-appearance-settings", "xfce4-appearance-settings"),
    ("xfce4-mouse-settings", "xfce4-mouse-settings"),
    ("xfce4-keyboard-settings", "xfce4-keyboard-settings"),
    ("xfce4-settings-editor", "xfce4-settings-editor"), ("transmission-gtk", "transmission"),
    ("xarchiver", "xarchiver"), ("meld", "meld"), ("catfish", "catfish"),
    ("gedit", "gedit"), ("gnumeric", "gnumeric"), ("glade", "glade"),
    ("gnome-system-monitor", "gnome-system-monitor"), ("file-roller", "file-roller"),
    ("simple-scan", "simple-scan"),
    ("xfce4-screenshooter", "xfce4-screenshooter"), ("gtkhash", "gtkhash"),
    ("gnome-nettool", "gnome-nettool"), ("abiword", "abiword"), ("xournalpp", "xournalpp"),
    ("homebank", "homebank"), ("mate-search-tool", "mate-search-tool"),
    ("mate-dictionary", "mate-dictionary"), ("mate-system-log", "mate-system-log"),
    ("mate-system-monitor", "mate-system-monitor"), ("exfalso", "exfalso"),
    ("remmina", "remmina"), ("xfce4-dict", "xfce4-dict"),
    ("transmission-remote-gtk", "transmission-remote-gtk"), ("eog", "eog"),
    ("gcolor3", "gcolor3"), ("bluefish", "bluefish"), ("claws-mail", "claws-mail"),
    ("mate-appearance-properties", "mate-appearance-properties"),
    ("mate-keyboard-properties", "mate-keyboard-properties"),
    ("mate-mouse-properties", "mate-mouse-properties"),
    ("mate-keybinding-properties", "mate-keybinding-properties"),
    ("mate-network-properties", "mate-network-properties"),
    ("mate-default-applications-properties", "mate-default-applications-properties"),
    ("mate-disk-usage-analyzer", "mate-disk-usage-analyzer"), ("font-manager", "font-manager"),
)  # fmt: skip
YAD = (
    "--form --field=Name --field=Age:NUM --field=Subscribe:CHK --field=Colour:CLR "
    "--field=Kind:CB --field=Font:FN --field=Picture:FL --field=Born:DT Ada 36 TRUE #3366cc "
    "Small!Medium!Large Sans",
    "--form --columns=2 --field=Host --field=Port:NUM --field=User --field=Password:H "
    "--field=Secure:CHK --field=Proxy:CBE --field=Volume:SCL --field=Notes:TXT",
    "--list --checklist --column=Use --column=Package --column=Version TRUE gimp 2.10 "
    "FALSE inkscape 1.2 TRUE krita 5.1 FALSE blender 3.4 TRUE darktable 4.2",
    "--icons --read-dir=/usr/share/applications --compact",
    "--calendar --button=Today:2 --button=Cancel:1 --button=OK:0",
    "--entry --text=Search --entry-text=invoices --completion --button=Find:0 --button=Close:1",
    "--scale --value=30 --min-value=0 --max-value=100 --text=Brightness --inc-buttons",
    "--progress --percentage=45 --text=Copying --button=Pause:2 --button=Cancel:1",
)  # fmt: skip


MENU_BAR_APPS = frozenset({
    "pluma", "mate-calc", "geany", "atril", "engrampa", "thunar", "ristretto", "gucharmap",
    "transmission-gtk", "xarchiver", "demo-application_demo", "gnumeric", "gtkhash", "abiword",
    "xournalpp", "homebank", "mate-dictionary", "mate-system-log", "mate-system-monitor",
    "exfalso", "transmission-remote-gtk", "bluefish", "mate-disk-usage-analyzer",
})  # fmt: skip
POPUP_SHARE = 0.6  # of a menu-bar app's captures: the bench's menus are open popups too

SCENE_APP = Path(__file__).resolve().with_name("gtk_scene_app.py")
SCENE_CLASS = "desktop-agent-scene"
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter Debian's python3-gi belongs to

_TOP_LEVEL = frozenset({"window", "dialog", "alert", "file chooser", "color chooser"})


@dataclass(frozen=True)
class App:
    name: str
    command: list[str]
    window_class: str
    menu_bar: bool = False
    # Whether stray processes of its program are killed after a capture; not
    # for a script of the system Python, whose name other programs share.
    own_helpers: bool = True


def apps() -> list[App]:
    found = [App(f"demo-{d}", ["gtk3-demo", f"--run={d}"], "gtk3-demo") for d in DEMOS]
    found += [App(f"zenity-{i}", ["zenity", *args.split()], "zenity")
              for i, args in enumerate(ZENITY)]  # fmt: skip
    found += [App(name.split()[0], name.split(), cls) for name, cls in DESKTOP_APPS]
    found += [App(f"yad-{i}", ["yad", *args.split()], "yad") for i, args in enumerate(YAD)]
    return [App(a.name, a.command, a.window_class, menu_bar=a.name in MENU_BAR_APPS) for a in found]


def scenes(seed: int, count: int) -> list[App]:
    """Our random GTK windows, one per image; some have a menu bar to open."""
    found = []
    for i in range(count):
        command = [SYSTEM_PYTHON, str(SCENE_APP), "--seed", str(seed * 100_003 + i)]
        name = f"scene-{seed}-{i}"
        found.append(App(name, command, SCENE_CLASS, menu_bar=True, own_helpers=False))
    return found


def require_scene_python() -> None:
    """Stop with what to install when the system Python cannot draw GTK windows."""
    probe = [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('Gtk', '3.0')"]
    usable = shutil.which(SYSTEM_PYTHON) is not None
    if not usable or subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        raise SystemExit(f"--scenes needs PyGObject for {SYSTEM_PYTHON}: "
                         "sudo apt-get install python3-gi gir1.2-gtk-3.0")  # fmt: skip


def menu_keys(rng: random.Random) -> list[str]:
    """Key presses that open one of a menu bar's first four menus (F10 opens the first)."""
    return ["F10"] + ["Right"] * rng.randint(0, 3)


def label_crop(window: Box, mine: list[Element], margin: int, screen: Box) -> Box:
    """The window, its open popup menu's items (which may hang below it), and a margin."""
    area = window
    for element in mine:
        if element.role == "menu_item" and element.box.iou(screen) > 0:
            b = element.box
            area = Box(min(area.left, b.left), min(area.top, b.top),
                       max(area.right, b.right), max(area.bottom, b.bottom))  # fmt: skip
    top = max(screen.top, area.top - margin - 24)  # room for a title bar above
    right = min(screen.right, area.right + margin)
    return Box(max(screen.left, area.left - margin), top, right,
               min(screen.bottom, area.bottom + margin))  # fmt: skip


def window_elements(elements: list[Element], window: Box) -> list[Element]:
    """The elements of the one top-level window that matches `window` (tree order).

    An app's other windows lie behind the active one, and AT-SPI cannot tell
    what they hide; only the active window's own elements are labels.
    """
    groups: list[tuple[Box, list[Element]]] = []
    for element in elements:
        if element.role in _TOP_LEVEL:
            groups.append((element.box, []))
        elif groups:
            groups[-1][1].append(element)
    if not groups:
        return elements  # one window that names no role of its own
    best = max(groups, key=lambda g: g[0].iou(window))
    return best[1] if best[0].iou(window) > 0.5 else []


def _visible(image: Image.Image, box: LabeledBox) -> bool:
    """A box over one flat colour shows nothing: a hidden widget the tree still lists."""
    gray = image.crop((box.left, box.top, box.right, box.bottom)).convert("L")
    lo, hi = cast(tuple[int, int], gray.getextrema())  # one band: (min, max)
    return hi - lo >= 12


def label(image: Image.Image, elements: list[Element], crop: Box) -> list[LabeledBox]:
    """Interactive elements as detector boxes in `crop` coordinates (clipped, >= 4x4, visible).

    An empty table cell shows one flat colour too, but it is a cell all the same
    (the bench's ground truth counts it): a flat list item is kept when a visible
    one shares its row.
    """
    boxes: dict[tuple[int, int, int, int, str], LabeledBox] = {}
    flat_items: list[LabeledBox] = []
    for element in elements:
        cls = A11Y_TO_DETECTOR.get(element.role)
        if cls is None:
            continue
        b = element.box
        left, top = max(crop.left, b.left) - crop.left, max(crop.top, b.top) - crop.top
        right = min(crop.right, b.right) - crop.left
        bottom = min(crop.bottom, b.bottom) - crop.top
        if right - left >= 4 and bottom - top >= 4:
            box = LabeledBox(left, top, right, bottom, cls)
            if _visible(image, box):
                boxes[(left, top, right, bottom, cls)] = box
            elif cls == "list_item":
                flat_items.append(box)
    rows = {(b.top, b.bottom) for b in boxes.values() if b.cls == "list_item"}
    for box in flat_items:
        if (box.top, box.bottom) in rows:
            boxes[(box.left, box.top, box.right, box.bottom, box.cls)] = box
    return list(boxes.values())


def drop_covered_by_popup(boxes: list[LabeledBox]) -> list[LabeledBox]:
    """Without the widgets that an open popup menu hides (the tree still lists them).

    The menu bar's entries are the top row of menu items; items lower down
    belong to the open popup, and whatever else lies under the popup's
    area is hidden.
    """
    items = [b for b in boxes if b.cls == "menu_item"]
    if not items:
        return boxes
    top_row = min(b.top for b in items)
    bar_bottom = max(b.bottom for b in items if b.top <= top_row + 4)
    popup = [b for b in items if b.top >= bar_bottom - 2]
    if not popup:
        return boxes
    left, top = min(b.left for b in popup), min(b.top for b in popup)
    right, bottom = max(b.right for b in popup), max(b.bottom for b in popup)

    def hidden(b: LabeledBox) -> bool:
        width = min(b.right, right) - max(b.left, left)
        height = min(b.bottom, bottom) - max(b.top, top)
        covered = max(0, width) * max(0, height)
        return covered > 0.25 * (b.right - b.left) * (b.bottom - b.top)

    return [b for b in boxes if b in popup or not hidden(b)]


def _window_box(display: VirtualDisplay, window: str) -> Box | None:
    info = subprocess.run(["xwininfo", "-id", window], env=display.env, capture_output=True,
                          text=True, timeout=10, check=False).stdout  # fmt: skip
    fields = dict(re.findall(r"^\s*(Absolute upper-left [XY]|Width|Height):\s*(-?\d+)", info, re.M))
    try:
        x, y = int(fields["Absolute upper-left X"]), int(fields["Absolute upper-left Y"])
        return Box(x, y, x + int(fields["Width"]), y + int(fields["Height"]))
    except KeyError:
        return None


def capture(display: VirtualDisplay, screen: DisplayScreen, app: App, theme: str,
            work: Path, rng: random.Random) -> Sample | None:  # fmt: skip
    proc = display.launch(app.command, env=_app_env(work / "home", theme, qt=False))
    try:
        window = find_window(display, app.window_class, timeout_s=15)
        if window is None:
            logger.warning("%s showed no window", app.name)
            return None
        _xdo(display, "windowactivate", "--sync", window)
        if rng.random() < 0.4:
            _xdo(display, "windowsize", window, "100%", "100%")
            _xdo(display, "windowmove", window, "0", "0")
        else:
            _xdo(display, "windowmove", window, str(rng.randint(0, display.width // 3)),
                 str(rng.randint(0, display.height // 4)))  # fmt: skip
        time.sleep(0.6)
        if app.menu_bar and rng.random() < POPUP_SHARE:
            for key in menu_keys(rng):
                _xdo(display, "key", "--clearmodifiers", key)
                time.sleep(0.3)
            time.sleep(0.3)
        image = _still(screen, quiet_s=0.4, timeout_s=5.0)
        window_box = _window_box(display, window)
        expert = AtspiExpert(focused_app_only=True)
        try:
            nodes = expert.snapshot()
            elements = expert.elements(nodes, image.size)
            greyed = expert.greyed(nodes, image.size)
        finally:
            expert.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
        # Some demos start helper processes (gtk3-demo-application) that outlive
        # the launcher and would cover the next app's window.
        # Anchored, so that it matches programs and not arguments (ours included).
        if app.own_helpers:
            subprocess.run(["pkill", "-i", "-f", rf"^(\S*/)?{re.escape(app.command[0])}"],
                           check=False)  # fmt: skip
    if window_box is None:
        return None
    margin = rng.randint(0, 80)  # some desktop around the window, as in real screenshots
    labelled = window_sample(image, elements, window_box, margin, greyed)
    if labelled is None:
        return None
    crop, boxes, greyed_regions = labelled
    return Sample(crop, boxes, "gtk", 0, {"app": app.name, "theme": theme}, greyed_regions)


def window_sample(image: Image.Image, elements: list[Element], window: Box, margin: int,
                  greyed: Sequence[Element] = ()
                  ) -> tuple[Image.Image, list[LabeledBox], list[Region]] | None:  # fmt: skip
    """The screenshot cropped to the window (and its open menu), with the labels
    of what shows there and the regions of the window's greyed-out controls
    (background: no targets); None when nothing labelled shows."""
    mine = window_elements(elements, window)
    crop = label_crop(window, mine, margin, Box(0, 0, image.width, image.height))
    image = image.crop((crop.left, crop.top, crop.right, crop.bottom))
    grey = greyed_in(greyed, window, crop)
    # A menu whose items are all greyed out hides what lies under it all the same.
    grey_items = [LabeledBox(*region, "menu_item") for region, role in grey
                  if role in ("menu_item", "menu")]  # fmt: skip
    shown = drop_covered_by_popup(label(image, mine, crop) + grey_items)
    boxes = [b for b in shown if b not in grey_items]
    if not boxes:
        return None
    return image, boxes, [region for region, _ in grey]


def greyed_in(greyed: Sequence[Element], window: Box, crop: Box) -> list[tuple[Region, str]]:
    """The greyed-out controls centred in `window`, in `crop` coordinates (clipped,
    >= 4x4), with their roles."""
    regions = []
    for element in greyed:
        b = element.box
        cx, cy = (b.left + b.right) / 2, (b.top + b.bottom) / 2
        if not (window.left <= cx < window.right and window.top <= cy < window.bottom):
            continue  # another window's, which the active one may hide
        left, top = max(crop.left, b.left) - crop.left, max(crop.top, b.top) - crop.top
        right = min(crop.right, b.right) - crop.left
        bottom = min(crop.bottom, b.bottom) - crop.top
        if right - left >= 4 and bottom - top >= 4:
            regions.append(((left, top, right, bottom), element.role))
    return regions


def select_apps(catalogue: list[App], names: str) -> list[App]:
    """The apps whose name is in the comma list `names` (one naming none keeps all).

    Raises SystemExit naming the unknown ones, with the names there are.
    """
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        return catalogue
    known = {app.name for app in catalogue}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown app(s) {', '.join(unknown)}; the apps are: "
                         f"{', '.join(sorted(known))}")  # fmt: skip
    return [app for app in catalogue if app.name in wanted]


class DisplayScreen:
    """Screenshots of one X display (mss), and nothing else. Not a LocalDesktop: that
    binds pyautogui, which drives one display per process, and a build opens a display
    per screen size. With two builds at once, another build may take the number this
    one just closed, so its next display gets another number."""

    def __init__(self, display: str) -> None:
        import mss

        factory = getattr(mss, "MSS", None) or mss.mss
        self._sct = factory(display=display)

    def screenshot(self) -> Image.Image:
        shot = self._sct.grab(self._sct.monitors[0])
        return Image.frombuffer("RGB", shot.size, shot.raw, "raw", "BGRX", 0, 1)

    def close(self) -> None:
        self._sct.close()


def build(out: Path, count: int, seed: int, use_scenes: bool = False, only: str = "") -> Path:
    """only: a comma list of app names (`select_apps`), e.g. to add apps new to the catalogue."""
    if use_scenes:
        require_scene_python()
    writer = DatasetWriter(out)
    done = {r.seed for r in read_dataset(out)} if (out / "labels.jsonl").exists() else set()
    plan = [(i, random.Random(seed * 100_003 + i)) for i in range(count) if i not in done]
    by_size: dict[tuple[int, int], list[tuple[int, random.Random]]] = {}
    for i, rng in plan:
        by_size.setdefault(SIZES[i % len(SIZES)], []).append((i, rng))
    catalogue = scenes(seed, count) if use_scenes else select_apps(apps(), only)
    progress = len(done)
    for (width, height), jobs in by_size.items():
        with VirtualDisplay(width=width, height=height) as display:
            os.environ["DISPLAY"] = display.display
            if display.dbus_address:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = display.dbus_address
            screen = DisplayScreen(display.display)
            try:
                for i, rng in jobs:
                    app = catalogue[i % len(catalogue)]
                    theme = rng.choice(THEMES)
                    progress += 1
                    sys.stderr.write(
                        f"\r[{progress}/{count}] {app.name} {theme} {width}x{height}   "
                    )
                    sample = capture(display, screen, app, theme, out / "work", rng)
                    if sample is not None:
                        sample.seed = i
                        writer.add(sample)
            finally:
                screen.close()
    sys.stderr.write("\n")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenes", action="store_true",
                        help="our random GTK widget windows instead of the real apps")  # fmt: skip
    parser.add_argument(
        "--apps", default="", help="only these apps, a comma list of names (e.g. gnumeric,gedit)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    build(args.out, args.count, args.seed, use_scenes=args.scenes, only=args.apps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
