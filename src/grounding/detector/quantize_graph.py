"""Graph rewrites of the 8-bit detector (grounding.detector.quantize): upsampling on
bytes, and a graph that ends in the head's bytes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .codec import QuantizedHead

HEAD_OUTPUT = "head"  # the only output of a graph cut at its head (codec.QuantizedHead)


def expand_upsampling(model: onnx.ModelProto) -> int:
    """Replace each DequantizeLinear -> Resize (nearest, x2) -> QuantizeLinear with the
    same upsampling done on the bytes in NHWC; returns how many were replaced."""
    graph = model.graph
    init = {i.name: i for i in graph.initializer}
    for node in graph.node:  # the exporter gives Resize its scales as Constant nodes
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            init[node.output[0]] = node.attribute[0].t
    producer = {out: n for n in graph.node for out in n.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    graph.initializer.extend([
        numpy_helper.from_array(np.array([2, 4], np.int64), "nhwc_up_axes"),
        numpy_helper.from_array(np.array([1, 1, 2, 1, 2, 1], np.int64), "nhwc_up_expand"),
        numpy_helper.from_array(np.array([1, 2, 2, 1], np.int64), "nhwc_up_factors"),
    ])  # fmt: skip
    replaced = 0
    for resize in [n for n in graph.node if n.op_type == "Resize"]:
        dequant = producer.get(resize.input[0])
        after = consumers.get(resize.output[0], [])
        if dequant is None or dequant.op_type != "DequantizeLinear" or len(after) != 1 or \
                after[0].op_type != "QuantizeLinear":  # fmt: skip
            raise ValueError(f"{resize.name}: not between DequantizeLinear and QuantizeLinear")
        quant = after[0]
        attrs = {a.name: helper.get_attribute_value(a) for a in resize.attribute}
        scales = numpy_helper.to_array(init[resize.input[2]]) if len(resize.input) > 2 else None
        if attrs.get("mode") != b"nearest" or scales is None or \
                scales.tolist() != [1.0, 1.0, 2.0, 2.0]:  # fmt: skip
            raise ValueError(f"{resize.name}: not a nearest 2x upsampling")
        same = all(np.array_equal(numpy_helper.to_array(init[a]), numpy_helper.to_array(init[b]))
                   for a, b in zip(dequant.input[1:3], quant.input[1:3], strict=True))  # fmt: skip
        if not same:  # Resize shares its input's scale: a copy of bytes needs it to
            raise ValueError(f"{resize.name}: input and output quantized differently")
        p = resize.name
        nodes = [
            helper.make_node("Transpose", [dequant.input[0]], [p + "_nhwc"], perm=[0, 2, 3, 1]),
            helper.make_node("Shape", [p + "_nhwc"], [p + "_shape"]),
            helper.make_node("Mul", [p + "_shape", "nhwc_up_factors"], [p + "_out_shape"]),
            helper.make_node("Unsqueeze", [p + "_nhwc", "nhwc_up_axes"], [p + "_cells"]),
            helper.make_node("Expand", [p + "_cells", "nhwc_up_expand"], [p + "_copies"]),
            helper.make_node("Reshape", [p + "_copies", p + "_out_shape"], [p + "_up"]),
            helper.make_node("Transpose", [p + "_up"], [quant.output[0]], perm=[0, 3, 1, 2]),
        ]
        for k, node in enumerate(nodes):
            node.name = f"{p}_up{k}"
        at = list(graph.node).index(resize)
        graph.node.remove(resize)
        graph.node.remove(quant)
        for k, node in enumerate(nodes):
            graph.node.insert(at + k, node)
        if len(consumers[dequant.output[0]]) == 1:
            graph.node.remove(dequant)
        replaced += 1
    return replaced


def cut_at_head(model: onnx.ModelProto, conv_output: str, box_unscale: Sequence[float] | np.ndarray,
                box_shift: Sequence[float] | np.ndarray) -> QuantizedHead:  # fmt: skip
    """End `model` (quantized, QDQ) at the bytes of its last convolution, whose float
    output is `conv_output`: those bytes become the only output, HEAD_OUTPUT, and what
    came after (dequantizing, the Split, the box channels mapped back, the sigmoid and
    the max-pool peaks: 2-4 ms of a 1920x1080 frame on two cores, more than the same
    work on the few candidates in numpy) goes. Returns how to read the bytes
    (codec.decode_quantized), for the model's metadata; box_unscale and box_shift map
    the four box channels back (quantize's _balance_output_conv)."""
    graph = model.graph
    readers = [n for n in graph.node if n.op_type == "QuantizeLinear" and n.input[0] == conv_output]
    quant = readers[0] if readers else None
    if quant is None:
        raise ValueError(f"no QuantizeLinear reads {conv_output}: is the model quantized?")
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    scale, zero = init[quant.input[1]], init[quant.input[2]]
    if scale.size != 1 or zero.dtype != np.uint8:
        raise ValueError(f"{conv_output}: not quantized to uint8 with one scale")
    quant.output[0] = HEAD_OUTPUT
    producer = {out: n for n in graph.node for out in n.output}
    needed: set[int] = set()
    pending = [HEAD_OUTPUT]
    while pending:
        node = producer.get(pending.pop())
        if node is not None and id(node) not in needed:
            needed.add(id(node))
            pending.extend(node.input)
    kept = [n for n in graph.node if id(n) in needed]
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for n in kept for name in n.input}
    initializers = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    made = {out for n in kept for out in n.output}
    infos = [v for v in graph.value_info if v.name in made]
    del graph.value_info[:]
    graph.value_info.extend(infos)
    weight = producer[conv_output].input[1]
    if weight not in init:  # a quantized weight: DequantizeLinear of the stored one
        weight = producer[weight].input[0]
    channels = int(init[weight].shape[0])
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(
        HEAD_OUTPUT, TensorProto.UINT8, [1, channels, None, None]))  # fmt: skip
    unscale = tuple(float(np.float32(v)) for v in box_unscale)
    unshift = tuple(float(np.float32(v)) for v in box_shift)
    if len(unscale) != 4 or len(unshift) != 4:
        raise ValueError("the head has four box channels: sizes and offsets")
    return QuantizedHead(float(scale.reshape(())), int(zero.reshape(())),
                         unscale, unshift)  # fmt: skip
