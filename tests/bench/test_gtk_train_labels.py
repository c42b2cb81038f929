"""The GTK training set keeps only the active window's visible interactive elements."""

from __future__ import annotations

import random
import shutil

import pytest
from bench.gtk_train_set import (
    MENU_BAR_APPS,
    DisplayScreen,
    apps,
    drop_covered_by_popup,
    label,
    label_crop,
    menu_keys,
    select_apps,
    window_elements,
    window_sample,
)
from PIL import Image, ImageDraw

from desktop_agent.desktop.virtual import VirtualDisplay
from grounding import Box, Element
from grounding.detector.dataset import LabeledBox


def _el(role: str, box: tuple[int, int, int, int]) -> Element:
    return Element(Box(*box), role=role, text=role, source="atspi")


def test_only_the_matching_top_level_window_is_kept() -> None:
    tree = [
        _el("window", (235, 72, 1045, 728)),  # the demo launcher behind
        _el("list_item", (240, 100, 400, 120)),
        _el("dialog", (0, 0, 388, 227)),  # the active dialog
        _el("button", (20, 180, 100, 210)),
    ]
    mine = window_elements(tree, Box(1, 20, 387, 226))
    assert [e.role for e in mine] == ["button"]
    assert window_elements(tree, Box(900, 700, 1000, 790)) == []  # matches neither
    assert window_elements(tree[1:2], Box(0, 0, 10, 10)) == tree[1:2]  # no top level named


def test_labels_are_clipped_shifted_mapped_and_visible_only() -> None:
    image = Image.new("RGB", (300, 200), (240, 240, 240))
    ImageDraw.Draw(image).rectangle((10, 10, 60, 34), outline=(0, 0, 0), fill=(200, 200, 200))
    crop = Box(100, 50, 400, 250)  # the image is this part of the screen
    elements = [
        _el("toggle", (110, 60, 161, 85)),  # drawn: kept, as "button", in crop pixels
        _el("checkbox", (200, 150, 240, 170)),  # over flat background: a hidden widget
        _el("label", (110, 60, 161, 85)),  # not interactive
        _el("button", (95, 60, 102, 85)),  # 2 px left inside the crop: too small
    ]
    boxes = label(image, elements, crop)
    assert [(b.left, b.top, b.right, b.bottom, b.cls) for b in boxes] == [
        (10, 10, 61, 35, "button")
    ]


