"""Average the weights of a detector and its fine-tune (a "model soup").

`python -m grounding.detector.average --base OLD.onnx --tuned RUN/checkpoint.pt
--weight 0.7 --out FILE.onnx`

A fine-tune on new data drifts from what the model it started from did well.
Both lie in one basin of the loss, so a point between them keeps most of each:
a 13-epoch fine-tune of the then shipped model on more GTK scenes found more
elements than its start, and the 0.7 mix of the two found as many with better boxes (real-app
bench: mAP@0.5 0.475 start, 0.494 fine-tune, 0.508 mix). Only models of one
width from one start average meaningfully. The output carries no calibrated
thresholds: run `grounding.detector.calibrate` on it.
"""

from __future__ import annotations

import argparse
import copy
import logging
from pathlib import Path

from .export import export
from .from_onnx import load_detector
from .model import ElementDetector
from .train import INPUT_SCALE

logger = logging.getLogger(__name__)


def average(base: ElementDetector, tuned: ElementDetector, weight: float) -> ElementDetector:
    """(1 - weight) * base + weight * tuned, parameter by parameter (and BatchNorm statistics).

    Raises ValueError for models of different shapes or a weight outside 0..1.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight {weight} is outside 0..1 (0: the base model, 1: the tuned one)")
    a, b = base.state_dict(), tuned.state_dict()
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise ValueError(
            "the two detectors differ in shape: average only a model and its fine-tune"
        )
    mixed = {
        k: (1.0 - weight) * a[k] + weight * b[k] if a[k].is_floating_point() else b[k] for k in a
    }
    out = copy.deepcopy(base)
    out.load_state_dict(mixed)
    return out.eval()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.average",
                                     description=__doc__)  # fmt: skip
    parser.add_argument("--base", type=Path, required=True, help="the model fine-tuned from")
    parser.add_argument("--tuned", type=Path, required=True, help="its fine-tune (.pt or .onnx)")
    parser.add_argument("--weight", type=float, default=0.7, help="the fine-tune's share, 0..1")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in (args.base, args.tuned):
        if not path.is_file():
            parser.error(f"{path} not found")
    try:
        mixed = average(load_detector(args.base), load_detector(args.tuned), args.weight)
    except ValueError as exc:
        parser.error(str(exc))
    path = export(mixed, args.out, INPUT_SCALE)
    logger.info("wrote %s (%.1f MB): calibrate it next (grounding.detector.calibrate)",
                path, path.stat().st_size / 1e6)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
