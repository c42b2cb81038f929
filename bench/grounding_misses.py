"""Why the image-only mixture missed an icon query: the step of its icon route that lost it.

With no text to match, the mixture finds an icon through one route
(grounding.icon_candidates): the description must name an icon the vocabulary
knows; the detector must box the target; the box must be an icon candidate (no
word on it, a glyph button's role and size); the recognizer must read the
picture as what the description names; and that candidate must outrank the
others. A miss is put down to the first of these steps that failed, so the
bench shows which part to improve (and which misses no picture reader could
fix: an accessible name that says something other than the picture does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image

from grounding import Box, Element, Grounder
from grounding.icon_candidates import Recognizer, recognize_icons, textless_boxes
from grounding.icons.match import IconMatcher

NAMES_NOTHING = "names no icon the vocabulary knows"
NO_ELEMENT = "no detected element at the target"
NOT_OFFERED = "detected, not an icon candidate (text on it, or its role or size)"
READ_OTHERWISE = "the picture is read as something the description does not name"
OUTRANKED = "read as named, but another candidate chosen (or too unsure)"
CAUSES = (NAMES_NOTHING, NO_ELEMENT, NOT_OFFERED, READ_OTHERWISE, OUTRANKED)


@dataclass(frozen=True)
class IconMiss:
    image: str
    description: str
    cause: str
    detected: str  # the surest detected element at the target ("button 0.62"), or "-"
    reading: str  # the recognizer's first meanings there ("zoom-in 0.62, list-add 0.10"), or "-"

    @property
    def top_reading(self) -> str:
        return self.reading.split(" ", 1)[0] if self.reading != "-" else "-"


def explain_icon_miss(
    grounder: Grounder,
    image: Image.Image,
    description: str,
    target: Box,
    icons: tuple[Recognizer, IconMatcher],
    image_name: str = "",
) -> IconMiss:
    """The first step of the icon route that loses `target` for `description`.

    Reads the grounder's own per-frame results (its experts' elements and its
    OCR words, cached when it has just grounded on `image`)."""
    recognizer, matcher = icons

    def miss(cause: str, detected: str = "-", reading: str = "-") -> IconMiss:
        return IconMiss(image_name, description, cause, detected, reading)

    if not matcher.named(description):
        return miss(NAMES_NOTHING)
    at_target = [e for e in grounder.expert_elements(image)
                 if e.source == "detector" and target.contains(*e.box.center)]  # fmt: skip
    if not at_target:
        return miss(NO_ELEMENT)
    detected = _element(max(at_target, key=lambda e: e.score))
    offered = textless_boxes(at_target, grounder.words(image))
    if not offered:
        return miss(NOT_OFFERED, detected)
    readings = recognize_icons(image, offered, recognizer)
    best = max(readings, key=lambda r: matcher.match(description, r.meanings))
    reading = ", ".join(f"{name} {p:.2f}" for name, p in best.meanings[:2]) or "-"
    named = bool(best.meanings) and matcher.fit(description, best.meanings[0][0]) > 0
    return miss(OUTRANKED if named else READ_OTHERWISE, detected, reading)


def _element(element: Element) -> str:
    return f"{element.role} {element.score:.2f}"


def miss_tables(misses: Sequence[IconMiss], top: int = 12,
                ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:  # fmt: skip
    """Two tables: the misses by cause (every cause, in route order), and the most
    frequent (description, cause, first reading) groups, with how many frames each."""
    by_cause = Counter(m.cause for m in misses)
    causes: list[dict[str, object]] = [{"cause": c, "misses": by_cause[c]} for c in CAUSES]
    groups = Counter((m.description, m.cause, m.top_reading) for m in misses)
    details: list[dict[str, object]] = [
        {"query": d, "frames": n, "cause": c, "read as": r}
        for (d, c, r), n in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    ]
    return causes, details


def as_json(misses: Sequence[IconMiss]) -> list[dict[str, Any]]:
    return [asdict(m) for m in misses]
