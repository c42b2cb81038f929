"""`python -m bench.detector`: the UI-element detector on real apps, in one run.

Screenshots of real Debian apps (the grounding set: gtk3-widget-factory,
mousepad, galculator in four themes at 1280x800 and 1920x1080) with ground
truth from their accessibility trees (`detection_ground_truth`). Reports
class-agnostic recall and precision at IoU 0.5 at the detector's operating
threshold, per-class AP@0.5 and mAP@0.5, and parse latency per frame.

AP needs the whole ranking, so the evaluation pass runs the detector at a low
threshold (--ap-threshold) and the operating point keeps the predictions
scoring >= --threshold; latency is timed on a second instance at the operating
threshold, as the agent runs it, beside a same-run yardstick (a plain
Tesseract read of each frame at 1x), since milliseconds move with the host.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from grounding import Box, Element
from grounding.detector.calibrate import DEFAULT_THRESHOLD
from grounding.detector.dataset import read_dataset
from grounding.errors import ExpertUnavailable
from grounding.experts import ElementExpert
from grounding.ocr import OcrConfig, TesseractOcr

from ._common import print_table, progress, summarize_ms, write_results
from .detection_drawing import save_failures
from .detection_metrics import IOU_THRESHOLD, detection_ground_truth, evaluate_detections
from .grounding_eval import Frame, load_set, select_frames
from .grounding_set import DEFAULT_OUT, build

logger = logging.getLogger(__name__)

TARGETS = {"recall": 0.85, "map": 0.6, "latency_1920x1080_ms": 60.0}
SIZES = ((1920, 1080), (1280, 800))


def frame_truth(frame: Frame, image: Image.Image) -> list[Element]:
    return detection_ground_truth(frame.a11y, image.size)


def truth_counts(frames: list[Frame]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for frame in frames:
        with Image.open(frame.image_path) as image:
            counts.update(e.role for e in frame_truth(frame, image))
    return counts


def evaluate_expert(frames: list[Frame], expert: ElementExpert,
                    threshold: float | dict[str, float], iou: float = IOU_THRESHOLD,
                    draw: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Run the expert once per frame and score it against the a11y ground truth;
    with `draw`, each frame's misses and false positives are pictured there."""
    pairs = []
    for frame in progress(frames, f"{expert.name} eval", len(frames)):
        image = Image.open(frame.image_path).convert("RGB")
        truth, preds = frame_truth(frame, image), expert.parse(image)
        pairs.append((truth, preds))
        if draw is not None:
            save_failures(draw, frame.image_path.name, image, truth, preds, threshold)
    return evaluate_detections(pairs, threshold, iou)


def measure_latency(frames: list[Frame], expert: ElementExpert, limit: int | None = None,
                    yardstick: Callable[[Image.Image], object] | None = None,
                    ) -> dict[str, dict[str, float | int]]:  # fmt: skip
    """Median and p90 of parse() per frame size, after one untimed warm-up parse per size.

    With a `yardstick`, each frame is also handed to it just before the parse,
    and its median and the parse's multiple of it are added: the same work in
    the same seconds, so a slow host shows as a slow yardstick.
    """
    out: dict[str, dict[str, float | int]] = {}
    for width, height in SIZES:
        sized = [f for f in frames if _size(f) == (width, height)][:limit]
        if not sized:
            continue
        images = [Image.open(f.image_path).convert("RGB") for f in sized]
        expert.parse(images[0])  # warm-up: session allocations, caches
        samples, reference = [], []
        for image in progress(images, f"latency {width}x{height}", len(images)):
            if yardstick is not None:
                started = time.perf_counter()
                yardstick(image)
                reference.append(time.perf_counter() - started)
            started = time.perf_counter()
            expert.parse(image)
            samples.append(time.perf_counter() - started)
        row = summarize_ms(samples)
        if reference:
            ref_ms = summarize_ms(reference)["median_ms"]
            row["yardstick_ms"] = ref_ms
            row["x_yardstick"] = round(row["median_ms"] / ref_ms, 3)
        out[f"{width}x{height}"] = row
    return out


def plain_tesseract() -> Callable[[Image.Image], object] | None:
    """The yardstick bench.grounding uses too: one plain Tesseract read at 1x (as
    Agent S2's textual grounding reads a screen); None where Tesseract is missing."""
    try:
        return TesseractOcr(OcrConfig(scales=(1.0,), psm=3)).read_words
    except ExpertUnavailable as exc:
        logger.warning("latency without a yardstick: %s", exc)
        return None


def _size(frame: Frame) -> tuple[int, int]:
    with Image.open(frame.image_path) as image:
        return image.size


