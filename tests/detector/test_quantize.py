"""The 8-bit detector: made from the shipped float model, finding what it finds (on
light windows too), and the two graph rewrites that keep it exact and fast."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from drawn_screens import save_dialog, small_window
from grounding.detector.codec import QuantizedHead, prepare
from grounding.detector.dataset import DatasetWriter, LabeledBox, Sample
from grounding.detector.onnx_detector import OnnxDetector, default_model_path
from grounding.detector.quantize import (
    QUANTIZED_KEY,
    SOURCE_KEY,
    _balance_output_conv,
    _frames,
    calibration_images,
    file_digest,
    main,
    quantize_detector,
)
from grounding.detector.quantize_graph import expand_upsampling
from grounding.detector.verifier import default_verifier_path
from grounding.errors import ExpertUnavailable
from grounding.types import Element

FLOAT = default_model_path(quantized=False)


def _meta(path: Path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def _session(model: onnx.ModelProto | Path) -> ort.InferenceSession:
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    return ort.InferenceSession(source, providers=["CPUExecutionProvider"])


def _iou(a: Element, b: Element) -> float:
    ix = max(0, min(a.box.right, b.box.right) - max(a.box.left, b.box.left))
    iy = max(0, min(a.box.bottom, b.box.bottom) - max(a.box.top, b.box.top))
    inter = ix * iy
    union = a.box.width * a.box.height + b.box.width * b.box.height - inter
    return inter / union if union else 0.0


def test_the_shipped_8_bit_detector_is_made_from_the_shipped_float_one() -> None:
    int8 = default_model_path()
    assert int8 != FLOAT
    assert int8.name == "detector-int8.onnx"
    meta, source = _meta(int8), _meta(FLOAT)
    # Requantize (README, developer section) whenever detector.onnx changes.
    assert meta[SOURCE_KEY] == file_digest(FLOAT)
    assert QUANTIZED_KEY in meta
    for key in ("classes", "input_scale", "score_thresholds"):
        assert meta[key] == source[key]
    graph = onnx.load(str(int8)).graph
    assert any(n.op_type == "DequantizeLinear" for n in graph.node)
    assert not any(n.op_type == "Resize" for n in graph.node)
    # By default the detector runs the 8-bit model, with the shipped verifier.
    detector = OnnxDetector()
    assert detector.model_path == int8
    assert detector.verifier is not None


@pytest.mark.parametrize("screen", ["small_window", "save_dialog"])
def test_the_8_bit_detector_finds_what_the_float_one_finds(screen: str) -> None:
    # Light windows: the first convolution sees whole areas of 255, which overflow
    # onnxruntime's 8-bit kernel on CPUs without VNNI (it then found nothing at
    # all), so that convolution stays float.
    image = small_window() if screen == "small_window" else save_dialog().image
    float_pair = OnnxDetector(FLOAT, verifier_model=default_verifier_path())
    int8_pair = OnnxDetector()
    reference = float_pair.parse(image)
    found = int8_pair.parse(image)
    assert len(reference) >= 3
    matched = [e for e in reference if any(_iou(e, f) >= 0.7 for f in found)]
    # Here 8 of 9 and 4 of 4; room for another CPU's integer kernels to differ.
    assert len(matched) >= 2 / 3 * len(reference), (reference, found)
    assert len(found) <= len(reference) + 2


def _qdq_resize_model() -> onnx.ModelProto:
    """bytes -> DequantizeLinear -> Resize (nearest, x2) -> QuantizeLinear -> bytes."""
    scale = numpy_helper.from_array(np.array(0.05, np.float32), "s")
    zero = numpy_helper.from_array(np.array(3, np.uint8), "z")
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    nodes = [
        helper.make_node("DequantizeLinear", ["x", "s", "z"], ["xf"]),
        helper.make_node("Resize", ["xf", "", "scales"], ["yf"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("QuantizeLinear", ["yf", "s", "z"], ["y"]),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "up",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 5, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 5, None, None])],
        [scale, zero, scales],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_upsampling_on_bytes_gives_the_same_bytes_as_resize() -> None:
    model = _qdq_resize_model()
    pixels = np.random.default_rng(0).integers(0, 256, (1, 5, 6, 10), dtype=np.uint8)
    expected = _session(model).run(None, {"x": pixels})[0]
    assert expected.shape == (1, 5, 12, 20)
    assert expand_upsampling(model) == 1
    assert [n.op_type for n in model.graph.node if n.op_type in ("Resize", "Expand")] == ["Expand"]
    np.testing.assert_array_equal(_session(model).run(None, {"x": pixels})[0], expected)


def test_an_upsampling_that_is_not_nearest_2x_is_refused() -> None:
    model = _qdq_resize_model()
    resize = next(n for n in model.graph.node if n.op_type == "Resize")
    for attr in resize.attribute:
        if attr.name == "mode":
            attr.s = b"linear"
    with pytest.raises(ValueError, match="not a nearest 2x upsampling"):
        expand_upsampling(model)


def test_mapping_the_box_channels_leaves_the_float_outputs_unchanged() -> None:
    model = onnx.load(str(FLOAT))
    frame = small_window()
    feed = {"image": prepare(np.asarray(frame), 0.75)[0]}
    before = _session(model).run(None, feed)
    mapped = _balance_output_conv(model, [feed])
    assert mapped is not None
    assert len(mapped.nodes) == 4  # a multiply and an add for sizes, and for offsets
    after = _session(model).run(None, feed)
    for old, new in zip(before, after, strict=True):
        np.testing.assert_allclose(new, old, atol=2e-4)
    # The box channels now span about what the class logits span.
    conv = next(
        n
        for n in model.graph.node
        if n.op_type == "Conv"
        and any(c.op_type == "Split" and c.input[0] == n.output[0] for c in model.graph.node)
    )
    weight = numpy_helper.to_array(next(i for i in model.graph.initializer
                                        if i.name == conv.input[1]))  # fmt: skip
    assert np.abs(weight[-4:]).max() > 2 * np.abs(
        numpy_helper.to_array(next(i for i in onnx.load(str(FLOAT)).graph.initializer
                                   if i.name == conv.input[1]))[-4:]).max()  # fmt: skip


def _drawn_set(root: Path) -> Path:
    writer = DatasetWriter(root)
    for seed, image in enumerate([small_window(), save_dialog().image]):
        writer.add(Sample(image, [LabeledBox(20, 20, 120, 54, "button")], "drawn", seed))
    return root


def test_quantizing_a_model_end_to_end(tmp_path: Path) -> None:
    data = _drawn_set(tmp_path / "set")
    assert len(calibration_images([data], 40)) == 2
    out = quantize_detector(FLOAT, [data], tmp_path / "q.onnx", images=2)
    meta = _meta(out)
    assert meta[SOURCE_KEY] == file_digest(FLOAT)
    assert json.loads(meta["classes"]) == json.loads(_meta(FLOAT)["classes"])
    graph = onnx.load(str(out)).graph
    float_weights = {i.name for i in graph.initializer if i.data_type == TensorProto.FLOAT}
    first = next(n for n in graph.node if n.op_type == "Conv")
    assert first.input[1] in float_weights, "the first convolution must stay float"
    # The graph ends in the head's bytes; the metadata says how to read them.
    assert [o.name for o in graph.output] == ["head"]
    assert not any(n.op_type in ("Sigmoid", "MaxPool", "Split") for n in graph.node)
    codes = QuantizedHead.from_metadata(meta)
    assert codes is not None
    feed = next(_frames([data / "images" / "drawn-000000.webp"], 0.75))
    (head,) = _session(out).run(None, feed)
    ref_heat, ref_size, _ref_offset = _session(FLOAT).run(None, feed)
    classes = ref_heat.shape[1]
    assert head.dtype == np.uint8
    assert head.shape == (1, classes + 4, *ref_heat.shape[2:])
    values = codes.values(head[0, classes:])
    size = values[:2] * np.float32(codes.box_unscale[:2]).reshape(2, 1, 1) + np.float32(
        codes.box_unshift[:2]).reshape(2, 1, 1)  # fmt: skip
    # Where the float model is sure of a box, the 8-bit one agrees on its size...
    sure = ref_heat.max(axis=1)[0] > 0.5
    assert sure.any()
    assert np.abs(size[:, sure] - ref_size[0][:, sure]).max() < 0.15
    # ... and on its score there (the float heat is zero but at each class's peaks).
    scores = codes.heat_table()[head[0, :classes]].max(axis=0)
    assert np.abs(scores[sure] - ref_heat[0].max(axis=0)[sure]).max() < 0.2
    # Quantizing twice is refused, with what to do.
    with pytest.raises(SystemExit, match="already quantized"):
        quantize_detector(out, [data], tmp_path / "again.onnx")


def test_the_command_line_needs_images(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "labels.jsonl").write_text("")
    with pytest.raises(SystemExit, match="no images"):
        main(["--model", str(FLOAT), "--data", str(empty), "--out", str(tmp_path / "q.onnx")])
    assert not (tmp_path / "q.onnx").exists()


def test_a_model_whose_outputs_do_not_match_its_metadata_is_refused(tmp_path: Path) -> None:
    # A float graph (heat, size, offset) that claims to end in head bytes.
    model = onnx.load(str(FLOAT))
    entry = model.metadata_props.add()
    entry.key, entry.value = "head_dequantize", _meta(default_model_path())["head_dequantize"]
    onnx.save(model, str(tmp_path / "mixed.onnx"))
    with pytest.raises(ExpertUnavailable, match=r"3 outputs .* requantize"):
        OnnxDetector(tmp_path / "mixed.onnx")
