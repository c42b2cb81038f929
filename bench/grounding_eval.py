"""Score grounders on a grounding set: accuracy by kind and condition, latency, VLM calls.

A grounding set is a folder with `index.json`: a list of frames, each with
its screenshot, the accessibility snapshot taken with it (the live
condition's structure expert) and queries with their target boxes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from grounding import Box, Element, Grounder
from grounding.ocr import OcrConfig, TesseractOcr
from grounding.static import StaticExpert
from grounding.text_match import normalize

from ._common import progress


@dataclass(frozen=True)
class Query:
    description: str
    kind: str  # "text" | "icon"
    box: Box
    role: str


@dataclass(frozen=True)
class Frame:
    image_path: Path
    a11y: list[Element]
    queries: list[Query]
    meta: dict[str, Any]


def load_set(folder: Path) -> list[Frame]:
    index = json.loads((folder / "index.json").read_text())
    frames = []
    for entry in index["frames"]:
        a11y = [Element.from_dict(e) for e in entry["a11y"]]
        queries = [
            Query(q["description"], q["kind"], Box.from_dict(q["box"]), q.get("role", ""))
            for q in entry["queries"]
        ]
        frames.append(Frame(folder / entry["image"], a11y, queries, entry.get("meta", {})))
    return frames


def tesseract_word_baseline() -> Callable[[Image.Image, str], tuple[int, int] | None]:
    """Agent S2's textual grounding: Tesseract words at 1x, the first run that reads the
    same as the query (case-insensitive), its centre."""
    ocr = TesseractOcr(OcrConfig(scales=(1.0,), psm=3))
    # The frame read last and its words. Keyed by the image object itself, held
    # here: an id() can be reused by the next frame once the last one is freed.
    last: list[Any] = [None, []]

    def locate(image: Image.Image, description: str) -> tuple[int, int] | None:
        if last[0] is not image:
            last[:] = [image, ocr.read_words(image)]
        words = last[1]
        target = normalize(description).split()
        texts = [normalize(w.text) for w in words]
        n = len(target)
        for i in range(len(words) - n + 1):
            if texts[i : i + n] == target:
                box = words[i].box
                for w in words[i + 1 : i + n]:
                    box = box.union(w.box)
                return box.center
        return None

    return locate


def evaluate(frames: list[Frame], make_grounder: Callable[[Frame], Grounder],
             label: str = "grounding") -> dict[str, Any]:  # fmt: skip
    """Accuracy (point inside target box) by kind, plus per-expert wins and VLM calls."""
    hits: dict[str, list[bool]] = defaultdict(list)
    by_expert: dict[str, int] = defaultdict(int)
    vlm_calls = 0
    for frame in progress(frames, label, len(frames)):
        image = Image.open(frame.image_path).convert("RGB")
        grounder = make_grounder(frame)
        for q in frame.queries:
            result = grounder.locate(image, q.description)
            ok = result is not None and q.box.contains(*result.point)
            hits[q.kind].append(ok)
            hits["all"].append(ok)
            if ok and result is not None:
                by_expert[result.expert] += 1
        vlm_calls += grounder.vlm_calls
    n = len(hits["all"])
    return {
        "accuracy": {k: round(sum(v) / len(v), 4) for k, v in hits.items() if v},
        "n": {k: len(v) for k, v in hits.items()},
        "correct_by_expert": dict(by_expert),
        "vlm_calls_per_query": round(vlm_calls / n, 4) if n else 0.0,
    }


def evaluate_baseline(frames: list[Frame]) -> dict[str, Any]:
    locate = tesseract_word_baseline()
    hits: dict[str, list[bool]] = defaultdict(list)
    for frame in progress(frames, "baseline", len(frames)):
        image = Image.open(frame.image_path).convert("RGB")
        for q in frame.queries:
            point = locate(image, _query_text(q))
            ok = point is not None and q.box.contains(*point)
            hits[q.kind].append(ok)
            hits["all"].append(ok)
    return {
        "accuracy": {k: round(sum(v) / len(v), 4) for k, v in hits.items() if v},
        "n": {k: len(v) for k, v in hits.items()},
    }


def _query_text(q: Query) -> str:
    from grounding.query import parse_query

    return parse_query(q.description).text


def live(ocr: TesseractOcr) -> Callable[[Frame], Grounder]:
    return lambda frame: Grounder(ocr, experts=[StaticExpert("atspi", frame.a11y)])


def image_only(ocr: TesseractOcr) -> Callable[[Frame], Grounder]:
    return lambda frame: Grounder(ocr)