def report(result: dict[str, Any], latency: dict[str, dict[str, float | int]],
           title: str, targets: bool = True) -> list[str]:  # fmt: skip
    """Print the tables; returns the target verdict lines (also printed; none
    without `targets`: the issue's targets are set on the bench's frames)."""
    rows: list[dict[str, Any]] = []
    for cls, c in result["classes"].items():
        confused = ", ".join(f"{k} {v}" for k, v in list(c["confused_as"].items())[:2])
        rows.append({"class": cls, "GT": c["gt"], "found (any class)": _num(c["found"]),
                     "recall": _num(c["recall"]), "precision": _num(c["precision"]),
                     "AP@0.5": _num(c["ap"]), "predictions": c["predictions"],
                     "found as": confused})  # fmt: skip
    o = result["overall"]
    rows.append({"class": "**all (class-agnostic)**", "GT": o["gt"],
                 "found (any class)": _num(o["recall"]), "precision": _num(o["precision"]),
                 "AP@0.5": _num(o["ap_agnostic"]), "predictions": o["predictions"]})  # fmt: skip
    rows.append({"class": f"**mAP@0.5 ({o['map_classes']} classes)**", "AP@0.5": _num(o["map"])})
    print_table(title, rows, ["class", "GT", "found (any class)", "recall", "precision",
                              "AP@0.5", "predictions", "found as"])  # fmt: skip
    by_size = [{"size": k, "GT": v["gt"], "recall": _num(v["recall"])}
               for k, v in o.get("recall_by_size", {}).items()]  # fmt: skip
    print_table("Class-agnostic recall by the size of the truth box (its longer side)",
                by_size, ["size", "GT", "recall"])  # fmt: skip
    if latency:
        columns = ["size", "median_ms", "p90_ms", "n", "yardstick_ms", "x_yardstick"]
        print_table("parse() latency per frame (after one warm-up); yardstick: a plain "
                    "Tesseract read at 1x of the same frame, just before it",
                    [{"size": k, **v} for k, v in latency.items()], columns)  # fmt: skip
    if not targets:
        return []
    verdicts = [
        _verdict("recall (class-agnostic)", o["recall"], TARGETS["recall"], higher=True),
        _verdict("mAP@0.5", o["map"], TARGETS["map"], higher=True),
    ]
    big = latency.get("1920x1080", {}).get("median_ms")
    if big is not None:
        verdicts.append(_verdict("median ms at 1920x1080", float(big),
                                 TARGETS["latency_1920x1080_ms"], higher=False))  # fmt: skip
    for line in verdicts:
        print(line)
    return verdicts


def _verdict(name: str, value: float | None, target: float, higher: bool) -> str:
    if value is None:
        return f"target {name}: no value -> FAIL"
    ok = value >= target if higher else value <= target
    sign = ">=" if higher else "<="
    return f"target {name} {sign} {target:g}: {value:.3f} -> {'PASS' if ok else 'FAIL'}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _load_detector(model: Path | None) -> Callable[[float | None], ElementExpert] | str:
    """A factory of detectors at a given threshold, or why there is none."""
    try:
        from grounding.detector.onnx_detector import OnnxDetector
    except ImportError as exc:
        return f"the detector expert is not importable: {exc}"
    try:
        OnnxDetector(model)  # fail early with the loader's own message
    except ExpertUnavailable as exc:
        return str(exc)
    return lambda threshold: OnnxDetector(model, score_threshold=threshold)


def operating_thresholds(expert: ElementExpert, override: float | None) -> float | dict[str, float]:
    """--threshold for every class, else the model's own (calibrated) per-class thresholds."""
    if override is not None:
        return override
    classes, thresholds = getattr(expert, "classes", ()), getattr(expert, "thresholds", ())
    if not len(classes):
        return DEFAULT_THRESHOLD  # an expert with no per-class thresholds of its own
    return {name: round(float(t), 3) for name, t in zip(classes, thresholds, strict=True)}


