"""Score grounders on a grounding set: accuracy by kind and condition, latency, VLM calls.

A grounding set is a folder with `index.json`: a list of frames, each with
its screenshot, the accessibility snapshot taken with it (the live
condition's structure expert) and queries with their target boxes.
"""

from __future__ import annotations

import fnmatch
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


OnMiss = Callable[[Frame, Query, Grounder, Image.Image], None]


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


def select_frames(frames: list[Frame], pattern: str | None) -> list[Frame]:
    """Frames whose image file name matches the glob (all when None)."""
    if not pattern:
        return frames
    return [f for f in frames if fnmatch.fnmatch(f.image_path.name, pattern)]


def evaluate(
    frames: list[Frame],
    make_grounder: Callable[[Frame], Grounder],
    label: str = "grounding",
    on_miss: OnMiss | None = None,
) -> dict[str, Any]:
    """Accuracy (point inside target box) by kind, per-expert wins, and VLM calls.

    VLM calls are counted per query kind, and separately on the queries that a
    local expert answered right (the router should not have asked the VLM there).
    `on_miss` is told of each missed query, with the grounder that missed it,
    right after (its per-frame results still cached).
    """
    hits: dict[str, list[bool]] = defaultdict(list)
    by_expert: dict[str, int] = defaultdict(int)
    calls: dict[str, int] = defaultdict(int)
    calls_on_local_hits = 0
    for frame in progress(frames, label, len(frames)):
        image = Image.open(frame.image_path).convert("RGB")
        grounder = make_grounder(frame)
        for q in frame.queries:
            before = grounder.vlm_calls
            result = grounder.locate(image, q.description)
            asked = grounder.vlm_calls - before
            ok = result is not None and q.box.contains(*result.point)
            if not ok and on_miss is not None:
                on_miss(frame, q, grounder, image)
            hits[q.kind].append(ok)
            hits["all"].append(ok)
            calls[q.kind] += asked
            calls["all"] += asked
            if ok and result is not None:
                by_expert[result.expert] += 1
                if "vlm" not in result.expert:
                    calls_on_local_hits += asked
    n = len(hits["all"])
    return {
        "accuracy": {k: round(sum(v) / len(v), 4) for k, v in hits.items() if v},
        "n": {k: len(v) for k, v in hits.items()},
        "correct_by_expert": dict(by_expert),
        "vlm_calls_per_query": round(calls["all"] / n, 4) if n else 0.0,
        "vlm_calls_per_query_by_kind": {
            k: round(calls[k] / len(v), 4) for k, v in hits.items() if v and k != "all"
        },
        "vlm_calls_on_local_hits": calls_on_local_hits,
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
