"""A random window of GTK 3 widgets, for the detector's GTK training images.

Run by the system Python, which has PyGObject (Debian's python3-gi):
`/usr/bin/python3 bench/gtk_scene_app.py --seed N`. It imports nothing from
this project. `bench.gtk_train_set` opens it like any other app and labels
the screenshot from its accessibility tree, so its boxes follow the same
conventions as the bench's ground truth.

Real apps show some widgets seldom or in one way only (notebook tabs down the
side, list-box rows with controls, vertical scales, spin buttons, text views,
stack switchers, radio buttons drawn as linked buttons, tables with empty
cells, keypads and views that grow with a large window); a seeded mix of
every common widget, in random arrangements, sizes and states, shows them
all, the way the Qt and web generators do for their toolkits. The words and
layouts are random: no bench app is copied.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GdkPixbuf, GLib, Gtk  # noqa: E402  (the versions must be chosen first)

CLASS_NAME = "desktop-agent-scene"
WORDS = (
    "alpha", "amber", "archive", "atlas", "basin", "beacon", "bridge", "canyon", "cedar",
    "chart", "cipher", "cobalt", "comet", "copper", "delta", "drift", "ember", "falcon",
    "fern", "field", "flint", "forge", "garnet", "glade", "harbor", "hazel", "helix", "index",
    "island", "jade", "juniper", "kernel", "lagoon", "lantern", "ledger", "linen", "maple",
    "marble", "meadow", "meteor", "nectar", "nimbus", "north", "oasis", "onyx", "orbit",
    "packet", "pebble", "pilot", "prism", "quartz", "quill", "raven", "reef", "ridge", "saddle",
    "signal", "slate", "sparrow", "spruce", "summit", "tandem", "thistle", "timber", "topaz",
    "tundra", "vector", "velvet", "willow", "window", "yarrow", "zenith", "zephyr",
)  # fmt: skip
ICONS = (
    "document-open", "document-save", "document-new", "edit-copy", "edit-cut", "edit-paste",
    "edit-find", "edit-undo", "edit-redo", "edit-delete", "go-home", "go-previous", "go-next",
    "go-up", "view-refresh", "list-add", "list-remove", "media-playback-start",
    "media-playback-pause", "media-record", "mail-send", "preferences-system", "system-search",
    "zoom-in", "zoom-out", "format-text-bold", "format-text-italic", "window-close",
    "open-menu", "view-grid", "view-list", "emblem-system", "dialog-information",
    "document-print", "folder", "user-trash", "audio-volume-high", "camera-photo",
)  # fmt: skip


SIDES = (Gtk.PositionType.TOP, Gtk.PositionType.BOTTOM, Gtk.PositionType.LEFT,
         Gtk.PositionType.RIGHT)  # fmt: skip


def words(rng: random.Random, low: int = 1, high: int = 2) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    return text.capitalize() if rng.random() < 0.7 else text


def icon_button(rng: random.Random) -> Gtk.Button:
    button = Gtk.Button.new_from_icon_name(rng.choice(ICONS), Gtk.IconSize.BUTTON)
    button.set_tooltip_text(words(rng))  # its accessible name
    return button


def mode_buttons(rng: random.Random) -> Gtk.Widget:
    """A linked row of radio buttons drawn as buttons, one pressed (view and alignment
    switchers): AT-SPI calls them radio buttons, and so does the bench's ground truth."""
    box = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL)
    box.get_style_context().add_class("linked")
    group: Gtk.RadioButton | None = None
    icons = rng.random() < 0.6
    count = rng.randint(2, 5)
    pressed = rng.randrange(count)
    for i in range(count):
        widget = Gtk.RadioButton.new_from_widget(group)
        group = group or widget
        widget.set_mode(False)  # no indicator: drawn as a toggle button
        if icons:
            widget.set_image(Gtk.Image.new_from_icon_name(rng.choice(ICONS), Gtk.IconSize.BUTTON))
            widget.set_tooltip_text(words(rng))
        else:
            widget.set_label(words(rng, 1, 1))
        box.pack_start(widget, False, False, 0)
        if i == pressed:
            widget.set_active(True)
    return box