def _model_info(path: Path | None) -> dict[str, Any]:
    if path is None or not Path(path).is_file():
        return {"path": str(path) if path else None}
    return {"path": str(path), "size_mb": round(Path(path).stat().st_size / 1e6, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="ONNX detector file (default: the one shipped in the package)",
    )
    parser.add_argument(
        "--frames", default=None, help="glob on the set's image names, e.g. 'galculator-*'"
    )
    parser.add_argument("--set", type=Path, default=DEFAULT_OUT, help="grounding set folder")
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="one operating score threshold for every class (default: the model's "
        "calibrated per-class thresholds, as OnnxDetector uses them)",
    )
    parser.add_argument(
        "--ap-threshold",
        type=float,
        default=0.05,
        help="threshold of the evaluation pass that ranks predictions for AP",
    )
    parser.add_argument("--latency-frames", type=int, default=None,
                        help="frames per size to time (default: all)")  # fmt: skip
    parser.add_argument("--draw", type=Path, default=None,
                        help="save each frame with its misses (red), finds (green) and false "
                        "positives (blue) at the operating point into this folder")  # fmt: skip
    parser.add_argument("--data", type=Path, nargs="+", default=None,
                        help="score on detector dataset folders instead (their labels alone, "
                        "every image; no latency): e.g. GTK screenshots built apart from "
                        "training with `python -m bench.gtk_train_set --seed 1`, a broader "
                        "set of real apps than the bench's three")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.data:
        return score_datasets(args.data, args.model, args.threshold, args.ap_threshold,
                              args.draw)  # fmt: skip
    if not (args.set / "index.json").exists():
        print(f"building the grounding set in {args.set} (a few minutes)", file=sys.stderr)
        build(args.set)
    frames = select_frames(load_set(args.set), args.frames)
    if not frames:
        print(f"no frame of {args.set} matches {args.frames!r}", file=sys.stderr)
        return 2
    make = _load_detector(args.model)
    if isinstance(make, str):
        print(f"cannot run the detector bench: {make}", file=sys.stderr)
        return 2
    counts = truth_counts(frames)
    print_table(f"Ground truth from the accessibility trees ({len(frames)} frames)",
                [{"class": k, "GT": v} for k, v in counts.most_common()] +
                [{"class": "**all**", "GT": sum(counts.values())}], ["class", "GT"])  # fmt: skip
    operating = make(args.threshold)
    thresholds = operating_thresholds(operating, args.threshold)
    lowest = getattr(operating, "score_threshold", args.ap_threshold)  # a stand-in may have none
    expert = make(min(args.ap_threshold, lowest))
    result = evaluate_expert(frames, expert, thresholds, draw=args.draw)
    latency = measure_latency(frames, operating, args.latency_frames, plain_tesseract())
    sizes = sorted({tuple(f.meta.get("size", ())) for f in frames})
    shown = (
        f"score >= {thresholds}"
        if isinstance(thresholds, float)
        else "per-class scores >= " + ", ".join(f"{k} {v:g}" for k, v in thresholds.items())
    )
    title = f"Detector on real apps: {len(frames)} frames {sizes}, IoU {IOU_THRESHOLD}, {shown}"
    verdicts = report(result, latency, title)
    path = write_results("detector", {
        "model": _model_info(getattr(expert, "model_path", args.model)),
        "frames": len(frames), "frames_glob": args.frames,
        "ap_threshold": args.ap_threshold, "gt_counts": dict(counts.most_common()),
        "result": result, "latency": latency, "targets": TARGETS, "verdicts": verdicts,
    })  # fmt: skip
    print(f"results: {path}")
    return 0


def dataset_frames(folders: list[Path]) -> list[tuple[Path, list[Element]]]:
    """(image path, truth) of every labelled image in the folders: the labels alone,
    without a teacher's marks, which are no ground truth."""
    frames = []
    for folder in folders:
        for record in read_dataset(folder, teacher=False):
            truth = [Element(Box(b.left, b.top, b.right, b.bottom), role=b.cls, source="labels")
                     for b in record.boxes]  # fmt: skip
            if truth:
                frames.append((record.path, truth))
    return frames


def score_datasets(folders: list[Path], model: Path | None, threshold: float | None,
                   ap_threshold: float, draw: Path | None = None) -> int:  # fmt: skip
    """`--data`: the same tables on dataset folders (e.g. real apps the bench lacks)."""
    try:
        frames = dataset_frames(folders)
    except FileNotFoundError as exc:
        print(f"cannot score the datasets: {exc}", file=sys.stderr)
        return 2
    if not frames:
        print(f"no labelled image in {', '.join(map(str, folders))}", file=sys.stderr)
        return 2
    make = _load_detector(model)
    if isinstance(make, str):
        print(f"cannot run the detector bench: {make}", file=sys.stderr)
        return 2
    operating = make(threshold)
    thresholds = operating_thresholds(operating, threshold)
    expert = make(min(ap_threshold, getattr(operating, "score_threshold", ap_threshold)))
    pairs = []
    for path, truth in progress(frames, f"{expert.name} eval", len(frames)):
        image = Image.open(path).convert("RGB")
        pairs.append((truth, expert.parse(image)))
        if draw is not None:
            name = f"{path.parent.parent.name}-{path.name}"  # folder/images/x.webp
            save_failures(draw, name, image, truth, pairs[-1][1], thresholds)
    result = evaluate_detections(pairs, thresholds)
    names = ", ".join(str(f) for f in folders)
    report(result, {}, f"Detector on {len(frames)} labelled images of {names}", targets=False)
    path = write_results("detector_data", {
        "model": _model_info(getattr(expert, "model_path", model)), "data": names,
        "frames": len(frames), "result": result,
    })  # fmt: skip
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
