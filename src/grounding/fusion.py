"""Turn expert output into scored candidates for one query, and fuse them.

Text candidates come from OCR word runs; element candidates from experts
that name what they see (accessibility tree, icon recognizer). A text found
inside an element's box takes that element's box and role: the whole button,
not just its label. Agreeing experts raise the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from .query import Query
from .text_match import TextMatch, normalize
from .types import Box, Element

# Roles that can stand in for each other when a description names one.
_COMPATIBLE: dict[str, frozenset[str]] = {
    "button": frozenset({"button", "toggle", "icon", "menu", "tab", "link"}),
    "menu": frozenset({"menu", "menu_item", "button"}),
    "menu_item": frozenset({"menu_item", "menu", "list_item"}),
    "text_field": frozenset({"text_field", "label", "dropdown"}),
    "icon": frozenset({"icon", "button", "toggle"}),
    "checkbox": frozenset({"checkbox", "toggle", "menu_item"}),
    "tab": frozenset({"tab", "button"}),
}
# Elements that contain a text but are containers, not its target.
_CONTAINERS = frozenset({
    "frame", "window", "panel", "filler", "scroll_pane", "application",
    "dialog", "menu_bar", "tool_bar", "viewport", "page_tab_list",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Candidate:
    element: Element
    score: float
    whole: bool  # the whole label matched, not part of a longer one
    evidence: tuple[str, ...]


def from_text_matches(matches: list[TextMatch], source: str) -> list[Candidate]:
    return [
        Candidate(
            Element(m.box, "label" if m.is_label else "text", m.text, source, m.score),
            m.score,
            m.whole_line,
            (source,),
        )
        for m in matches
    ]


def from_elements(elements: list[Element], query: Query, *, threshold: float) -> list[Candidate]:
    """Elements whose name resembles the query text."""
    target = normalize(query.text)
    if not target:
        return []
    out = []
    for element in elements:
        name = normalize(element.text)
        if not name or element.role in _CONTAINERS:
            continue
        if name == target:
            ratio, whole = 1.0, True
        else:
            ratio = SequenceMatcher(None, name, target).ratio()
            whole = False
            # Every word of the query inside the name: "search" in "system-search".
            if set(_tokens(target)) <= set(_tokens(name)):
                ratio = max(ratio, 0.92)
        if ratio < threshold:
            continue
        score = ratio * (0.9 + 0.1 * element.score) + (0.05 if whole else -0.05)
        out.append(Candidate(element, score, whole, (element.source,)))
    return out


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\W_]+", text) if t]


def attach_to_elements(candidates: list[Candidate], elements: list[Element],
                       image_area: int) -> list[Candidate]:  # fmt: skip
    """Give each text candidate the box and role of the smallest element holding it."""
    holders = [e for e in elements if e.role not in _CONTAINERS and e.box.area < image_area // 4]
    fused = []
    for cand in candidates:
        cx, cy = cand.element.box.center
        inside = [
            e
            for e in holders
            if e.box.contains(cx, cy) and e.box.area >= cand.element.box.area // 2
        ]
        if not inside or cand.element.role == "label":
            fused.append(cand)
            continue
        holder = min(inside, key=lambda e: e.box.area)
        element = replace(holder, text=cand.element.text or holder.text,
                          score=max(holder.score, cand.element.score))  # fmt: skip
        fused.append(Candidate(element, cand.score + 0.03, cand.whole,
                               (*cand.evidence, holder.source)))  # fmt: skip
    return fused


def merge_duplicates(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per place: boxes that overlap are the same target seen twice."""
    merged: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: -c.score):
        for i, kept in enumerate(merged):
            if _same_place(kept.element.box, cand.element.box):
                evidence = tuple(dict.fromkeys((*kept.evidence, *cand.evidence)))
                bonus = 0.02 if cand.element.source not in kept.evidence else 0.0
                merged[i] = Candidate(kept.element, kept.score + bonus,
                                      kept.whole or cand.whole, evidence)  # fmt: skip
                break
        else:
            merged.append(cand)
    return merged


def _same_place(a: Box, b: Box) -> bool:
    return a.iou(b) > 0.5 or (a.contains(*b.center) and b.contains(*a.center))


def apply_role(candidates: list[Candidate], role: str | None) -> list[Candidate]:
    if role is None:
        return candidates
    allowed = _COMPATIBLE.get(role, frozenset({role}))
    out = []
    for cand in candidates:
        r = cand.element.role
        if r == role:
            delta = 0.05
        elif r in allowed:
            delta = 0.02
        elif r in {"text", "label"}:
            delta = 0.0  # OCR text has no role: neither for nor against
        else:
            delta = -0.1
        out.append(replace(cand, score=cand.score + delta))
    return out