def buttons(rng: random.Random) -> Gtk.Widget:
    if rng.random() < 0.2:
        return mode_buttons(rng)
    box = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL, spacing=rng.choice((0, 4, 8)))
    if rng.random() < 0.4:
        box.get_style_context().add_class("linked")
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.45:
            widget: Gtk.Widget = Gtk.Button(label=words(rng))
        elif kind < 0.7:
            widget = icon_button(rng)
        elif kind < 0.85:
            widget = Gtk.ToggleButton(label=words(rng))
            widget.set_active(rng.random() < 0.4)
        else:
            widget = Gtk.MenuButton(label=words(rng))
        if rng.random() < 0.15:
            accent = rng.choice(("suggested-action", "destructive-action"))
            widget.get_style_context().add_class(accent)
        box.pack_start(widget, False, False, 0)
    return box


def choices(rng: random.Random) -> Gtk.Widget:
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=rng.choice((0, 2, 6)))
    radio = rng.random() < 0.5
    group: Gtk.RadioButton | None = None
    for _ in range(rng.randint(2, 5)):
        if radio:
            widget: Gtk.ToggleButton = Gtk.RadioButton.new_with_label_from_widget(group, words(rng))
            group = group or widget
        else:
            widget = Gtk.CheckButton(label=words(rng))
            widget.set_inconsistent(rng.random() < 0.1)
        widget.set_active(rng.random() < 0.4)
        box.pack_start(widget, False, False, 0)
    return box


def fields(rng: random.Random) -> Gtk.Widget:
    grid = Gtk.Grid(row_spacing=rng.choice((4, 8)), column_spacing=8)
    for row in range(rng.randint(1, 4)):
        grid.attach(Gtk.Label(label=words(rng) + ":", xalign=0), 0, row, 1, 1)
        kind = rng.random()
        if kind < 0.4:
            widget: Gtk.Widget = Gtk.Entry(placeholder_text=words(rng))
            if rng.random() < 0.5:
                widget.set_text(words(rng, 1, 3))
            if rng.random() < 0.3:
                widget.set_icon_from_icon_name(Gtk.EntryIconPosition.SECONDARY, "edit-clear")
        elif kind < 0.55:
            widget = Gtk.SearchEntry()
        elif kind < 0.75:
            widget = Gtk.SpinButton.new_with_range(0, 100, 1)
            widget.set_value(rng.randint(0, 100))
            if rng.random() < 0.2:  # widget-factory's vertical kind: tall and narrow
                widget.set_orientation(Gtk.Orientation.VERTICAL)
        else:
            widget = Gtk.ComboBoxText.new_with_entry() if rng.random() < 0.3 else Gtk.ComboBoxText()
            for _ in range(4):
                widget.append_text(words(rng))
            widget.set_active(0)
        widget.set_hexpand(True)
        grid.attach(widget, 1, row, 1, 1)
    return grid


def scales(rng: random.Random) -> Gtk.Widget:
    vertical = rng.random() < 0.4
    box = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL if vertical else Gtk.Orientation.VERTICAL,
                  spacing=8)  # fmt: skip
    for _ in range(rng.randint(1, 3)):
        orientation = Gtk.Orientation.VERTICAL if vertical else Gtk.Orientation.HORIZONTAL
        scale = Gtk.Scale.new_with_range(orientation, 0, 100, 1)
        scale.set_value(rng.randint(0, 100))
        scale.set_draw_value(rng.random() < 0.4)
        if rng.random() < 0.3:
            for mark in (0, 50, 100):
                scale.add_mark(mark, Gtk.PositionType.BOTTOM, None)
        scale.set_size_request(-1, rng.randint(120, 300)) if vertical else scale.set_size_request(
            rng.randint(120, 360), -1)  # fmt: skip
        box.pack_start(scale, False, False, 0)
    return box


def switches(rng: random.Random) -> Gtk.Widget:
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
    for _ in range(rng.randint(1, 3)):
        row = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL, spacing=12)
        row.pack_start(Gtk.Label(label=words(rng)), False, False, 0)
        switch = Gtk.Switch(active=rng.random() < 0.5)
        row.pack_end(switch, False, False, 0)
        box.pack_start(row, False, False, 0)
    return box


