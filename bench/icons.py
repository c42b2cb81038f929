"""The icon recognizer on real app pixels: the grounding set's icon queries.

`python -m bench.icons [--index bench/data/grounding/index.json] [--model FILE.onnx]`

For every "icon" query of every frame (a target whose label is not written on
screen), the query's box is cropped from the frame and recognised. For the
targets that really are icons, the table gives top-1/top-5 of the meaning of
the icon the app draws there (taken from the app's source, e.g. the widget
factory's "Add item" button draws zoom-in-symbolic), and for every query the
rank of the true target among all icon-query boxes of its frame, ordered by
match_icon(description, recognised meanings): rank 1 means the icon expert
alone would pick the right box. These frames are never trained on.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from PIL import Image

from bench._common import print_table, write_results
from grounding.icons import IconRecognizer, match_icon

DEFAULT_INDEX = Path(__file__).resolve().parent / "data" / "grounding" / "index.json"
# Accessible name -> the meaning of the icon drawn (gtk3-widget-factory's .ui file,
# GTK's header bar, the icon names AT-SPI reports).
DRAWN = {
    "Minimize": "window-minimize", "Maximize": "window-maximize", "Close": "window-close",
    "Menu": "open-menu", "view-refresh-symbolic": "view-refresh", "New": "document-new",
    "Save": "document-save", "Search": "edit-find", "Add item": "zoom-in",
    "Remove item": "zoom-out", "Refresh": "zoom-original", "face-smile-symbolic": "face-smile",
    "emblem-default-symbolic": "emblem-default",
}  # fmt: skip
TOP_K = 10


def _crop(image: Image.Image, box: dict[str, int]) -> Image.Image:
    return image.crop((box["left"], box["top"], box["right"], box["bottom"]))


def run(index: Path, recognizer: IconRecognizer) -> dict[str, Any]:
    frames = json.loads(index.read_text(encoding="utf-8"))["frames"]
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "top1": 0, "top5": 0, "rank1": 0, "ranks": [], "boxes": 0, "seen": []}
    )
    crops_total, seconds = 0, 0.0
    for frame in frames:
        queries = [q for q in frame["queries"] if q.get("kind") == "icon"]
        if not queries:
            continue
        with Image.open(index.parent / frame["image"]) as image:
            crops = [_crop(image.convert("RGB"), q["box"]) for q in queries]
        began = time.perf_counter()
        recognised = recognizer.recognize(crops, top_k=TOP_K)
        seconds += time.perf_counter() - began
        crops_total += len(crops)
        for target, query in enumerate(queries):
            scores = [match_icon(query["description"], r) for r in recognised]
            rank = 1 + sum(1 for i, s in enumerate(scores) if i != target and s >= scores[target])
            row = rows[query["description"]]
            row["n"] += 1
            row["rank1"] += rank == 1
            row["ranks"].append(rank)
            row["boxes"] += len(queries)
            drawn = DRAWN.get(query.get("name", ""))
            row["drawn"] = drawn or "-"
            if drawn:
                names = [m for m, _ in recognised[target]]
                row["top1"] += names[0] == drawn
                row["top5"] += drawn in names[:5]
                row["seen"].append(names[0])
    return {"rows": rows, "crops": crops_total, "ms_per_crop": 1000 * seconds / max(crops_total, 1)}


def _table(rows: dict[str, dict[str, Any]], icons_only: bool) -> list[dict[str, Any]]:
    out = []
    for description, row in sorted(rows.items()):
        if (row["drawn"] != "-") != icons_only:
            continue
        n = row["n"]
        entry: dict[str, Any] = {
            "query": description, "drawn": row["drawn"], "n": n,
            "rank@1": f"{row['rank1']}/{n}",
            "mean rank": round(sum(row["ranks"]) / n, 1),
            "boxes/frame": round(row["boxes"] / n, 1),
        }  # fmt: skip
        if icons_only:
            common = max(set(row["seen"]), key=row["seen"].count) if row["seen"] else "-"
            entry.update({"top1": f"{row['top1']}/{n}", "top5": f"{row['top5']}/{n}",
                          "usually read as": common})  # fmt: skip
        out.append(entry)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.icons", description=__doc__)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--model", type=Path, help="default: the shipped model")
    args = parser.parse_args(argv)
    recognizer = IconRecognizer(args.model) if args.model else IconRecognizer.default()
    result = run(args.index, recognizer)
    rows = result["rows"]
    icon_rows = _table(rows, icons_only=True)
    other_rows = _table(rows, icons_only=False)
    print_table(
        "Icon targets (the app draws an icon; top-k of the drawn icon's meaning)",
        icon_rows,
        ["query", "drawn", "n", "top1", "top5", "usually read as", "rank@1", "mean rank",
         "boxes/frame"],
    )  # fmt: skip
    print_table(
        "Other icon-kind queries (text the OCR oracle missed, list items, ...)",
        other_rows,
        ["query", "n", "rank@1", "mean rank", "boxes/frame"],
    )
    icons = [r for r in rows.values() if r["drawn"] != "-"]
    total = sum(r["n"] for r in icons)
    summary = {
        "icon_queries": total,
        "top1": round(sum(r["top1"] for r in icons) / max(total, 1), 3),
        "top5": round(sum(r["top5"] for r in icons) / max(total, 1), 3),
        "rank1": round(sum(r["rank1"] for r in icons) / max(total, 1), 3),
        "all_queries_rank1": round(
            sum(r["rank1"] for r in rows.values()) / max(sum(r["n"] for r in rows.values()), 1), 3
        ),
        "ms_per_crop": round(result["ms_per_crop"], 3),
        "crops": result["crops"],
        "model": str(recognizer.model_path),
    }
    print(
        f"icon targets: {total} queries, top-1 {summary['top1']:.1%}, top-5 {summary['top5']:.1%}, "
        f"target ranked first among the frame's icon boxes {summary['rank1']:.1%}; "
        f"all icon-kind queries ranked first {summary['all_queries_rank1']:.1%}; "
        f"{summary['ms_per_crop']:.2f} ms per crop ({summary['crops']} crops, batched per frame)"
    )
    path = write_results(
        "icons", {"summary": summary, "icon_targets": icon_rows, "other": other_rows}
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
