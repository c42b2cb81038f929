"""Weights of an exported detector back in the PyTorch model, to fine-tune the shipped one.

The ONNX export folds each BatchNorm into the convolution before it, so the
graph holds one weight and one bias per convolution. Loading puts the folded
weight in the convolution and turns its BatchNorm into an identity whose
bias is the folded bias (mean 0, variance 1 - eps, scale 1). The result
computes what the ONNX graph computes; it must be fine-tuned with its
BatchNorm statistics frozen (`freeze_norms`), as their batch statistics would
no longer match what the folded weights expect. An export whose first
convolution takes pixels in 0..255 (model.with_byte_input, said in its
metadata) has that convolution's weights multiplied back by 255; one whose
heads are a single convolution (model.merged_heads) has its weights split
back into the three.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .classes import DETECTOR_CLASSES
from .model import (
    BYTE_PIXELS,
    FUSE_LEVEL_KEY,
    PIXELS_KEY,
    ElementDetector,
    first_conv,
    from_bytes,
    head_convs,
)


def _conv_order(model: ElementDetector) -> list[nn.Conv2d]:
    """The model's convolutions in the order a forward pass runs them (the graph's order)."""
    order: list[nn.Conv2d] = []
    hooks = [
        m.register_forward_hook(lambda module, _in, _out: order.append(module))
        for m in model.modules()
        if isinstance(m, nn.Conv2d)
    ]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, 64, 64))
    finally:
        for hook in hooks:
            hook.remove()
    return order


def _norm_after(model: ElementDetector) -> dict[nn.Conv2d, nn.BatchNorm2d]:
    """Each convolution's BatchNorm (the module right after it in a Sequential)."""
    pairs: dict[nn.Conv2d, nn.BatchNorm2d] = {}
    for module in model.modules():
        if isinstance(module, nn.Sequential):
            children = list(module.children())
            for conv, norm in itertools.pairwise(children):
                if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                    pairs[conv] = norm
    return pairs


def load_onnx_weights(model: ElementDetector, path: Path) -> None:
    """Copy an exported detector's (folded) weights into `model`, which must match its shape."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(str(path))
    graph = proto.graph
    initializers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    meta = {p.key: p.value for p in proto.metadata_props}
    fuse_level = int(meta.get(FUSE_LEVEL_KEY, "4"))
    if fuse_level != model.fuse_level:
        raise ValueError(f"{path} has its fuse block at level {fuse_level}, this model at "
                         f"{model.fuse_level}")  # fmt: skip
    convs = _conv_order(model)
    weights = _graph_weights(path, graph, initializers, convs, head_convs(model))
    norms = _norm_after(model)
    byte_input = first_conv(model) if meta.get(PIXELS_KEY) == BYTE_PIXELS else None
    for (weight, bias), conv in zip(weights, convs, strict=True):
        if conv is byte_input:
            weight = weight * np.float32(255.0)  # back to pixels in 0..1, as trained
        if tuple(weight.shape) != tuple(conv.weight.shape):
            raise ValueError(
                f"{path}: weight {weight.shape} does not fit {conv}: "
                "pass the --width it was trained with"
            )
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(np.array(weight, dtype=np.float32)))
            folded = (torch.from_numpy(np.array(bias, dtype=np.float32)) if bias is not None
                      else torch.zeros(weight.shape[0]))  # fmt: skip
            norm = norms.get(conv)
            if norm is not None:
                assert norm.running_mean is not None
                assert norm.running_var is not None
                norm.weight.fill_(1.0)
                norm.bias.copy_(folded)
                norm.running_mean.zero_()
                norm.running_var.fill_(1.0 - norm.eps)
            elif conv.bias is not None:
                conv.bias.copy_(folded)
            else:
                raise ValueError(f"{path}: {conv} has a bias in the graph but nowhere to put it")


def _graph_weights(path: Path, graph: Any, initializers: dict[str, np.ndarray],
                   convs: list[nn.Conv2d], heads: tuple[nn.Conv2d, ...],
                   ) -> list[tuple[np.ndarray, np.ndarray | None]]:  # fmt: skip
    """(weight, bias) of each of the model's `convs`, from the graph's convolutions
    in order; a graph's last convolution may be the `heads` merged (model.merged_heads)."""
    onnx_convs = [n for n in graph.node if n.op_type == "Conv"]
    weights = [(initializers[n.input[1]], initializers[n.input[2]] if len(n.input) > 2 else None)
               for n in onnx_convs]  # fmt: skip
    merged = len(weights) == len(convs) - len(heads) + 1
    if merged and convs[-len(heads) :] == list(heads):
        weight, bias = weights.pop()
        outputs = [h.out_channels for h in heads]
        if bias is None or weight.shape[0] != sum(outputs):
            raise ValueError(f"{path}: its last convolution is not the {sum(outputs)} outputs "
                             "of the merged heads (with their biases)")  # fmt: skip
        cuts = np.cumsum(outputs)[:-1]
        weights += zip(np.split(weight, cuts), np.split(bias, cuts), strict=True)
    if len(weights) != len(convs):
        raise ValueError(
            f"{path} has {len(onnx_convs)} convolutions, this model {len(convs)}: "
            "pass the --width it was trained with"
        )
    return weights


def onnx_widths(path: Path) -> tuple[int, int]:
    """The width and pyramid channels an exported detector was built with (its stem's
    second convolution's outputs, and its last convolution's inputs)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    convs = [n for n in graph.node if n.op_type == "Conv"]
    weights = {i.name: i for i in graph.initializer}

    def shape(node: Any) -> tuple[int, ...]:
        return tuple(int(d) for d in numpy_helper.to_array(weights[node.input[1]]).shape)

    return shape(convs[1])[0], shape(convs[-1])[1]


def load_detector(path: Path) -> ElementDetector:
    """A detector from a training checkpoint (.pt) or an exported model (.onnx).

    An exported model's BatchNorm comes back as the identity described above,
    the same form a fine-tune from it keeps, so the two can be averaged.
    """
    if path.suffix == ".pt":
        state = torch.load(path, map_location="cpu")
        model = ElementDetector(len(DETECTOR_CLASSES), int(state.get("width", 32)),
                                state.get("pyramid"), int(state.get("fuse_level", 4)))  # fmt: skip
        model.load_state_dict(state["model"])
        return model
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    model = ElementDetector(len(DETECTOR_CLASSES), *onnx_widths(path),
                            fuse_level=int(meta.get(FUSE_LEVEL_KEY, "4")))  # fmt: skip
    load_onnx_weights(model, path)
    return model


def freeze_norms(model: nn.Module) -> None:
    """BatchNorm layers keep their running statistics (eval mode); their scale and bias learn."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()


def max_difference(model: ElementDetector, path: Path, image: np.ndarray) -> float:
    """The largest difference between the model's outputs and the ONNX graph's on `image`.

    Box sizes and offsets are compared everywhere, heat where the graph has a
    peak (on flat plateaus float noise may choose another of equal maxima).
    """
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    heat, size, offset = session.run(None, {session.get_inputs()[0].name: image})
    with torch.no_grad():
        logits, my_size, my_offset = model.eval()(from_bytes(torch.from_numpy(image)))
    peaks = heat > 0
    differences = [
        np.abs(my_size.numpy() - size).max(),
        np.abs(my_offset.numpy() - offset).max(),
        np.abs(torch.sigmoid(logits).numpy()[peaks] - heat[peaks]).max(initial=0.0),
    ]
    return float(max(differences))