def notebook(rng: random.Random) -> Gtk.Widget:
    book = Gtk.Notebook()
    book.set_tab_pos(rng.choice(SIDES))
    expand = rng.random() < 0.3  # tabs stretched across the whole strip
    for _ in range(rng.randint(2, 5)):
        page = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        if rng.random() < 0.5:
            page.pack_start(rng.choice((buttons, choices, fields))(rng), False, False, 6)
        tab: Gtk.Widget = Gtk.Label(label=words(rng, 1, 1))
        if rng.random() < 0.3:
            tab_box = Gtk.Box(spacing=4)
            tab_box.pack_start(tab, False, False, 0)
            close = Gtk.Button.new_from_icon_name("window-close-symbolic", Gtk.IconSize.MENU)
            close.set_relief(Gtk.ReliefStyle.NONE)
            close.set_tooltip_text("Close")
            tab_box.pack_start(close, False, False, 0)
            tab_box.show_all()
            tab = tab_box
        book.append_page(page, tab)
        book.child_set_property(page, "tab-expand", expand)
    book.set_size_request(rng.randint(200, 420), rng.randint(120, 260))
    return book


def stack(rng: random.Random) -> Gtk.Widget:
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
    pages = Gtk.Stack()
    for i in range(rng.randint(2, 4)):
        pages.add_titled(Gtk.Label(label=words(rng, 2, 4)), f"page{i}", words(rng, 1, 1))
    switcher = Gtk.StackSwitcher(stack=pages)
    box.pack_start(switcher, False, False, 0)
    box.pack_start(pages, True, True, 0)
    return box


def _swatch(rng: random.Random) -> Gtk.Widget:
    area = Gtk.DrawingArea()
    area.set_size_request(rng.randint(24, 48), rng.randint(16, 24))
    colour = (rng.random(), rng.random(), rng.random())

    def draw(_widget: Gtk.Widget, cr: object) -> bool:
        cr.set_source_rgb(*colour)  # type: ignore[attr-defined]
        cr.paint()  # type: ignore[attr-defined]
        return False

    area.connect("draw", draw)
    return area


def list_box(rng: random.Random) -> Gtk.Widget:
    rows = Gtk.ListBox()
    rows.set_selection_mode(rng.choice((Gtk.SelectionMode.NONE, Gtk.SelectionMode.SINGLE)))
    tails: tuple[Callable[[random.Random], Gtk.Widget], ...] = (
        _swatch,
        lambda r: Gtk.Switch(active=r.random() < 0.5),
        lambda r: Gtk.CheckButton(),
        lambda r: Gtk.Label(label=str(r.randint(1, 99))),
    )
    tail = rng.choice(tails)
    for _ in range(rng.randint(3, 9)):
        row = Gtk.Box(spacing=12, margin=rng.choice((4, 8, 12)))
        row.pack_start(Gtk.Label(label=words(rng, 1, 3), xalign=0), True, True, 0)
        if rng.random() < 0.8:
            row.pack_end(tail(rng), False, False, 0)
        rows.add(row)
    if rng.random() < 0.6:
        rows.set_header_func(lambda row, above: row.set_header(Gtk.Separator() if above else None))
    frame = Gtk.Frame()
    frame.add(rows)
    frame.set_size_request(rng.randint(200, 480), -1)
    return frame


def tree(rng: random.Random) -> Gtk.Widget:
    columns = rng.randint(1, 3)
    store = Gtk.TreeStore(bool, str, *([str] * columns))
    empty = rng.choice((0.0, 0.0, 0.3))
    parents: list[Gtk.TreeIter | None] = [None]
    for _ in range(rng.randint(3, 10)):
        parent = rng.choice(parents) if rng.random() < 0.5 else None
        # Some cells of the later columns stay empty, as in real tables.
        cells = [words(rng) if i == 0 or rng.random() > empty else "" for i in range(columns)]
        values = [rng.random() < 0.5, rng.choice(ICONS), *cells]
        parents.append(store.append(parent, values))
    view = Gtk.TreeView(model=store)
    if rng.random() < 0.5:
        toggle = Gtk.CellRendererToggle()
        view.append_column(Gtk.TreeViewColumn(words(rng, 1, 1), toggle, active=0))
    if rng.random() < 0.5:
        pixbuf = Gtk.CellRendererPixbuf()
        view.append_column(Gtk.TreeViewColumn(words(rng, 1, 1), pixbuf, icon_name=1))
    for i in range(columns):
        text = Gtk.CellRendererText()
        view.append_column(Gtk.TreeViewColumn(words(rng, 1, 1), text, text=2 + i))
    view.set_headers_visible(rng.random() < 0.7)
    view.expand_all()
    scroller = Gtk.ScrolledWindow()
    scroller.add(view)
    scroller.set_size_request(rng.randint(220, 480), rng.randint(120, 260))
    return scroller


