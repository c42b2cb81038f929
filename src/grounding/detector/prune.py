"""A detector with fewer pyramid channels, cut from a trained one, to fine-tune.

`python -m grounding.detector.prune --model detector.onnx --pyramid 48 --data DIR --out small.onnx`

Most of a frame's work is at 1/4 resolution, in the pyramid's and the head's
channels (2 x width). This keeps the `pyramid` channels that carry the most
(their mean absolute activation on the --data images, times the weight
through which the next layer reads them) and drops the rest, in every layer
that shares them: the pyramid's lateral and top convolutions, the fuse block
and the head's input; the head's own outputs are chosen the same way, by
what the heat, size and offset layers read from them. The cut alone is no
usable detector (the shipped one cut to 48 of 64: held-out mAP@0.5 0.375 ->
0.015), since every kept channel's sum lost its partners; it is where a
fine-tune starts: `python -m grounding.detector.train --init small.onnx
--distill detector.onnx` (12 epochs brought that one to 0.403). What it
keeps exactly is a model whose dropped channels are silent (the tests).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .classes import DETECTOR_CLASSES
from .codec import prepare
from .dataset import read_dataset
from .export import export
from .from_onnx import load_detector
from .model import ElementDetector, from_bytes
from .train import INPUT_SCALE

logger = logging.getLogger(__name__)


@torch.no_grad()
def _activations(model: ElementDetector, images: list[np.ndarray]) -> tuple[torch.Tensor, ...]:
    """Mean absolute activation per channel of the fuse block's and the head's outputs."""
    fused = torch.zeros(model.pyramid)
    head = torch.zeros(model.pyramid)
    seen: dict[str, torch.Tensor] = {}
    hooks = [
        model.fuse.register_forward_hook(lambda _m, _i, out: seen.__setitem__("fuse", out)),
        model.head.register_forward_hook(lambda _m, _i, out: seen.__setitem__("head", out)),
    ]
    try:
        for array in images:
            model.eval()(from_bytes(torch.from_numpy(array)))
            fused += seen["fuse"].abs().mean((0, 2, 3))
            head += seen["head"].abs().mean((0, 2, 3))
    finally:
        for hook in hooks:
            hook.remove()
    return fused / len(images), head / len(images)


def _at(module: nn.Module, *path: int) -> nn.Module:
    """The submodule at `path` (child indices) of nested Sequentials."""
    for index in path:
        module = list(module.children())[index]
    return module


def _conv_weight(module: nn.Module) -> torch.Tensor:
    conv = module if isinstance(module, nn.Conv2d) else _at(module, 0)
    assert isinstance(conv, nn.Conv2d)
    return conv.weight


def keep_channels(model: ElementDetector, images: list[np.ndarray],
                  pyramid: int) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Sorted indices of the pyramid channels and of the head's outputs to keep."""
    fused, head = _activations(model, images)
    # The fuse block's output goes through the head's depthwise then pointwise convolution.
    depthwise = _conv_weight(model.head[0]).abs().sum((1, 2, 3))
    pointwise = _conv_weight(model.head[2]).abs().sum((0, 2, 3))
    readers = torch.cat([m.weight.abs().sum((0, 2, 3))[None] for m in
                         (model.heat, model.size, model.offset)]).sum(0)  # fmt: skip
    pyramid_keep = torch.argsort(fused * depthwise * pointwise, descending=True)[:pyramid]
    head_keep = torch.argsort(head * readers, descending=True)[:pyramid]
    return pyramid_keep.sort().values, head_keep.sort().values


def _copy(target: nn.Module, source: nn.Module, rows: torch.Tensor | None,
          cols: torch.Tensor | None) -> None:  # fmt: skip
    """Copy a Conv2d's or BatchNorm2d's tensors, keeping `rows` (outputs) and `cols` (inputs)."""
    for name, tensor in list(source.named_parameters()) + list(source.named_buffers()):
        value = tensor.detach()
        if rows is not None and value.dim() >= 1 and name != "num_batches_tracked":
            value = value[rows]
        if cols is not None and value.dim() == 4:  # a full convolution's inputs
            value = value[:, cols]
        getattr(target, name).copy_(value)


def prune(model: ElementDetector, pyramid_keep: torch.Tensor,
          head_keep: torch.Tensor) -> ElementDetector:  # fmt: skip
    """A copy of `model` with only the given pyramid and head-output channels."""
    small = ElementDetector(len(DETECTOR_CLASSES), model.width, len(pyramid_keep),
                           model.fuse_level)  # fmt: skip
    p, h = pyramid_keep, head_keep
    with torch.no_grad():
        for name in ("stem", "stage4", "stage8", "stage16", "stage32"):
            getattr(small, name).load_state_dict(getattr(model, name).state_dict())
        for name in ("lateral16", "top32", "lateral8", "lateral4"):
            _copy(_at(getattr(small, name), 0), _at(getattr(model, name), 0), p, None)
            _copy(_at(getattr(small, name), 1), _at(getattr(model, name), 1), p, None)
        _copy(small.fuse.depthwise[0], model.fuse.depthwise[0], p, None)
        _copy(small.fuse.depthwise[1], model.fuse.depthwise[1], p, None)
        _copy(small.fuse.pointwise[0], model.fuse.pointwise[0], p, p)
        _copy(small.fuse.pointwise[1], model.fuse.pointwise[1], p, None)
        _copy(small.head[0], model.head[0], p, None)
        _copy(small.head[1], model.head[1], p, None)
        _copy(_at(small.head, 2, 0), _at(model.head, 2, 0), h, p)
        _copy(_at(small.head, 2, 1), _at(model.head, 2, 1), h, None)
        for name in ("heat", "size", "offset"):
            _copy(getattr(small, name), getattr(model, name), None, h)
    return small


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.prune",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--model", type=Path, required=True, help="detector (.onnx or .pt)")
    parser.add_argument("--pyramid", type=int, required=True, help="pyramid channels to keep")
    parser.add_argument("--data", type=Path, nargs="+", required=True,
                        help="dataset folders whose images rank the channels")  # fmt: skip
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = load_detector(args.model)
    if not 0 < args.pyramid < model.pyramid:
        raise SystemExit(f"--pyramid must be between 1 and {model.pyramid - 1} "
                         f"(the model has {model.pyramid})")  # fmt: skip
    records = [r for folder in args.data for r in read_dataset(folder)]
    if not records:
        raise SystemExit(f"no images in {', '.join(map(str, args.data))}")
    step = max(1, len(records) // args.images)
    images = [prepare(r.load(), INPUT_SCALE)[0] for r in records[::step][: args.images]]
    small = prune(model, *keep_channels(model, images, args.pyramid))
    path = export(small, args.out, INPUT_SCALE)
    logger.info("wrote %s: pyramid %d -> %d channels", path, model.pyramid, small.pyramid)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
