"""Random looks for the synthetic web pages: palettes, metrics and the CSS.

The detector is tested on real GTK 3 apps in Adwaita, Adwaita-dark,
HighContrast and HighContrastInverse, so those families come first, with
colors sampled from real screenshots; Bootstrap-like, flat, Windows-classic,
unstyled native controls and random palettes add variety. Widgets use fixed
class names (`.btn`, `.entry`, `.check`, ...) and the theme's CSS gives them
their look through CSS variables.
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass

from .web_icons import glyph

# fmt: off
_GTK = {
    "adwaita": dict(bg="#f6f5f4", fg="#2e3436", dim="#929595", view="#ffffff", border="#cdc7c2",
                    btn="#f6f5f4", btn2="#edebe9", header="#dfdcd8", accent="#3584e4",
                    sel="#3584e4", link="#1b6acb", surface="#ffffff", track="#e1dedb"),
    "adwaita-dark": dict(bg="#353535", fg="#eeeeec", dim="#919190", view="#2d2d2d",
                         border="#1b1b1b", btn="#3a3a3a", btn2="#353535", header="#2b2b2b",
                         accent="#3584e4", sel="#15539e", link="#3584e4", surface="#383838",
                         track="#282828"),
    "highcontrast": dict(bg="#fdfdfc", fg="#000000", dim="#5c616c", view="#ffffff",
                         border="#877b6e", btn="#faf9f8", btn2="#f4f2f1", header="#e5e2df",
                         accent="#3584e4", sel="#3c88e5", link="#0b4fa0", surface="#ffffff",
                         track="#e1dedb"),
    "hc-inverse": dict(bg="#303030", fg="#ffffff", dim="#b0b0b0", view="#2d2d2d",
                       border="#686868", btn="#2f2f2f", btn2="#2a2a2a", header="#232323",
                       accent="#1f76e1", sel="#1c6ed2", link="#6cb0ff", surface="#303030",
                       track="#282828"),
}
# fmt: on
_FONTS_UI = (
    "DejaVu Sans",
    "Cantarell",
    "Liberation Sans",
    "Open Sans",
    "Nimbus Sans",
    "Noto Sans CJK JP",
    "DejaVu Sans Condensed",
    "URW Gothic",
    "sans-serif",
)  # fmt: skip
_FONTS_ANY = (*_FONTS_UI, "DejaVu Serif", "Liberation Serif", "P052", "C059", "DejaVu Sans Mono",
              "Liberation Mono", "Nimbus Mono PS", "Open Sans Condensed")  # fmt: skip
_FAMILIES = ("adwaita", "adwaita-dark", "highcontrast", "hc-inverse", "bootstrap", "flat",
             "classic", "native", "random")  # fmt: skip
_WEIGHTS = (20, 14, 8, 7, 12, 12, 5, 9, 13)


@dataclass(frozen=True, slots=True)
class Theme:
    family: str
    dark: bool
    colors: dict[str, str]
    font: str
    font_px: int
    radius: int
    control_h: int
    pad_x: int
    button: str  # "gradient" | "solid" | "outline" | "bevel" | "native"
    entry: str  # "box" | "underline" | "filled" | "bevel" | "native"
    checks: str  # "custom" | "native"
    tabs: str  # "underline" | "boxed" | "pills" | "segmented"
    switch: str  # "pill" | "square" | "thin"
    shadow: bool

    @property
    def icon_px(self) -> int:
        return 16 if self.control_h < 40 else 20


def _hex(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(v * 255))) for v in (r, g, b)))


def hsl(h: float, s: float, lum: float) -> str:
    return _hex(*colorsys.hls_to_rgb(h % 1.0, lum, s))


def mix(a: str, b: str, t: float) -> str:
    """a blended toward b by t (0..1)."""
    ca = [int(a[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return _hex(*(x + (y - x) * t for x, y in zip(ca, cb, strict=True)))


def _random_palette(rng: random.Random, dark: bool) -> dict[str, str]:
    hue, tint = rng.random(), rng.uniform(0.0, 0.25)
    accent = hsl(rng.random(), rng.uniform(0.5, 0.9), rng.uniform(0.38, 0.55))
    if dark:
        bg = hsl(hue, tint, rng.uniform(0.08, 0.22))
        fg = hsl(hue, tint * 0.5, rng.uniform(0.85, 0.97))
    else:
        bg = hsl(hue, tint, rng.uniform(0.9, 1.0))
        fg = hsl(hue, tint, rng.uniform(0.05, 0.25))
    view = mix(bg, "#000000" if dark else "#ffffff", rng.uniform(0.0, 0.6))
    return {
        "bg": bg,
        "fg": fg,
        "dim": mix(fg, bg, 0.45),
        "view": view,
        "border": mix(bg, fg, rng.uniform(0.15, 0.45)),
        "btn": mix(bg, fg, rng.uniform(0.0, 0.12)),
        "btn2": mix(bg, fg, rng.uniform(0.04, 0.16)),
        "header": mix(bg, fg, rng.uniform(0.03, 0.12)),
        "accent": accent,
        "sel": accent,
        "link": mix(accent, fg, 0.5 if dark else 0.15),  # readable on dark backgrounds too
        "surface": mix(bg, view, 0.5),
        "track": mix(bg, fg, 0.15),
    }


def make_theme(rng: random.Random) -> Theme:
    """A random theme; GTK look-alikes are the most frequent."""
    family = rng.choices(_FAMILIES, weights=_WEIGHTS)[0]
    font = rng.choice(_FONTS_UI if rng.random() < 0.8 else _FONTS_ANY)
    font_px = rng.choice((12, 13, 13, 13, 14, 15, 16))
    radius, button, entry, tabs = rng.choice((0, 2, 3, 4, 5, 6, 8)), "solid", "box", "underline"
    checks, switch, shadow = "custom", rng.choice(("pill", "pill", "square", "thin")), False
    if family in _GTK:
        colors, dark = dict(_GTK[family]), family in ("adwaita-dark", "hc-inverse")
        font = "DejaVu Sans" if rng.random() < 0.6 else font
        font_px, radius, button, switch = (
            rng.choice((13, 13, 13, 12, 14, 15)),
            5,
            "gradient",
            "pill",
        )
        tabs = rng.choice(("underline", "underline", "boxed", "segmented"))
    elif family == "bootstrap":
        dark = rng.random() < 0.25
        accent = rng.choice(("#0d6efd", "#198754", "#6f42c1", "#dc3545", "#0dcaf0", "#fd7e14"))
        colors = (dict(bg="#212529", fg="#dee2e6", dim="#adb5bd", view="#2b3035", border="#495057",
                       btn="#6c757d", btn2="#6c757d", header="#343a40", surface="#2b3035",
                       track="#495057")
                  if dark else
                  dict(bg="#ffffff", fg="#212529", dim="#6c757d", view="#ffffff", border="#ced4da",
                       btn="#6c757d", btn2="#6c757d", header="#f8f9fa", surface="#ffffff",
                       track="#dee2e6"))  # fmt: skip
        colors.update(accent=accent, sel=accent, link=accent, btn_fg="#ffffff")
        font = rng.choice(("Liberation Sans", "Open Sans", "DejaVu Sans", "Nimbus Sans"))
        font_px, radius = rng.choice((14, 15, 16)), rng.choice((4, 6, 6, 8))
        button, tabs = rng.choice(("solid", "solid", "outline")), rng.choice(("boxed", "pills"))
        shadow = rng.random() < 0.4
    elif family == "classic":
        dark = False
        colors = dict(bg=rng.choice(("#c0c0c0", "#d4d0c8", "#ece9d8")), fg="#000000",
                      dim="#808080", view="#ffffff", border="#808080", btn="#d4d0c8",
                      btn2="#d4d0c8", header="#d4d0c8", accent="#000080", sel="#000080",
                      link="#0000ee", surface="#d4d0c8", track="#ffffff")  # fmt: skip
        radius, button, entry, tabs, switch = 0, "bevel", "bevel", "boxed", "square"
        font_px = rng.choice((11, 12, 13))
    else:
        dark = rng.random() < 0.4
        colors = _random_palette(rng, dark)
        if family == "flat":
            radius = rng.choice((0, 2, 4, 8, 16, 20))
            entry = rng.choice(("box", "underline", "filled"))
            tabs = rng.choice(("underline", "pills"))
            shadow = rng.random() < 0.5
        elif family == "native":
            button, entry, checks = "native", "native", "native"
        else:
            button = rng.choice(("gradient", "solid", "outline"))
            entry = rng.choice(("box", "box", "underline", "filled"))
            tabs = rng.choice(("underline", "boxed", "pills", "segmented"))
            checks = rng.choice(("custom", "native"))
            shadow = rng.random() < 0.3
    colors.setdefault("btn_fg", colors["fg"])
    colors["accent_fg"] = "#ffffff"
    colors["sel_fg"] = "#ffffff"
    control_h = max(22, round(font_px * rng.uniform(2.2, 2.9)))
    if family in _GTK:
        control_h = round(font_px * 34 / 13)
    return Theme(family=family, dark=dark, colors=colors, font=font, font_px=font_px,
                 radius=radius, control_h=control_h, pad_x=rng.choice((6, 8, 10, 12, 16)),
                 button=button, entry=entry, checks=checks, tabs=tabs, switch=switch,
                 shadow=shadow)  # fmt: skip


def theme_css(t: Theme) -> str:
    """The page's stylesheet for a theme."""
    c = t.colors
    h, r = t.control_h, t.radius
    ck = max(13, round(t.font_px * 1.1))
    hover = mix(c["btn"], c["fg"], 0.06)
    pressed = mix(c["btn"], c["fg"], 0.18)
    arrow = glyph("down", c["fg"])
    check, dash = glyph("check", c["accent_fg"], 2.2), glyph("minus", c["accent_fg"], 2.2)
    out = [
        ":root{" + "".join(f"--{k}:{v};" for k, v in c.items()) + "}",
        f"*{{box-sizing:border-box}} html,body{{margin:0;height:100%}}"
        f"body{{background:var(--bg);color:var(--fg);font:{t.font_px}px/1.35 '{t.font}',sans-serif;"
        f"overflow:hidden{';color-scheme:dark' if t.dark else ''}}}"
        "a{color:var(--link)} a[data-det]{white-space:nowrap} .dim{color:var(--dim)}"
        "img.ic{display:inline-block;vertical-align:middle;flex:none}"
        "button,input,select,textarea{font:inherit}",
        f".hstack{{display:flex;align-items:center;gap:{t.pad_x // 2 + 2}px}}"
        f".vstack{{display:flex;flex-direction:column;gap:{t.pad_x // 2 + 2}px}}"
        ".grow{flex:1} .linked{display:flex} .linked>*{border-radius:0!important}"
        f".linked>*:first-child{{border-radius:{r}px 0 0 {r}px!important}}"
        f".linked>*:last-child{{border-radius:0 {r}px {r}px 0!important}}",
    ]
    if t.button != "native":
        look = {
            "gradient": "background:linear-gradient(to top,var(--btn2),var(--btn));"
            "border:1px solid var(--border);box-shadow:0 1px 1px rgba(0,0,0,.06)",
            "solid": "background:var(--btn);border:1px solid var(--btn)",
            "outline": "background:transparent;border:1px solid var(--accent);color:var(--accent)",
            "bevel": "background:var(--btn);border:2px solid;"
            "border-color:#fff #404040 #404040 #fff",
        }[t.button]
        out.append(
            f".btn{{{look};color:var(--{'accent' if t.button == 'outline' else 'btn_fg'});"
            f"border-radius:{r}px;min-height:{h}px;padding:0 {t.pad_x + 2}px;display:inline-flex;"
            "align-items:center;justify-content:center;gap:6px;white-space:nowrap;cursor:pointer}"
            f".btn.hover{{background:{hover}}} .btn.on{{background:{pressed}}}"
            ".btn.primary{background:var(--accent);border-color:var(--accent);color:var(--accent_fg)}"
            ".btn.danger{background:#c01c28;border-color:#c01c28;color:#fff}"
            ".btn.flat{background:transparent;border-color:transparent;box-shadow:none;"
            "color:var(--fg)}"
            f".btn.flat.hover{{background:{hover}}}"
            f".btn.sq{{padding:0;width:{h}px;min-width:{h}px}}"
            ".btn.round{border-radius:50%!important}"
            f".btn.small{{min-height:{round(h * 0.7)}px;padding:0 6px}}"
            f".btn.small.sq{{width:{round(h * 0.7)}px;min-width:{round(h * 0.7)}px;padding:0}}"
        )
    out.append(".btn:disabled,.disabled,input.check:disabled,input.radio:disabled{opacity:.5}"
               ".disabled input:disabled{opacity:1}")  # fmt: skip
    if t.entry != "native":
        look = {
            "box": f"background:var(--view);border:1px solid var(--border);border-radius:{r}px",
            "underline": "background:transparent;border:0;border-bottom:2px solid var(--border)",
            "filled": f"background:{mix(c['bg'], c['fg'], 0.07)};border:0;border-bottom:1px solid "
            f"var(--dim);border-radius:{r}px {r}px 0 0",
            "bevel": "background:#fff;border:2px solid;border-color:#404040 #fff #fff #404040",
        }[t.entry]
        out.append(
            f".entry{{{look};color:var(--fg);height:{h}px;padding:0 {t.pad_x}px;outline:none}}"
            "textarea.entry{height:auto;padding:6px 8px;resize:none}"
            f".entry.focus{{border-color:var(--accent);box-shadow:inset 0 0 0 1px var(--accent)}}"
            f"select.entry{{appearance:none;padding-right:{h}px;background-image:url({arrow});"
            f"background-repeat:no-repeat;background-position:right {t.pad_x}px center;"
            "background-size:16px}"
            ".entrywrap{display:flex;align-items:center;gap:6px}"
            ".entrywrap>input{flex:1;border:0;background:transparent;outline:none;color:inherit;"
            "min-width:0;height:100%;padding:0}"
        )
    else:
        out.append(f".entrywrap{{display:flex;align-items:center;gap:4px;height:{h}px}}")
    if t.checks == "custom":
        out.append(
            f"input.check,input.radio{{appearance:none;width:{ck}px;height:{ck}px;margin:0;"
            f"border:1px solid var(--border);background:var(--view);flex:none;"
            f"border-radius:{min(3, r)}px}} input.radio{{border-radius:50%}}"
            f"input.check:checked{{background:var(--accent) url({check}) center/90% no-repeat;"
            "border-color:var(--accent)}"
            f"input.check:indeterminate{{background:var(--accent) url({dash}) center/90% no-repeat;"
            "border-color:var(--accent)}"
            "input.radio:checked{"
            "background:radial-gradient(var(--accent_fg) 27%,var(--accent) 32%);"
            "border-color:var(--accent)}"
        )
    out.append(
        ".ck{display:inline-flex;align-items:center;gap:6px;white-space:nowrap;min-height:22px}"
        ".vstack>.ck{align-self:flex-start}"  # as wide as its text, like GTK's check buttons
        "input.check,input.radio{accent-color:var(--accent)}"
    )
    sw_h = max(16, round(h * (0.5 if t.switch == "thin" else 0.76)))
    sw_w = round(sw_h * (2.4 if t.switch == "thin" else 1.85))
    knob = sw_h + 6 if t.switch == "thin" else sw_h - 4
    out.append(
        f".switch{{display:inline-block;position:relative;width:{sw_w}px;height:{sw_h}px;"
        f"border-radius:{sw_h if t.switch != 'square' else min(r, 3)}px;background:var(--track);"
        f"border:1px solid var(--border);flex:none}} .switch.on{{background:var(--accent);"
        f"border-color:var(--accent)}} .switch>span{{position:absolute;width:{knob}px;"
        f"height:{knob}px;top:{(sw_h - knob) // 2 - 1}px;left:1px;background:#fff;"
        f"border-radius:{'50%' if t.switch != 'square' else '2px'};"
        "box-shadow:0 1px 2px rgba(0,0,0,.35)}"
        f".switch.on>span{{left:{sw_w - knob - 3}px}}"
    )
    if t.button != "native":
        thumb = max(14, round(h * 0.55))
        out.append(
            f"input.range{{appearance:none;background:transparent;height:{h}px;margin:0}}"
            "input.range::-webkit-slider-runnable-track{height:4px;border-radius:2px;"
            "background:linear-gradient(to right,var(--accent) var(--v),var(--track) var(--v))}"
            f"input.range::-webkit-slider-thumb{{appearance:none;width:{thumb}px;height:{thumb}px;"
            f"margin-top:{(4 - thumb) // 2}px;border-radius:50%;background:"
            f"{'#fff' if not t.dark else c['btn']};border:1px solid var(--border);"
            "box-shadow:0 1px 2px rgba(0,0,0,.3)}"
        )
    out.append(_layout_css(t))
    return "".join(out)


