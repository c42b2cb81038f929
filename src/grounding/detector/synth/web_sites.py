"""Web-site-like pages: a navbar, a hero, cards, a form, a footer with links and icons."""

from __future__ import annotations

from html import escape

from .web_icons import pick_icon
from .web_widgets import Kit
from .web_words import NOUNS, sentence, title


def navbar(kit: Kit) -> str:
    rng = kit.rng
    logo = kit.img(pick_icon(rng, "app"), rng.choice((24, 32, 40)), cls="icon")
    links = "".join(kit.link(rng.choice(NOUNS)) for _ in range(rng.randint(2, 6)))
    right = kit.search_entry(w=(150, 240)) if kit.chance(0.4) else ""
    right += kit.button(rng.choice(("Sign in", "Log in", "Register", "Get started")))
    if kit.chance(0.4):
        right += kit.icon_button(flat=True)
    gap = rng.randint(12, 28)
    bg = "var(--header)" if kit.chance(0.7) else "var(--bg)"
    return (
        f'<div class="hstack" style="padding:8px 24px;gap:{gap}px;background:{bg};'
        f'border-bottom:1px solid var(--border)">{logo}<b>{escape(title(rng, 1, 2))}</b>'
        f'<div class="hstack" style="gap:{gap}px">{links}</div><span class="grow"></span>'
        f"{right}</div>"
    )


def hero(kit: Kit) -> str:
    rng = kit.rng
    align = rng.choice(("center", "left"))
    return (
        f'<div style="padding:{rng.randint(24, 64)}px 32px;text-align:{align}">'
        f'<h1 style="font-size:{rng.choice((1.8, 2.2, 2.8))}em">{escape(title(rng, 2, 5))}</h1>'
        f"{kit.paragraph(links=0.4)}"
        f'<div class="hstack" style="justify-content:{"center" if align == "center" else "start"}">'
        f"{kit.button(variant='primary')}{kit.button(variant='plain')}</div></div>"
    )


def card(kit: Kit) -> str:
    rng = kit.rng
    icon = (
        kit.img(pick_icon(rng, "app"), rng.choice((32, 48)), cls="icon") if kit.chance(0.6) else ""
    )
    action = (
        kit.button() if kit.chance(0.5) else kit.link("Learn more" if kit.chance(0.5) else None)
    )
    return (
        f'<div class="card grow" style="min-width:180px">{icon}<h3>{escape(title(rng))}</h3>'
        f"{kit.paragraph(links=0.25)}{action}</div>"
    )


def signup(kit: Kit) -> str:
    rng = kit.rng
    fields = "".join(kit.entry(w=(220, 320)) for _ in range(rng.randint(1, 3)))
    extra = kit.checkbox() if kit.chance(0.5) else ""
    extra += kit.dropdown() if kit.chance(0.3) else ""
    return (
        f'<div class="card" style="margin:16px 32px;max-width:560px"><h3>{escape(title(rng))}</h3>'
        f'<div class="vstack" style="align-items:flex-start">{fields}{extra}'
        f"{kit.button(variant='primary')}</div></div>"
    )


def footer(kit: Kit) -> str:
    rng = kit.rng
    cols = []
    for _ in range(rng.randint(2, 4)):
        links = "".join(
            f"<div>{kit.link(rng.choice(NOUNS))}</div>" for _ in range(rng.randint(2, 5))
        )
        cols.append(f'<div class="vstack"><b>{escape(rng.choice(NOUNS))}</b>{links}</div>')
    social = "".join(
        f'<a href="#">{kit.img(size=rng.choice((16, 20, 24)), cls="icon")}</a>'
        for _ in range(rng.randint(0, 5))
    )
    return (
        '<div style="padding:24px 32px;background:var(--header);'
        'border-top:1px solid var(--border)">'
        f'<div class="hstack" style="align-items:flex-start;gap:48px">{"".join(cols)}</div>'
        f'<div class="hstack" style="margin-top:16px;gap:12px">{social}'
        f'<span class="dim">{escape(sentence(rng, 3, 6))}</span></div></div>'
    )


def website(kit: Kit) -> str:
    """A scrolled-to-top site page; what does not fit the viewport is cut off."""
    rng = kit.rng
    parts = [navbar(kit)]
    if kit.chance(0.7):
        parts.append(hero(kit))
    if kit.chance(0.4):
        parts.append(kit.tabs(rng.randint(2, 5), closable=False))
    cards = "".join(card(kit) for _ in range(rng.randint(2, 4)))
    parts.append(
        f'<div class="hstack" style="padding:16px 32px;align-items:stretch;gap:16px">{cards}</div>'
    )
    if kit.chance(0.5):
        parts.append(signup(kit))
    if kit.chance(0.3):
        parts.append(f'<div style="padding:0 32px">{kit.list_rows(rng.randint(3, 8))}</div>')
    parts.append(footer(kit))
    style = f"max-width:{rng.choice(('none', '1100px', '960px'))};margin:0 auto"
    return f'<div style="{style}">{"".join(parts)}</div>'
