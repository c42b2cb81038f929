"""Decoding an 8-bit detector's head bytes in numpy gives the boxes that its graph's
float tail (dequantize, Split, box channels mapped back, sigmoid, 3x3 max-pool
peaks) and decode() give: what the graph cut at the head leaves out."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from grounding.detector.codec import QuantizedHead, decode, decode_quantized

CLASSES = 3
CODES = QuantizedHead(0.0672, 224, (0.33, 0.33, 0.094, 0.084), (4.76, 4.80, 1.06, 1.03))


def _float_tail(codes: QuantizedHead) -> ort.InferenceSession:
    """The tail the 8-bit graph had before it was cut at its head's bytes."""
    f32 = np.float32
    inits = [
        numpy_helper.from_array(np.array(codes.scale, f32), "s"),
        numpy_helper.from_array(np.array(codes.zero_point, np.uint8), "z"),
        numpy_helper.from_array(np.array([CLASSES, 2, 2], np.int64), "parts"),
        numpy_helper.from_array(f32(codes.box_unscale[:2]).reshape(1, 2, 1, 1), "su"),
        numpy_helper.from_array(f32(codes.box_unshift[:2]).reshape(1, 2, 1, 1), "sa"),
        numpy_helper.from_array(f32(codes.box_unscale[2:]).reshape(1, 2, 1, 1), "ou"),
        numpy_helper.from_array(f32(codes.box_unshift[2:]).reshape(1, 2, 1, 1), "oa"),
    ]
    nodes = [
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["v"]),
        helper.make_node("Split", ["v", "parts"], ["logits", "sm", "om"], axis=1),
        helper.make_node("Mul", ["sm", "su"], ["ss"]),
        helper.make_node("Add", ["ss", "sa"], ["size"]),
        helper.make_node("Mul", ["om", "ou"], ["os"]),
        helper.make_node("Add", ["os", "oa"], ["offset"]),
        helper.make_node("Sigmoid", ["logits"], ["sig"]),
        helper.make_node("MaxPool", ["sig"], ["pooled"], kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Equal", ["sig", "pooled"], ["is_peak"]),
        helper.make_node("Cast", ["is_peak"], ["peak"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["sig", "peak"], ["heat"]),
    ]  # fmt: skip
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
               for n in ("heat", "size", "offset")]  # fmt: skip
    graph = helper.make_graph(
        nodes, "tail",
        [helper.make_tensor_value_info("q", TensorProto.UINT8, [1, CLASSES + 4, "h", "w"])],
        outputs, inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _head_bytes(seed: int, height: int = 40, width: int = 56) -> np.ndarray:
    """Head bytes like a frame's: low logits, some blobs of high ones (plateaus of
    equal bytes among them, which both ways keep as peaks), box channels anywhere."""
    rng = np.random.default_rng(seed)
    head = rng.integers(0, 256, (CLASSES + 4, height, width), dtype=np.uint8)
    head[:CLASSES] = rng.integers(0, 180, (CLASSES, height, width), dtype=np.uint8)
    for _ in range(25):
        c, y, x = rng.integers(CLASSES), rng.integers(height), rng.integers(width)
        head[c, max(0, y - 1) : y + 2, max(0, x - 1) : x + 2] = rng.integers(190, 256)
        head[c, y, x] = rng.integers(190, 256)
    head[0, 0, 0] = head[1, -1, -1] = 255  # peaks on the border
    return head


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("threshold", [0.05, 0.3, 0.7])
def test_the_same_boxes_as_the_float_tail(seed: int, threshold: float) -> None:
    head = _head_bytes(seed)
    heat, size, offset = _float_tail(CODES).run(None, {"q": head[None]})
    expected = decode(heat[0], size[0], offset[0], threshold)
    got = decode_quantized(head, CODES, threshold, table=CODES.heat_table())
    assert len(expected) >= 5
    assert [(d.left, d.top, d.right, d.bottom, d.cls) for d in got] == \
        [(d.left, d.top, d.right, d.bottom, d.cls) for d in expected]  # fmt: skip
    np.testing.assert_allclose([d.score for d in got], [d.score for d in expected], atol=1e-6)


def test_max_detections_keeps_the_best() -> None:
    head = _head_bytes(7)
    heat, size, offset = _float_tail(CODES).run(None, {"q": head[None]})
    expected = decode(heat[0], size[0], offset[0], 0.05, max_detections=6)
    got = decode_quantized(head, CODES, 0.05, max_detections=6)
    assert len(got) == 6
    assert [(d.left, d.top, d.cls) for d in got] == [(d.left, d.top, d.cls) for d in expected]


def test_a_threshold_no_byte_reaches_gives_nothing() -> None:
    head = _head_bytes(0)
    assert decode_quantized(head, CODES, 0.999) == []
    assert decode_quantized(np.zeros_like(head), CODES, 0.5) == []


def test_the_metadata_round_trip_keeps_the_float32_values() -> None:
    codes = QuantizedHead(float(np.float32(0.0672)), 224,
                          tuple(float(np.float32(v)) for v in (0.33, 0.33, 0.094, 0.084)),  # type: ignore[arg-type]
                          (4.76, 4.80, 1.06, 1.03))  # fmt: skip
    again = QuantizedHead.from_metadata({"head_dequantize": codes.to_metadata()})
    assert again == codes
    assert QuantizedHead.from_metadata({}) is None
