"""Export a trained detector to ONNX with its contract in the metadata.

`python -m grounding.detector.export --checkpoint OUT/checkpoint.pt --out FILE.onnx`
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import onnx
import torch

from .classes import DETECTOR_CLASSES
from .model import ElementDetector, ExportWrapper

logger = logging.getLogger(__name__)


def export(model: ElementDetector, path: Path, input_scale: float) -> Path:
    model = model.eval()
    dummy = torch.zeros(1, 256, 384, 3, dtype=torch.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        ExportWrapper(model), (dummy,), str(path),
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
        "producer": "desktop-agent grounding.detector.train",
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.export")
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--input-scale", type=float, default=0.75)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    state = torch.load(args.checkpoint, map_location="cpu")
    model = ElementDetector(len(DETECTOR_CLASSES), int(state.get("width", 32)))
    model.load_state_dict(state["model"])
    path = export(model, args.out, args.input_scale)
    logger.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
