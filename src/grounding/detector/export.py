"""Export a trained detector to ONNX with its contract in the metadata.

`python -m grounding.detector.export --checkpoint OUT/checkpoint.pt --out FILE.onnx`
`python -m grounding.detector.export --onnx OLD.onnx --out FILE.onnx` re-exports
an exported model (the shipped one, whose checkpoint is gone) through the
current export graph, keeping its metadata, such as calibrated thresholds.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import onnx
import torch

from .classes import DETECTOR_CLASSES
from .model import (
    BYTE_PIXELS,
    FUSE_LEVEL_KEY,
    PIXELS_KEY,
    ElementDetector,
    ExportWrapper,
    with_byte_input,
)

logger = logging.getLogger(__name__)


def export(model: ElementDetector, path: Path, input_scale: float) -> Path:
    model = model.eval()
    dummy = torch.zeros(1, 256, 384, 3, dtype=torch.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        ExportWrapper(with_byte_input(model), bytes_in=True), (dummy,), str(path),
        input_names=["image"], output_names=["heat", "size", "offset"],
        dynamic_axes={"image": {1: "height", 2: "width"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    proto = onnx.load(str(path))
    meta = {
        "classes": json.dumps(list(DETECTOR_CLASSES)),
        "input_scale": str(input_scale),
        "stride": "4",
        "input": "1 x H x W x 3 uint8 RGB, H and W multiples of 32",
        PIXELS_KEY: BYTE_PIXELS,
        FUSE_LEVEL_KEY: str(model.fuse_level),
        "producer": "desktop-agent grounding.detector.train",
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    return path


def reexport(source: Path, path: Path) -> Path:
    """`source`'s weights through the current export graph, with its metadata kept.

    Refuses (ValueError) when the written graph computes something other than
    the weights it was given (checked on a random window, beyond float noise).
    """
    import numpy as np
    from PIL import Image

    from .codec import prepare
    from .from_onnx import load_detector, max_difference

    old = onnx.load(str(source))
    model = load_detector(source)
    kept = {e.key: e.value for e in old.metadata_props}
    export(model, path, float(kept["input_scale"]))
    proto = onnx.load(str(path))
    written = {e.key for e in proto.metadata_props}
    for key, value in kept.items():
        if key not in written:  # e.g. calibrated per-class thresholds
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    pixels = np.random.default_rng(0).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    array, _, _ = prepare(Image.fromarray(pixels), 1.0)
    difference = max_difference(model, path, array)
    if difference > 1e-3:
        raise ValueError(f"re-exported {source} differs from its weights by {difference:.2g}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.export")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", type=Path, help="a training checkpoint.pt")
    source.add_argument("--onnx", type=Path, help="an exported detector.onnx to re-export")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--input-scale", type=float, default=0.75)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.onnx is not None:
        path = reexport(args.onnx, args.out)
        logger.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
        return 0
    from .from_onnx import load_detector

    path = export(load_detector(args.checkpoint), args.out, args.input_scale)
    logger.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