def _layout_css(t: Theme) -> str:
    c, r, px = t.colors, t.radius, t.pad_x
    sel = "background:var(--sel);color:var(--sel_fg)"
    tab_look = {
        "underline": ".tab.active{box-shadow:inset 0 -3px var(--accent);color:var(--fg)}",
        "boxed": f".tab{{border:1px solid transparent;border-radius:{r}px {r}px 0 0}}"
        ".tab.active{background:var(--view);border-color:var(--border);border-bottom-color:"
        "var(--view);color:var(--fg)} .tabs{border-bottom:1px solid var(--border)}",
        "pills": f".tab{{border-radius:{max(r, 4)}px}} .tab.active{{{sel}}}",
        "segmented": ".tabs{gap:0} .tab{border:1px solid var(--border);background:var(--btn)}"
        f".tab:first-child{{border-radius:{r}px 0 0 {r}px}} .tab:last-child{{border-radius:0 "
        f"{r}px {r}px 0}} .tab.active{{background:{mix(c['btn'], c['fg'], 0.15)};color:var(--fg)}}",
    }[t.tabs]
    shadow = "box-shadow:0 2px 10px rgba(0,0,0,.25);" if t.shadow else ""
    return (
        f".tabs{{display:flex;gap:2px;align-items:stretch;padding:0 {px}px}}"
        f".tab{{padding:6px {px + 6}px;color:var(--dim);display:flex;align-items:center;gap:6px;"
        f"white-space:nowrap;cursor:pointer}} {tab_look}"
        f".menubar{{display:flex;padding:0 4px;background:var(--header)}}"
        f".menubar>.mi{{padding:4px {px}px;position:relative;white-space:nowrap}} .mi.hl{{{sel}}}"
        ".menu{position:absolute;z-index:10;color:var(--fg);background:var(--surface);"
        f"border:1px solid var(--border);border-radius:{min(r, 6)}px;padding:4px 0;min-width:170px;"
        "box-shadow:0 3px 10px rgba(0,0,0,.3)}"
        f".menu .mi{{display:flex;align-items:center;gap:10px;padding:4px {px + 8}px;"
        "white-space:nowrap} .menu .mi .accel{margin-left:auto;padding-left:28px;"
        "color:var(--dim)} .menu .sep{height:1px;background:var(--border);margin:4px 0}"
        ".mi.off{color:var(--dim)}"
        f".list{{background:var(--view);border:1px solid var(--border);border-radius:{r}px;"
        "overflow:hidden} .row{display:flex;align-items:center;gap:8px;padding:6px "
        f"{px}px}} .row.sep{{border-bottom:1px solid {mix(c['view'], c['fg'], 0.1)}}}"
        f".row.sel{{{sel}}} table.tbl{{border-collapse:collapse;background:var(--view)}}"
        f".tbl th{{text-align:left;font-weight:bold;color:var(--dim);padding:3px 6px;"
        f"border-bottom:1px solid var(--border);background:var(--header)}}"
        ".tbl td{padding:0}.tbl td>div{padding:2px 6px;white-space:nowrap;overflow:hidden}"
        f".tbl tr.sel td{{{sel}}} .tbl.grid td{{border:1px solid {mix(c['view'], c['fg'], 0.1)}}}"
        f".headerbar{{display:flex;align-items:center;gap:6px;padding:6px;min-height:"
        f"{t.control_h + 12}px;background:var(--header);border-bottom:1px solid var(--border)}}"
        ".headerbar .title{flex:1;text-align:center;font-weight:bold;white-space:nowrap}"
        ".toolbar{display:flex;align-items:center;gap:3px;padding:4px 6px;"
        "border-bottom:1px solid var(--border)}"
        f".sidebar{{background:{mix(c['bg'], c['fg'], 0.04)};border-right:1px solid "
        "var(--border);overflow:hidden}"
        f".card{{background:var(--surface);border:1px solid var(--border);border-radius:"
        f"{max(r, 2)}px;padding:{px + 4}px;{shadow}}}"
        ".statusbar{padding:2px 8px;font-size:.9em;color:var(--dim);border-top:1px solid "
        "var(--border)}"
        f".dialog{{position:absolute;z-index:20;background:var(--surface);border:1px solid "
        f"var(--border);border-radius:{max(r, 4)}px;padding:{px + 10}px;"
        "box-shadow:0 6px 24px rgba(0,0,0,.4)}"
        ".backdrop{position:absolute;inset:0;z-index:15;pointer-events:none}"
        ".wm{display:flex;align-items:center;height:22px;padding:0 4px;gap:3px;"
        "background:linear-gradient(#7aa1d2,#4f79b4);color:#fff;font:bold 11px sans-serif}"
        ".wm .title{flex:1;text-align:center} .wm .btn{min-height:14px;height:14px;width:16px;"
        "padding:0;border-radius:2px}"
        "h1,h2,h3{margin:0 0 .4em} p{margin:0 0 .6em}"
    )