def test_an_empty_table_cell_is_kept_beside_a_visible_cell_of_its_row() -> None:
    image = Image.new("RGB", (300, 200), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((12, 12), "Alpaida", fill=(0, 0, 0))  # row 1: a name, then an empty cell
    draw.text((12, 62), "Begga", fill=(0, 0, 0))
    draw.text((112, 62), "615", fill=(0, 0, 0))  # row 2: both cells filled
    elements = [
        _el("list_item", (10, 10, 100, 30)),
        _el("list_item", (100, 10, 200, 30)),  # empty, in a row that shows
        _el("list_item", (10, 60, 100, 80)),
        _el("list_item", (100, 60, 200, 80)),
        _el("list_item", (10, 150, 200, 170)),  # flat, and no visible cell in its row
        _el("checkbox", (100, 100, 120, 120)),  # flat and not a cell: hidden
    ]
    boxes = label(image, elements, Box(0, 0, 300, 200))
    assert sorted((b.left, b.top, b.right, b.bottom) for b in boxes) == [
        (10, 10, 100, 30), (10, 60, 100, 80), (100, 10, 200, 30), (100, 60, 200, 80)
    ]  # fmt: skip


def test_the_crop_takes_in_an_open_menu_that_hangs_below_the_window() -> None:
    screen = Box(0, 0, 1280, 800)
    window = Box(50, 50, 700, 300)
    mine = [
        _el("menu", (60, 50, 100, 75)),
        _el("menu_item", (60, 280, 360, 305)),
        _el("menu_item", (60, 306, 360, 331)),  # below the window's bottom edge
        _el("button", (600, 280, 1000, 500)),  # not a menu: the window's own edge rules
    ]
    assert label_crop(window, mine, 10, screen) == Box(40, 16, 710, 341)
    assert label_crop(window, mine[:1], 10, screen) == Box(40, 16, 710, 310)
    # The screen's edges clip it.
    assert label_crop(Box(0, 0, 1280, 790), mine, 30, screen) == screen


def test_menu_keys_open_one_of_the_first_four_menus() -> None:
    seen = {tuple(menu_keys(random.Random(seed))) for seed in range(40)}
    assert seen == {("F10",) + ("Right",) * n for n in range(4)}


def test_menu_bar_apps_are_all_in_the_catalogue() -> None:
    names = {app.name for app in apps() if app.menu_bar}
    assert names == MENU_BAR_APPS


def test_every_catalogued_program_is_installed() -> None:
    # packaging/install-system-deps.sh installs them; an app added to the
    # catalogue but not to the script would only log "showed no window".
    missing = sorted({app.command[0] for app in apps() if shutil.which(app.command[0]) is None})
    assert not missing, f"add their Debian packages to packaging/install-system-deps.sh: {missing}"


def test_widgets_under_an_open_popup_menu_are_dropped() -> None:
    bar = [LabeledBox(0, 20, 90, 45, "menu_item"), LabeledBox(90, 20, 150, 45, "menu_item")]
    popup = [LabeledBox(0, 50, 300, 75, "menu_item"), LabeledBox(0, 75, 300, 100, "menu_item")]
    under = LabeledBox(10, 60, 80, 90, "button")  # wholly behind the popup
    edge = LabeledBox(280, 60, 400, 90, "button")  # a sixth of it behind: still shown
    half = LabeledBox(200, 60, 400, 90, "text_field")  # half behind
    below = LabeledBox(0, 120, 300, 150, "button")
    kept = drop_covered_by_popup([*bar, *popup, under, edge, half, below])
    assert kept == [*bar, *popup, edge, below]
    # With the menus closed, nothing is hidden.
    closed = [*bar, under, edge, half, below]
    assert drop_covered_by_popup(closed) == closed
    assert drop_covered_by_popup([under, below]) == [under, below]


def test_a_window_sample_takes_in_its_open_menu_and_drops_what_the_menu_hides() -> None:
    screen = Image.new("RGB", (640, 400), (30, 30, 30))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((100, 50, 400, 250), fill=(240, 240, 240))  # the window
    for box in [(100, 70, 150, 90), (100, 95, 300, 120), (100, 240, 300, 265)]:
        draw.rectangle(box, outline=(0, 0, 0), fill=(200, 200, 200))  # bar entry, two items
    draw.rectangle((120, 104, 180, 110), fill=(0, 0, 0))  # the first item's text
    draw.rectangle((300, 200, 380, 230), outline=(0, 0, 0), fill=(180, 180, 180))  # a button
    tree = [
        _el("window", (100, 50, 400, 250)),
        _el("menu", (100, 70, 150, 90)),
        _el("menu_item", (100, 95, 300, 120)),
        _el("menu_item", (100, 240, 300, 265)),  # hangs below the window
        _el("button", (110, 100, 190, 118)),  # under the open menu (its text shows there)
        _el("button", (300, 200, 380, 230)),
    ]
    greyed = [
        _el("button", (310, 130, 390, 160)),  # the window's own, greyed out
        _el("button", (500, 300, 560, 330)),  # another window's
    ]
    sample = window_sample(screen, tree, Box(100, 50, 400, 250), 0, greyed)
    assert sample is not None
    image, boxes, greyed_regions = sample
    assert greyed_regions == [(210, 104, 290, 134)]  # in the crop, which starts at (100, 26)
    assert image.size == (300, 239)  # 24 px above the window for its title bar, to the menu's end
    assert [(b.left, b.top, b.right, b.bottom, b.cls) for b in boxes] == [
        (0, 44, 50, 64, "menu_item"),
        (0, 69, 200, 94, "menu_item"),
        (0, 214, 200, 239, "menu_item"),
        (200, 174, 280, 204, "button"),
    ]
    assert window_sample(screen, tree[:1], Box(100, 50, 400, 250), 0) is None


def test_apps_can_be_narrowed_to_a_named_few() -> None:
    catalogue = apps()
    assert select_apps(catalogue, "") == catalogue
    assert select_apps(catalogue, " , ") == catalogue  # never an empty catalogue to cycle
    chosen = select_apps(catalogue, "gnumeric, gedit")
    assert [a.name for a in chosen] == ["gedit", "gnumeric"]  # catalogue order
    assert chosen[1].menu_bar
    with pytest.raises(SystemExit, match=r"unknown app.*gnumerik.*the apps are:.*gnumeric"):
        select_apps(catalogue, "gnumerik")


def test_an_open_menu_of_greyed_out_items_hides_what_lies_under_it() -> None:
    screen = Image.new("RGB", (640, 400), (30, 30, 30))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((100, 50, 400, 250), fill=(240, 240, 240))  # the window
    for box in [(100, 70, 150, 90), (100, 150, 300, 175), (100, 180, 300, 205)]:
        draw.rectangle(box, outline=(0, 0, 0), fill=(200, 200, 200))
    tree = [
        _el("window", (100, 50, 400, 250)),
        _el("menu", (100, 70, 150, 90)),  # the bar's entry, whose menu is open
        _el("list_item", (100, 150, 300, 175)),  # under the open menu
        _el("list_item", (100, 180, 300, 205)),  # under it too
    ]
    greyed = [_el("menu_item", (105, 95, 300, 120)), _el("menu_item", (105, 120, 300, 215))]
    sample = window_sample(screen, tree, Box(100, 50, 400, 250), 0, greyed)
    assert sample is not None
    _, boxes, greyed_regions = sample
    assert [b.cls for b in boxes] == ["menu_item"]  # the list rows are hidden
    assert len(greyed_regions) == 2
    # With no greyed menu open, the rows show.
    sample = window_sample(screen, tree, Box(100, 50, 400, 250), 0)
    assert sample is not None
    assert sorted(b.cls for b in sample[1]) == ["list_item", "list_item", "menu_item"]


@pytest.mark.display
def test_one_build_captures_displays_of_two_numbers() -> None:
    """A build opens a display per screen size, and with two builds at once the next
    display may get another number; pyautogui drives only one display per process."""
    with (
        VirtualDisplay(width=640, height=480, window_manager=None) as first,
        VirtualDisplay(width=800, height=600, window_manager=None) as second,
    ):
        assert first.display != second.display
        sizes = []
        for display in (first, second):
            screen = DisplayScreen(display.display)
            sizes.append(screen.screenshot().size)
            screen.close()
    assert sizes == [(640, 480), (800, 600)]
