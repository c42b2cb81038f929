"""Random whole pages: app windows (editor, widget gallery, settings, file manager,
calculator, dashboard, form) and web sites, sometimes with an open menu or a
dialog on top. `build_page(seed)` returns the same HTML for the same seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from html import escape

from .web_icons import pick_icon
from .web_sites import website
from .web_theme import Theme, hsl, make_theme, mix, theme_css
from .web_widgets import Kit, det
from .web_words import CALC_KEYS, MENUS, NOUNS, OPTIONS, sentence, title

COLUMN = "display:flex;flex-direction:column"
FILL = "align-items:stretch;gap:0;min-height:0"  # an hstack whose panes fill the height


def div(style: str, *parts: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<div{klass} style="{style}">{"".join(parts)}</div>'


def menubar(kit: Kit, *, open_menu: bool | None = None) -> str:
    rng = kit.rng
    middle = rng.sample(sorted(set(MENUS) - {"File", "Help"}), rng.randint(1, 4))
    names = ["File", *middle, "Help"]
    opened = kit.chance(0.3) if open_menu is None else open_menu
    open_at = rng.randrange(len(names)) if opened else -1
    items = []
    for i, name in enumerate(names):
        menu = ""
        if i == open_at:
            entries = MENUS[name][: rng.randint(3, len(MENUS[name]))]
            hl = rng.randrange(len(entries)) if kit.chance(0.5) else None
            menu = kit.menu(entries, style="top:100%;left:0", hl=hl)
        state = " hl" if i == open_at else ""
        items.append(
            f'<div class="mi{state}" role="menuitem"{det("menu_item")}>{escape(name)}{menu}</div>'
        )
    return f'<div class="menubar" role="menubar">{"".join(items)}</div>'


def toolbar(kit: Kit, n: int | None = None, *, search: bool | None = None) -> str:
    rng = kit.rng
    kind = "color" if kit.chance(0.35) else "mono"
    flat = kit.chance(0.7)
    stacked = kit.chance(0.12)  # icons above their captions, GTK's "both" toolbar style
    parts = []
    for i in range(n or rng.randint(3, 10)):
        if i and kit.chance(0.15):
            parts.append('<span style="width:1px;align-self:stretch;background:var(--border)">')
            parts.append("</span>")
        if stacked or kit.chance(0.12):
            variant = "flat" if flat else "plain"
            style = "flex-direction:column;padding:4px" if stacked else ""
            icon = pick_icon(rng, kind)
            parts.append(kit.button(rng.choice(NOUNS), icon=icon, variant=variant, style=style))
        else:
            parts.append(kit.icon_button(flat=flat, kind=kind))
    if kit.chance(0.4 if search is None else float(search)):
        parts.append(f'<span class="grow"></span>{kit.search_entry(w=(160, 260))}')
    return f'<div class="toolbar">{"".join(parts)}</div>'


def headerbar(kit: Kit, *, switcher: bool = False) -> str:
    rng = kit.rng
    left = "".join(kit.icon_button(flat=kit.chance(0.3)) for _ in range(rng.randint(0, 2)))
    if kit.chance(0.3):
        left += kit.button(rng.choice(("Open", "New", "Back", "Cancel")), variant="plain")
    middle = f'<div class="title">{escape(title(rng))}</div>'
    if switcher:  # GTK's stack switcher: linked toggle buttons that switch pages
        words = tuple(f"Page {i}" for i in range(1, rng.randint(3, 5)))
        middle = div("display:flex;justify-content:center", kit.tabs(words=words), cls="grow")
    right = "".join(kit.icon_button(flat=kit.chance(0.3)) for _ in range(rng.randint(0, 2)))
    right += kit.button(None, icon="menu", variant=rng.choice(("plain", "flat", "on")))
    controls = rng.choice((("close",), ("minimize", "close"), ("minimize", "maximize", "close")))
    right += "".join(kit.button(None, icon=c, variant="flat") for c in controls)
    return f'<div class="headerbar">{left}{middle}{right}</div>'


def statusbar(kit: Kit) -> str:
    return f'<div class="statusbar">{escape(sentence(kit.rng, 3, 8))}</div>'


def gallery(kit: Kit) -> str:
    """A widget-factory-like page: columns of assorted controls over a row of notebooks."""
    rng = kit.rng
    cols = []
    for _ in range(rng.randint(2, 5)):
        items = []
        for _ in range(rng.randint(4, 10)):
            pick = rng.random()
            if pick < 0.12:
                items.append(kit.radio_group())
            elif pick < 0.24:
                checks = "".join(kit.checkbox() for _ in range(rng.randint(2, 3)))
                items.append(f'<div class="vstack">{checks}</div>')
            elif pick < 0.3:
                items.append(kit.slider(w=(140, 300)))
            elif pick < 0.34:
                items.append(kit.table(rng.randint(2, 5), rng.randint(2, 4)))
            elif pick < 0.37:
                items.append(kit.textarea(rng.randint(3, 8), style="width:260px"))
            else:
                items.append(kit.any_control())
        cols.append(div("padding:12px;align-items:flex-start", *items, cls="vstack"))
    notebooks = ""
    if kit.chance(0.6):
        book = "border:1px solid var(--border);height:120px;background:var(--view)"
        books = [div(book, kit.tabs(), cls="grow") for _ in range(rng.randint(1, 4))]
        notebooks = div("padding:12px;align-items:flex-start", *books, cls="hstack")
    return div("align-items:flex-start;flex-wrap:wrap", *cols, cls="hstack") + notebooks


def editor(kit: Kit) -> str:
    rng = kit.rng
    parts = [toolbar(kit, search=False)] if kit.chance(0.6) else []
    if kit.chance(0.5):
        parts.append(kit.tabs(rng.randint(1, 5), closable=True))
    lines = "\n".join(sentence(rng, 3, 14) for _ in range(rng.randint(0, 30)))
    mono = "font-family:'DejaVu Sans Mono',monospace;" if kit.chance(0.5) else ""
    parts.append(
        f'<textarea class="entry grow" style="{mono}width:100%;border-radius:0"'
        f"{det('text_field')}>{escape(lines)}</textarea>"
    )
    if kit.chance(0.3):  # a find bar
        close = kit.button(None, icon="close", variant="flat")
        find = kit.search_entry() + kit.button("Find") + kit.checkbox("Match case") + close
        parts.append(f'<div class="toolbar">{find}</div>')
    return div(f"{COLUMN};min-height:0", *parts, cls="grow")


def settings(kit: Kit) -> str:
    rng = kit.rng
    rows_list = kit.list_rows(rng.randint(5, 14), icons=kit.chance(0.7))
    side = div(f"width:{rng.randint(160, 260)}px;padding:6px", rows_list, cls="sidebar")
    groups = []
    for _ in range(rng.randint(1, 3)):
        rows = []
        for _ in range(rng.randint(2, 6)):
            make = rng.choice((kit.switch, kit.switch, kit.dropdown, kit.spin, kit.button,
                               kit.bare_checkbox, kit.slider))  # fmt: skip
            sub = ""
            if kit.chance(0.4):
                sub = f'<div class="dim" style="font-size:.9em">{escape(sentence(rng, 3, 8))}</div>'
            text = div("", escape(rng.choice(OPTIONS)), sub, cls="grow")
            rows.append(div("", text, make(), cls="row sep"))
        groups.append(f"<h3>{escape(rng.choice(NOUNS))}</h3>" + div("", *rows, cls="list"))
    content = div("padding:16px 24px;overflow:hidden", *groups, cls="grow")
    return div(FILL, side, content, cls="hstack grow")


def file_manager(kit: Kit) -> str:
    rng = kit.rng
    crumbs = [kit.button(rng.choice(NOUNS), variant="plain") for _ in range(rng.randint(1, 4))]
    nav = div(
        "",
        kit.button(None, icon="left", variant="flat"),
        kit.button(None, icon="right", variant="flat"),
        div("", *crumbs, cls="linked"),
        '<span class="grow"></span>',
        kit.search_entry(),
        kit.icon_button(),
        cls="toolbar",
    )
    places = kit.list_rows(rng.randint(4, 12), icons=True)
    side = div(f"width:{rng.randint(150, 230)}px;padding:4px", places, cls="sidebar")
    if kit.chance(0.5):
        main = kit.icon_grid(rng.randint(6, 30))
    else:
        main = kit.table(rng.randint(4, 20), rng.randint(2, 5), style="width:100%")
    body = div("overflow:hidden;background:var(--view)", main, cls="grow")
    return nav + div(FILL, side, body, cls="hstack grow")


def calculator(kit: Kit) -> str:
    rng = kit.rng
    cols = rng.randint(4, 6)
    keys = rng.sample(CALC_KEYS, min(len(CALC_KEYS), cols * rng.randint(4, 6)))
    gap = rng.choice((2, 4, 6, 8))
    variants = ("plain",) * 20 + ("primary", "on", "disabled")
    grid = "".join(kit.button(k, variant=rng.choice(variants)) for k in keys)
    display = (
        f'<div class="entry" style="height:auto;padding:8px 12px;text-align:right;'
        f'font-size:2em;font-weight:bold;margin:{gap}px"{det("text_field")}>'
        f"{rng.randint(0, 99999)}</div>"
    )
    top = kit.button_row(rng.randint(1, 3)) if kit.chance(0.6) else ""
    grid_style = (
        f"display:grid;grid-template-columns:repeat({cols},1fr);grid-auto-rows:1fr;"
        f"gap:{gap}px;padding:{gap}px;font-size:{rng.choice((1.0, 1.2, 1.5))}em"
    )
    return display + div(f"padding:0 {gap}px", top) + div(grid_style, grid, cls="grow")


def form(kit: Kit) -> str:
    rng = kit.rng
    rows = []
    for _ in range(rng.randint(3, 9)):
        pick = rng.random()
        if pick < 0.15:
            rows.append(kit.checkbox())
        elif pick < 0.25:
            rows.append(kit.radio_group(row=kit.chance(0.5)))
        else:
            label = rng.choice((*OPTIONS[:3], "Name", "Email", "Size", "Font", "Mode"))
            rows.append(kit.labelled(label, kit.any_control()))
    if kit.chance(0.3):
        rows.append(kit.textarea(rng.randint(2, 5), style="width:100%"))
    style = f"margin:{rng.randint(8, 60)}px auto;width:{rng.randint(320, 640)}px"
    heading = f"<h2>{escape(title(rng))}</h2>"
    buttons = div("margin-top:12px", kit.button_row())
    return div(style, heading, div("", *rows, cls="vstack"), buttons, cls="card")


def dashboard(kit: Kit) -> str:
    rng = kit.rng
    nav = [div("padding:6px 12px", kit.link(rng.choice(NOUNS))) for _ in range(rng.randint(3, 9))]
    side = div(f"width:{rng.randint(150, 220)}px;padding-top:8px", *nav, cls="sidebar")
    cards = []
    for _ in range(rng.randint(2, 4)):
        link = kit.link() if kit.chance(0.5) else ""
        name = f'<div class="dim">{escape(rng.choice(NOUNS))}</div>'
        cards.append(div("", name, f"<h2>{rng.randint(10, 99999)}</h2>", link, cls="card grow"))
    pages = range(1, rng.randint(3, 7))
    pager = [kit.button(str(i), variant="on" if i == 1 else "plain") for i in pages]
    table = kit.table(rng.randint(3, 12), rng.randint(3, 6), style="width:100%")
    main = div(
        "padding:16px;overflow:hidden;align-items:stretch",
        div("", *cards, cls="hstack"),
        table,
        div(
            "", kit.button(None, icon="left"), *pager, kit.button(None, icon="right"), cls="hstack"
        ),
        cls="grow vstack",
    )
    return toolbar(kit, rng.randint(2, 5), search=True) + div(FILL, side, main, cls="hstack grow")


def dialog(kit: Kit) -> str:
    rng = kit.rng
    icon = kit.img(pick_icon(rng, "app"), 48) if kit.chance(0.6) else ""
    extra = kit.checkbox("Don't ask again") if kit.chance(0.3) else ""
    if kit.chance(0.3):
        extra += kit.entry(w=(200, 300))
    words = rng.choice((("Cancel", "OK"), ("No", "Yes"), ("Don't Save", "Cancel", "Save"),
                        ("Close",), ("Cancel", "Apply"), ("Retry", "Cancel")))  # fmt: skip
    primary = kit.chance(0.6)
    buttons = [
        kit.button(w, variant="primary" if primary and i == len(words) - 1 else "plain")
        for i, w in enumerate(words)
    ]
    text = div("", f"<b>{escape(title(rng, 2, 5))}</b>", escape(sentence(rng, 6, 18)) + ".")
    x, y = rng.randint(20, 80), rng.randint(25, 75)
    return div(
        f"left:{x}%;top:{y}%;transform:translate(-50%,-50%);max-width:{rng.randint(320, 520)}px",
        div("align-items:flex-start", icon, div("", text, extra, cls="vstack"), cls="hstack"),
        div("justify-content:flex-end;margin-top:16px", *buttons, cls="hstack"),
        cls="dialog",
    )


APPS: dict[str, tuple[Callable[[Kit], str], float]] = {
    "gallery": (gallery, 22),
    "editor": (editor, 10),
    "settings": (settings, 12),
    "file_manager": (file_manager, 10),
    "calculator": (calculator, 8),
    "form": (form, 10),
    "dashboard": (dashboard, 8),
}


def overlay(kit: Kit) -> str:
    """Maybe a dialog (over an optional shade that takes no clicks) or a context menu."""
    rng = kit.rng
    if kit.chance(0.15):
        shade = f"background:rgba(0,0,0,{rng.choice((0.0, 0.15, 0.3))})"
        return div(shade, cls="backdrop") + dialog(kit)
    if kit.chance(0.1):
        items = rng.choice(list(MENUS.values()))
        where = f"left:{rng.randint(5, 75)}%;top:{rng.randint(10, 60)}%"
        return kit.menu(items[: rng.randint(3, len(items))], style=where)
    return ""


def app_window(kit: Kit, name: str) -> str:
    rng = kit.rng
    head = []
    if kit.chance(0.25):  # the window manager's title bar: not the app's, so not labelled
        blank = '<span class="btn"></span>' * 3
        head.append(f'<div class="wm"><span class="title">{escape(title(rng))}</span>{blank}</div>')
    if name in ("editor", "calculator") or kit.chance(0.3):
        head.append(menubar(kit))
    elif kit.chance(0.75):
        head.append(headerbar(kit, switcher=name == "gallery" and kit.chance(0.5)))
    if name not in ("editor", "file_manager", "dashboard") and kit.chance(0.3):
        head.append(toolbar(kit))
    body = div(f"{COLUMN};min-height:0;overflow:hidden", APPS[name][0](kit), cls="grow")
    tail = statusbar(kit) if kit.chance(0.3) else ""
    inner = div(f"{COLUMN};height:100%;position:relative", *head, body, tail, overlay(kit))
    if kit.chance(0.8):
        return inner
    # A window on a desktop, not maximized.
    angle, c1, c2 = rng.randint(0, 359), hsl(rng.random(), 0.4, 0.35), hsl(rng.random(), 0.4, 0.6)
    desk = div(f"position:absolute;inset:0;background:linear-gradient({angle}deg,{c1},{c2})")
    inset = ";".join(f"{side}:{rng.randint(0, 15)}%" for side in ("left", "top", "right", "bottom"))
    edge = mix(kit.t.colors["border"], "#000000", 0.3)
    frame = (
        f"position:absolute;{inset};background:var(--bg);border:1px solid {edge};"
        "box-shadow:0 4px 20px rgba(0,0,0,.5);overflow:hidden"
    )
    return desk + div(frame, inner)


def build_page(seed: int) -> tuple[str, Theme, str]:
    """(html, theme, layout name) for a seed; the same seed gives the same HTML."""
    rng = random.Random(seed)
    theme = make_theme(rng)
    kit = Kit(rng, theme)
    if kit.chance(0.2):
        layout, body = "website", website(kit)
    else:
        layout = rng.choices(list(APPS), weights=[w for _, w in APPS.values()])[0]
        body = app_window(kit, layout)
    head = f'<meta charset="utf-8"><style>{theme_css(theme)}</style>'
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>", theme, layout