def text_view(rng: random.Random) -> Gtk.Widget:
    view = Gtk.TextView(wrap_mode=Gtk.WrapMode.WORD)
    view.get_buffer().set_text(" ".join(words(rng, 3, 9) + "." for _ in range(rng.randint(0, 8))))
    scroller = Gtk.ScrolledWindow(shadow_type=Gtk.ShadowType.IN)
    scroller.add(view)
    scroller.set_size_request(rng.randint(160, 760), rng.randint(60, 380))
    return scroller


def pickers(rng: random.Random) -> Gtk.Widget:
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
    makers: list[Callable[[], Gtk.Widget]] = [
        lambda: Gtk.ColorButton(rgba=Gdk.RGBA(rng.random(), rng.random(), rng.random(), 1)),
        lambda: Gtk.FontButton(),
        lambda: Gtk.FileChooserButton(title=words(rng)),
        lambda: Gtk.LinkButton.new_with_label("https://example.org", words(rng)),
        lambda: Gtk.ProgressBar(fraction=rng.random()),
        lambda: Gtk.LevelBar(value=rng.random()),
    ]
    for make in rng.sample(makers, rng.randint(1, 3)):
        box.pack_start(make(), False, False, 0)
    return box


def icon_view(rng: random.Random) -> Gtk.Widget:
    """A grid of icons, plain or symbolic, some with captions (AT-SPI role: icon)."""
    theme = Gtk.IconTheme.get_default()
    size = rng.choice((16, 24, 32, 48))
    suffix = "-symbolic" if rng.random() < 0.5 else ""
    store = Gtk.ListStore(GdkPixbuf.Pixbuf, str)
    for name in rng.sample(ICONS, rng.randint(4, 16)):
        try:
            pixbuf = theme.load_icon(name + suffix, size, Gtk.IconLookupFlags.FORCE_SIZE)
        except GLib.Error:
            continue  # not in this theme
        store.append([pixbuf, words(rng, 1, 1) if rng.random() < 0.4 else name])
    view = Gtk.IconView(model=store, pixbuf_column=0)
    if rng.random() < 0.4:
        view.set_text_column(1)
    view.set_columns(rng.randint(2, 6))
    view.set_item_padding(rng.choice((2, 6, 10)))
    return view


KEYS = (*"0123456789", "+", "-", "x", "/", "=", "%", ".", "(", ")", "C", "AC", "MR", "M+",
        "sin", "cos", "tan", "ln", "log", "x²", "√", "π", "e", "±", "1/x")  # fmt: skip


def keypad(rng: random.Random) -> Gtk.Widget:
    """A homogeneous grid of short-label buttons, as in calculators and dial pads: in a
    window that stretches, the buttons grow with it."""
    grid = Gtk.Grid(row_homogeneous=True, column_homogeneous=True)
    spacing = rng.choice((0, 2, 4, 6))
    grid.set_row_spacing(spacing)
    grid.set_column_spacing(spacing)
    columns = rng.randint(3, 6)
    for row in range(rng.randint(2, 6)):
        for column in range(columns):
            button = Gtk.Button(label=rng.choice(KEYS) if rng.random() < 0.85 else words(rng, 1, 1))
            button.set_hexpand(True)
            button.set_vexpand(True)
            grid.attach(button, column, row, 1, 1)
    return grid


