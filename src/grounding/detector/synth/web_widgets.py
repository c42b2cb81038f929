"""HTML for single widgets, each marked with `data-det="<class>"` for the box query.

A `Kit` holds the page's random source and theme; every method returns an
HTML string. The marked element is the one whose box GTK's accessibility tree
would report: a check box with its label, a combo box with its arrow, a
spin button with its +/- buttons, a table's cells (GTK tree views expose
cells, not rows).
"""

from __future__ import annotations

import random
from html import escape

from .web_icons import Icon, glyph, icon_filter, pick_icon
from .web_theme import Theme
from .web_words import ACCELS, ACTIONS, FIELDS, NAMES, OPTIONS, number, sentence, title

HEADERS = ("Name", "Size", "Type", "Modified", "Birth", "Death", "Nick", "Status", "Owner",
           "Price", "Qty", "Date", "Email", "Cool")  # fmt: skip


def det(cls: str) -> str:
    return f' data-det="{cls}"'


class Kit:
    def __init__(self, rng: random.Random, theme: Theme) -> None:
        self.rng = rng
        self.t = theme

    # -- small helpers ---------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def img(
        self,
        icon: Icon | None = None,
        size: int | None = None,
        *,
        on_accent: bool = False,
        cls: str | None = None,
    ) -> str:
        icon = icon or pick_icon(self.rng, "mono" if self.chance(0.75) else "color")
        size = size or self.t.icon_px
        filt = icon_filter(icon, dark_bg=self.t.dark, on_accent=on_accent)
        style = f"width:{size}px;height:{size}px" + (f";filter:{filt}" if filt != "none" else "")
        return f'<img class="ic" src="{icon.uri}" style="{style}" alt=""{det(cls) if cls else ""}>'

    def glyph_img(self, name: str, size: int = 16, *, cls: str | None = None) -> str:
        uri = glyph(name, self.t.colors["fg"])
        mark = det(cls) if cls else ""
        return f'<img class="ic" src="{uri}" style="width:{size}px;height:{size}px" alt=""{mark}>'

    def width(self, lo: int, hi: int) -> str:
        return f"width:{self.rng.randint(lo, hi)}px"

    # -- buttons ---------------------------------------------------------

    def button(
        self,
        text: str | None = None,
        *,
        icon: Icon | str | None = None,
        variant: str = "",
        cls: str = "button",
        style: str = "",
    ) -> str:
        """A push button: text, icon, or both. icon may be a built-in glyph name."""
        rng = self.rng
        if text is None and icon is None:
            text = rng.choice(ACTIONS)
        if not variant:
            variants = ("plain", "primary", "flat", "hover", "on", "danger", "disabled")
            variant = rng.choices(variants, weights=(60, 10, 8, 4, 4, 2, 4))[0]
        solid_dark = self.t.family == "bootstrap" and self.t.button == "solid" and variant != "flat"
        on_accent = variant in ("primary", "danger") or solid_dark
        inner = ""
        if isinstance(icon, str):
            inner = self.glyph_img(icon)
        elif icon is not None:
            inner = self.img(icon, on_accent=on_accent)
        if text:
            inner += escape(text)
        classes = f"btn {variant}" + (" sq" if text is None else "")
        if text is None and self.chance(0.15):
            classes += " round"
        attrs = f'class="{classes}"' + (f' style="{style}"' if style else "")
        attrs += (" disabled" if variant == "disabled" else "") + det(cls)
        if text and icon is None and self.chance(0.1):
            return f'<input type="button" value="{escape(text)}" {attrs}>'
        if self.t.button != "native" and self.chance(0.08):
            return f'<div role="button" {attrs}>{inner}</div>'
        return f"<button {attrs}>{inner}</button>"

    def icon_button(self, *, flat: bool | None = None, kind: str = "mono") -> str:
        flat = self.chance(0.6) if flat is None else flat
        variant = "flat" if flat else self.rng.choice(("plain", "plain", "hover", "on"))
        return self.button(None, icon=pick_icon(self.rng, kind), variant=variant)

    def button_row(self, n: int | None = None, *, end: bool = True) -> str:
        n = n or self.rng.randint(1, 3)
        words = self.rng.sample(ACTIONS, n)
        btns = [self.button(w, variant="primary" if i == n - 1 and self.chance(0.5) else "plain")
                for i, w in enumerate(words)]  # fmt: skip
        just = "flex-end" if end else "flex-start"
        return f'<div class="hstack" style="justify-content:{just}">{"".join(btns)}</div>'

    # -- text entry --------------------------------------------------------

    def entry(self, *, value: str | None = None, w: tuple[int, int] = (140, 320)) -> str:
        rng = self.rng
        if self.chance(0.22):
            return self.search_entry(w=w)
        kind = rng.choice(("text", "text", "text", "email", "password", "number", "search"))
        if value is None:
            value = rng.choice(("", "", rng.choice(NAMES), sentence(rng, 1, 3), number(rng)))
        if kind == "number":
            value = str(rng.randint(0, 500))
        hint = escape(rng.choice(FIELDS))
        attr = f'value="{escape(value)}"' if value else f'placeholder="{hint}…"'
        focus = " focus" if self.chance(0.08) else ""
        dis = " disabled" if self.chance(0.05) else ""
        return (f'<input type="{kind}" class="entry{focus}" {attr} style="{self.width(*w)}"'
                f"{dis}{det('text_field')}>")  # fmt: skip

    def search_entry(self, *, w: tuple[int, int] = (160, 320)) -> str:
        """A search field with a lens and maybe a clear icon (GTK reports entry icons as icons)."""
        lens = self.glyph_img("search", 16, cls="icon")
        value = self.rng.choice(("", self.rng.choice(NAMES), title(self.rng)))
        clear = self.glyph_img("clear", 16, cls="icon") if value and self.chance(0.7) else ""
        attr = f'value="{escape(value)}"' if value else 'placeholder="Search…"'
        return (f'<div class="entry entrywrap" style="{self.width(*w)}"{det("text_field")}>'
                f'{lens}<input type="search" {attr}>{clear}</div>')  # fmt: skip

    def textarea(self, rows: int = 4, *, style: str = "") -> str:
        text = "\n".join(sentence(self.rng, 4, 14) for _ in range(self.rng.randint(0, rows)))
        return (f'<textarea class="entry" rows="{rows}" style="{style}"{det("text_field")}>'
                f"{escape(text)}</textarea>")  # fmt: skip

    def spin(self) -> str:
        h = self.t.control_h
        value = str(self.rng.choice((0, 1, 4, 8, 12, 50, 100, self.rng.randint(0, 999))))
        return (f'<div class="linked"{det("text_field")}>'
                f'<input class="entry" value="{value}" style="width:{self.rng.randint(50, 90)}px">'
                f'<button class="btn sq" style="width:{h}px">{self.glyph_img("minus")}</button>'
                f'<button class="btn sq" style="width:{h}px">{self.glyph_img("plus")}</button>'
                "</div>")  # fmt: skip

    # -- choices -----------------------------------------------------------

    def dropdown(self, *, w: tuple[int, int] = (110, 260)) -> str:
        rng = self.rng
        options = rng.sample((*FIELDS, *NAMES), 4)
        if self.t.button == "native" or self.chance(0.5):
            opts = "".join(f"<option>{escape(o)}</option>" for o in options)
            klass = ' class="entry"' if self.t.entry != "native" else ""
            return f'<select{klass} style="{self.width(*w)}"{det("dropdown")}>{opts}</select>'
        if self.chance(0.25):  # a combo box with an entry: both are reported
            return (f'<div class="linked" style="{self.width(*w)}"{det("dropdown")}>'
                    f'<input class="entry grow" value="{escape(options[0])}" style="min-width:0"'
                    f'{det("text_field")}><button class="btn sq">{self.glyph_img("down")}</button>'
                    "</div>")  # fmt: skip
        return (
            f'<button class="btn" style="justify-content:space-between;{self.width(*w)}"'
            f"{det('dropdown')}>{escape(options[0])}{self.glyph_img('down')}</button>"
        )

    def checkbox(self, text: str | None = None, *, labelled: bool = True) -> str:
        return self._check("checkbox", text, labelled)

    def radio(self, text: str | None = None, *, labelled: bool = True, on: bool = False) -> str:
        return self._check("radio", text, labelled, on)

    def _check(self, kind: str, text: str | None, labelled: bool, on: bool | None = None) -> str:
        rng = self.rng
        checked = on if on is not None else self.chance(0.5)
        off = self.chance(0.08)
        state = (" checked" if checked else "") + (" disabled" if off else "")
        extra = " data-indeterminate" if kind == "checkbox" and self.chance(0.07) else ""
        klass = "check" if kind == "checkbox" else "radio"
        box = f'<input type="{kind}" class="{klass}"{state}{extra}'
        if not labelled:
            return box + det(kind) + ">"
        text = text or rng.choice(OPTIONS if self.chance(0.7) else (*FIELDS, *NAMES))
        dim = " disabled" if off else ""  # GTK dims the label of an insensitive check too
        return f'<label class="ck{dim}"{det(kind)}>{box}>{escape(text)}</label>'

    def radio_group(self, n: int | None = None, *, row: bool = False) -> str:
        n = n or self.rng.randint(2, 4)
        on = self.rng.randrange(n)
        items = "".join(self.radio(on=i == on) for i in range(n))
        return f'<div class="{"hstack" if row else "vstack"}">{items}</div>'

    def bare_checkbox(self) -> str:
        return self.checkbox(labelled=False)

    def switch(self) -> str:
        on = " on" if self.chance(0.5) else ""
        return f'<span class="switch{on}" role="switch"{det("toggle")}><span></span></span>'

    def slider(self, *, w: tuple[int, int] = (120, 320)) -> str:
        value = self.rng.randint(0, 100)
        return (f'<input type="range" class="range" min="0" max="100" value="{value}" '
                f'style="--v:{value}%;{self.width(*w)}"{det("slider")}>')  # fmt: skip

    def link(self, text: str | None = None) -> str:
        text = text or self.rng.choice((title(self.rng), sentence(self.rng, 1, 3)))
        return f'<a href="#"{det("link")}>{escape(text)}</a>'

    def paragraph(self, links: float = 0.3) -> str:
        parts = []
        for _ in range(self.rng.randint(1, 4)):
            parts.append(escape(sentence(self.rng)) + ".")
            if self.chance(links):
                parts.append(self.link())
        return f"<p>{' '.join(parts)}</p>"

    # -- compound widgets ------------------------------------------------------

    def tabs(
        self, n: int | None = None, *, closable: bool | None = None, words: tuple[str, ...] = ()
    ) -> str:
        rng = self.rng
        n = n or rng.randint(2, 6)
        closable = self.chance(0.25) if closable is None else closable
        names = list(words) or [rng.choice((title(rng, 1, 2), f"page {rng.randint(1, 9)}"))
                                for _ in range(n)]  # fmt: skip
        active = rng.randrange(len(names))
        out = []
        for i, name in enumerate(names):
            icon = self.img(size=16) if self.chance(0.1) else ""
            close = ""
            if closable:
                close = (f'<button class="btn flat small sq"{det("button")}>'
                         f"{self.glyph_img('close', 14)}</button>")  # fmt: skip
            state = " active" if i == active else ""
            out.append(f'<div class="tab{state}" role="tab"{det("tab")}>{icon}'
                       f"{escape(name)}{close}</div>")  # fmt: skip
        return f'<div class="tabs" role="tablist">{"".join(out)}</div>'

    def menu(self, items: tuple[str, ...], *, style: str = "", hl: int | None = None) -> str:
        """An open menu (absolutely positioned by style) with menu_item rows."""
        rng = self.rng
        rows = []
        with_icons = self.chance(0.3)
        for i, item in enumerate(items):
            if i and self.chance(0.15):
                rows.append('<div class="sep"></div>')
            klass = "mi" + (" hl" if i == hl else "") + (" off" if self.chance(0.08) else "")
            icon = self.img(size=16) if with_icons else ""
            accel = f'<span class="accel">{rng.choice(ACCELS)}</span>' if self.chance(0.4) else ""
            if not accel and self.chance(0.1):
                accel = f'<span class="accel">{self.glyph_img("right", 12)}</span>'
            rows.append(f'<div class="{klass}" role="menuitem"{det("menu_item")}>{icon}'
                        f"<span>{escape(item)}</span>{accel}</div>")  # fmt: skip
        return f'<div class="menu" role="menu" style="{style}">{"".join(rows)}</div>'

    def list_rows(self, n: int, *, icons: bool | None = None, trailing: str = "") -> str:
        """A boxed list; each row is one list_item (GTK list box rows)."""
        rng = self.rng
        icons = self.chance(0.5) if icons is None else icons
        sep = " sep" if self.chance(0.6) else ""
        sel = rng.randrange(n) if self.chance(0.5) else -1
        rows = []
        for i in range(n):
            icon = self.img(size=rng.choice((16, 16, 24, 32))) if icons else ""
            text = rng.choice((title(rng), rng.choice(NAMES), sentence(rng, 2, 5)))
            sub = (
                f'<div class="dim">{escape(sentence(rng, 2, 6))}</div>' if self.chance(0.2) else ""
            )
            tail = ""
            if trailing == "switch":
                tail = f'<span class="grow"></span>{self.switch()}'
            elif trailing == "check":
                tail = f'<span class="grow"></span>{self.checkbox(labelled=False)}'
            state = " sel" if i == sel else ""
            rows.append(f'<div class="row{sep}{state}"{det("list_item")}>{icon}'
                        f"<div>{escape(text)}{sub}</div>{tail}</div>")  # fmt: skip
        return f'<div class="list">{"".join(rows)}</div>'

    def table(self, rows: int, cols: int, *, style: str = "") -> str:
        """A table whose body cells are list_items, like a GTK tree view's cells."""
        rng = self.rng
        heads = rng.sample(HEADERS, cols)
        grid = " grid" if self.chance(0.35) else ""
        sel = rng.randrange(rows) if self.chance(0.5) else -1
        out = [f'<table class="tbl{grid}" style="{style}"><tr>']
        out += [f"<th>{escape(h)}</th>" for h in heads]
        out.append("</tr>")
        for r in range(rows):
            out.append('<tr class="sel">' if r == sel else "<tr>")
            for c in range(cols):
                if c == 0:
                    text = escape(rng.choice((*NAMES, title(rng))))
                    if self.chance(0.3):
                        text = self.img(size=16) + " " + text
                elif self.chance(0.15):
                    text = self.checkbox(labelled=False)
                else:
                    text = escape(number(rng) if self.chance(0.6) else title(rng, 1, 2))
                out.append(f"<td><div{det('list_item')}>{text}</div></td>")
            out.append("</tr>")
        out.append("</table>")
        return "".join(out)

    def icon_grid(self, n: int) -> str:
        """An icon view: the images are icons (GTK reports them so); captions are plain text."""
        size = self.rng.choice((32, 48, 48, 64))
        items = []
        for _ in range(n):
            caption = escape(title(self.rng, 1, 2)) if self.chance(0.7) else ""
            image = self.img(pick_icon(self.rng, "app"), size, cls="icon")
            text = f'<span style="font-size:.85em;text-align:center">{caption}</span>'
            style = f"align-items:center;width:{size + 40}px"
            items.append(f'<div class="vstack" style="{style}">{image}{text}</div>')
        return (
            f'<div style="display:flex;flex-wrap:wrap;gap:12px;padding:8px">{"".join(items)}</div>'
        )

    def labelled(self, label: str, control: str) -> str:
        return (f'<div class="hstack"><span style="min-width:{self.rng.randint(60, 140)}px">'
                f"{escape(label)}</span>{control}</div>")  # fmt: skip

    def any_control(self) -> str:
        """One random form control."""
        pick = self.rng.choices(
            ("entry", "dropdown", "spin", "check", "radio", "switch", "slider", "button", "link"),
            weights=(25, 14, 6, 12, 6, 8, 6, 16, 4),
        )[0]
        return {
            "entry": self.entry, "dropdown": self.dropdown, "spin": self.spin,
            "check": self.checkbox, "radio": self.radio_group, "switch": self.switch,
            "slider": self.slider, "button": self.button, "link": self.link,
        }[pick]()  # fmt: skip
