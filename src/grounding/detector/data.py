"""Generate detector training data: `python -m grounding.detector.data --out DIR`.

Writes Qt windows (synth.qt_scenes) and web pages (synth.web_scenes) into one
dataset folder (see dataset.py) with a progress bar. Each source numbers its
own seeds from --seed, and the source prefix keeps file names apart. A rerun
with the same arguments resumes: seeds already in labels.jsonl are skipped.

    python -m grounding.detector.data --out data/detector --count 20000 \\
        --sources qt,web --web-share 0.3 --workers 2
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from .classes import DETECTOR_CLASSES
from .dataset import DatasetWriter, Sample

logger = logging.getLogger(__name__)

INSTALL_HINT = "install the training extra: pip install -e '.[train]'"


def done_seeds(root: Path) -> dict[str, set[int]]:
    """Seeds per source already written (a truncated last line does not count)."""
    labels = root / "labels.jsonl"
    out: dict[str, set[int]] = {}
    if not labels.exists():
        return out
    for line in labels.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (root / row["image"]).exists():
            out.setdefault(str(row["source"]), set()).add(int(row["seed"]))
    return out


def runs(seeds: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Consecutive runs of sorted seeds as (start, count)."""
    start = prev = None
    for s in sorted(seeds):
        if start is None or prev is None or s != prev + 1:
            if start is not None and prev is not None:
                yield start, prev - start + 1
            start = s
        prev = s
    if start is not None and prev is not None:
        yield start, prev - start + 1


def split_counts(count: int, sources: list[str], web_share: float) -> dict[str, int]:
    if sources == ["qt"]:
        return {"qt": count}
    if sources == ["web"]:
        return {"web": count}
    web = round(count * web_share)
    return {"qt": count - web, "web": web}


def _qt_one(seed: int) -> Sample:  # a worker process's task (module level for pickling)
    from .synth.qt_scenes import render_qt

    return render_qt(seed)


def qt_samples(missing: list[int], workers: int) -> Iterator[Sample]:
    try:
        from .synth.qt_scenes import generate_qt
    except ImportError as exc:
        raise SystemExit(f"the Qt generator needs PySide6 ({exc}); {INSTALL_HINT}") from exc
    if workers <= 1:
        for start, n in runs(missing):
            yield from generate_qt(start, n)
        return
    import multiprocessing as mp

    # spawn: each worker starts its own offscreen QApplication; fork would copy Qt state.
    with mp.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap(_qt_one, missing, chunksize=4)


def web_samples(missing: list[int]) -> Iterator[Sample]:
    try:
        from .synth.web_scenes import generate_web
    except ImportError as exc:
        raise SystemExit(f"the web generator is not available ({exc})") from exc
    for start, n in runs(missing):
        try:
            yield from generate_web(start, n)
        except RuntimeError as exc:  # ChromiumError: missing or broken browser
            raise SystemExit(
                f"web pages need Chromium: {exc}. Install Debian's `chromium` "
                "(packaging/install-system-deps.sh) or use --sources qt"
            ) from exc


def generate(out: Path, count: int, seed: int, sources: list[str], web_share: float,
             workers: int = 1) -> Counter[str]:  # fmt: skip
    """Fill `out` up to `count` images; returns boxes per class of the images written now."""
    from tqdm import tqdm

    writer = DatasetWriter(out)
    done = done_seeds(out)
    per_class: Counter[str] = Counter()
    for source, n in split_counts(count, sources, web_share).items():
        missing = [s for s in range(seed, seed + n) if s not in done.get(source, set())]
        if not missing:
            logger.info("%s: all %d images present", source, n)
            continue
        logger.info("%s: %d of %d images to make", source, len(missing), n)
        stream = qt_samples(missing, workers) if source == "qt" else web_samples(missing)
        for sample in tqdm(stream, total=len(missing), desc=source, unit="img", file=sys.stderr):
            writer.add(sample)
            per_class["images"] += 1
            per_class.update(b.cls for b in sample.boxes)
    return per_class


def summary(root: Path) -> str:
    """Images and boxes per class of the whole dataset, as a table."""
    from .dataset import read_dataset

    images: Counter[str] = Counter()
    boxes: Counter[str] = Counter()
    for record in read_dataset(root):
        images[record.source] += 1
        boxes.update(b.cls for b in record.boxes)
    by_source = ", ".join(f"{k} {v}" for k, v in sorted(images.items()))
    lines = [f"images: {sum(images.values())} ({by_source})"]
    lines += [f"  {name:<11} {boxes[name]:>8}" for name in DETECTOR_CLASSES]
    lines.append(f"  {'total':<11} {sum(boxes.values()):>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.data",
                                     description=__doc__.split("\n\n")[0])  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="dataset folder")
    parser.add_argument("--count", type=int, default=1000, help="images in all (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="first seed of each source")
    parser.add_argument("--sources", default="qt", help="comma list of qt, web (default qt)")
    parser.add_argument(
        "--web-share", type=float, default=0.3, help="share of web pages with both sources on"
    )
    parser.add_argument("--workers", type=int, default=1, help="Qt render processes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sources = sorted({s.strip() for s in args.sources.split(",") if s.strip()})
    unknown = set(sources) - {"qt", "web"}
    if unknown or not sources:
        parser.error(f"--sources takes qt and/or web, not {args.sources!r}")
    if not 0.0 <= args.web_share <= 1.0:
        parser.error("--web-share is a fraction between 0 and 1")
    try:
        import tqdm  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"tqdm is missing; {INSTALL_HINT}") from exc
    made = generate(args.out, args.count, args.seed, sources, args.web_share, args.workers)
    logger.info("made %d images now", made["images"])
    sys.stdout.write(summary(args.out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