def expander(rng: random.Random) -> Gtk.Widget:
    widget = Gtk.Expander(label=words(rng), expanded=rng.random() < 0.5)
    widget.add(rng.choice((choices, fields, buttons))(rng))
    return widget


GROUPS = (buttons, choices, fields, scales, switches, notebook, stack, list_box, tree,
          text_view, pickers, expander, icon_view, keypad)  # fmt: skip


def menu_bar(rng: random.Random) -> Gtk.Widget:
    bar = Gtk.MenuBar()
    for _ in range(rng.randint(3, 7)):
        top = Gtk.MenuItem(label=words(rng, 1, 1).capitalize())
        menu = Gtk.Menu()
        for _ in range(rng.randint(3, 8)):
            item = Gtk.CheckMenuItem(label=words(rng)) if rng.random() < 0.15 else Gtk.MenuItem(
                label=words(rng))  # fmt: skip
            menu.append(item)
        top.set_submenu(menu)
        bar.append(top)
    return bar


def tool_bar(rng: random.Random) -> Gtk.Widget:
    bar = Gtk.Toolbar()
    bar.set_style(rng.choice((Gtk.ToolbarStyle.ICONS, Gtk.ToolbarStyle.BOTH_HORIZ)))
    for _ in range(rng.randint(3, 9)):
        if rng.random() < 0.15:
            bar.insert(Gtk.SeparatorToolItem(), -1)
        button = Gtk.ToolButton(icon_name=rng.choice(ICONS), label=words(rng, 1, 1))
        bar.insert(button, -1)
    return bar


# Controls that show greyed out beside enabled twins, as real forms (and
# gtk3-widget-factory) draw them: the detector must learn them as background.
_GREYABLE = (Gtk.Button, Gtk.Entry, Gtk.ComboBox, Gtk.Scale, Gtk.Switch)


def grey_some(widget: Gtk.Widget, rng: random.Random) -> None:
    """Greys out about a third of the controls inside `widget`, one by one."""
    if isinstance(widget, _GREYABLE):
        if rng.random() < 0.35:
            widget.set_sensitive(False)
        return  # a control's own parts (a combo's button) go with it
    if isinstance(widget, Gtk.Container):
        for child in widget.get_children():
            grey_some(child, rng)


def window(rng: random.Random) -> Gtk.Window:
    win = Gtk.Window(title=words(rng, 1, 3))
    if rng.random() < 0.3:
        header = Gtk.HeaderBar(title=words(rng), show_close_button=True)
        header.pack_start(icon_button(rng))
        if rng.random() < 0.5:
            header.pack_end(icon_button(rng))
        win.set_titlebar(header)
    outer = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
    if rng.random() < 0.4:
        outer.pack_start(menu_bar(rng), False, False, 0)
    if rng.random() < 0.3:
        outer.pack_start(tool_bar(rng), False, False, 0)
    # A stretching window (a third of them) opens large and lets its widgets grow
    # with it, as real apps' main views do: text views, lists and calculator keys
    # hundreds of pixels across, which content-sized windows never show.
    stretch = rng.random() < 0.35
    if stretch:
        win.set_default_size(rng.randint(700, 1900), rng.randint(500, 1000))
    grid = Gtk.Box(spacing=rng.choice((12, 18, 24)), margin=rng.choice((6, 12, 18)))
    for _ in range(rng.randint(1, 3) if stretch else rng.randint(1, 4)):
        column = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=rng.choice((6, 12, 18)))
        for _ in range(rng.randint(1, 3) if stretch else rng.randint(1, 4)):
            widget = rng.choice(GROUPS)(rng)
            widget.set_sensitive(rng.random() > 0.08)
            if rng.random() < 0.45:
                grey_some(widget, rng)
            grow = stretch and rng.random() < 0.7
            column.pack_start(widget, grow, grow, 0)
        grid.pack_start(column, stretch, stretch, 0)
    outer.pack_start(grid, True, True, 0)
    win.add(outer)
    win.connect("destroy", Gtk.main_quit)
    return win


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    GLib.set_prgname(CLASS_NAME)
    Gdk.set_program_class(CLASS_NAME)  # WM_CLASS, which the capture looks the window up by
    win = window(random.Random(args.seed))
    win.show_all()
    Gtk.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
