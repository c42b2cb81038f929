"""Shared bench helpers: summaries, markdown tables, JSON results with machine info."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

RESULTS_DIR = Path(__file__).resolve().parent / "results"


T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int) -> Iterator[T]:
    """A tqdm bar on stderr when tqdm is installed (the train extra), else plain."""
    try:
        from tqdm import tqdm
    except ImportError:
        yield from items
        return
    yield from tqdm(items, desc=desc, total=total, file=sys.stderr, leave=False)


def time_calls(fn: Callable[[], object], n: int, warmup: int = 1) -> list[float]:
    """Seconds each of `n` calls of `fn` took, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def summarize_ms(samples_s: list[float]) -> dict[str, float | int]:
    """Median and p90 (nearest rank) in milliseconds of samples given in seconds."""
    if not samples_s:
        raise ValueError("no samples to summarize")
    ordered = sorted(samples_s)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(p90 * 1000, 2),
        "n": len(ordered),
    }


def print_table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as a markdown table under a heading."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(_cell(row.get(col, "")) for col in columns) + " |")
    print()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "packages": {
            name: _version(name) for name in ("mss", "pillow", "pyautogui", "pyscreeze", "pynput")
        },
    }


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write bench/results/<name>.json with machine info and a UTC timestamp."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "name": name,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
