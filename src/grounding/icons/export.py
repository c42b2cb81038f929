"""Export a trained icon network to ONNX with its contract in the metadata.

`python -m grounding.icons.export --checkpoint CKPT.pt --out FILE.onnx`

Metadata (onnx metadata_props): "meanings" (JSON list, the output order),
"input_size", "channels", "preprocess" (the preprocess.py version the inputs
must come from), "metrics" (JSON) and "producer".
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import onnx
import torch

from .model import IconNet, WithSoftmax
from .preprocess import CHANNELS, INPUT_SIZE, PREPROCESS_VERSION

logger = logging.getLogger(__name__)


def export(
    net: IconNet,
    meanings: list[str],
    path: Path,
    *,
    input_size: int = INPUT_SIZE,
    extra: dict[str, Any] | None = None,
) -> Path:
    net = net.eval()
    dummy = torch.zeros(1, CHANNELS, input_size, input_size)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.onnx.export(
        WithSoftmax(net), (dummy,), str(tmp),
        input_names=["crops"], output_names=["probabilities"],
        dynamic_axes={"crops": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    proto = onnx.load(str(tmp))
    meta = {
        "meanings": json.dumps(meanings),
        "input_size": str(input_size),
        "channels": str(CHANNELS),
        "preprocess": PREPROCESS_VERSION,
        "producer": "desktop-agent grounding.icons.train",
        **{k: v if isinstance(v, str) else json.dumps(v) for k, v in (extra or {}).items()},
    }
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(tmp))
    tmp.replace(path)
    return path


def load_checkpoint(path: Path) -> tuple[IconNet, list[str], dict[str, Any]]:
    state = torch.load(path, map_location="cpu", weights_only=False)
    meanings = list(state["meanings"])
    net = IconNet(len(meanings), int(state["width"]))
    net.load_state_dict(state["model"])
    return net, meanings, state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.icons.export")
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    net, meanings, state = load_checkpoint(args.checkpoint)
    path = export(net, meanings, args.out, extra={"metrics": state.get("metrics", {})})
    logger.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
