"""The shipped detector's ONNX weights load back into PyTorch and fine-tune."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from grounding.detector.calibrate import METADATA_KEY
from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.codec import prepare
from grounding.detector.export import export
from grounding.detector.from_onnx import freeze_norms, load_onnx_weights, max_difference
from grounding.detector.model import ElementDetector, from_bytes
from grounding.detector.train import main as train_main
from toy_detector_data import plain_window, write_button_set


def _trained_looking_model(width: int) -> ElementDetector:
    """Random weights and BatchNorm statistics far from identity, so folding matters."""
    torch.manual_seed(0)
    model = ElementDetector(len(DETECTOR_CLASSES), width)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                assert module.running_mean is not None
                assert module.running_var is not None
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    return model.eval()


def test_exported_weights_load_back_and_compute_the_same(tmp_path: Path) -> None:
    original = _trained_looking_model(8)
    path = export(original, tmp_path / "detector.onnx", 0.75)
    array, _, _ = prepare(plain_window(), 0.75)
    fresh = ElementDetector(len(DETECTOR_CLASSES), 8)
    assert max_difference(fresh, path, array) > 1e-2  # untrained: not the same model
    load_onnx_weights(fresh, path)
    assert max_difference(fresh, path, array) < 1e-4
    with pytest.raises(ValueError, match="--width"):
        load_onnx_weights(ElementDetector(len(DETECTOR_CLASSES), 16), path)


def test_frozen_norms_keep_their_statistics_while_training() -> None:
    model = _trained_looking_model(8).train()
    freeze_norms(model)
    norm = model.stem[0][1]
    assert isinstance(norm, torch.nn.BatchNorm2d)
    assert norm.running_mean is not None
    before = norm.running_mean.clone()
    model(torch.rand(2, 3, 64, 64))  # a training-mode forward pass would update the statistics
    assert torch.equal(norm.running_mean, before)
    assert not norm.training
    assert model.training  # only the BatchNorm layers left training mode


@pytest.mark.slow
def test_training_starts_from_an_exported_model(tmp_path: Path) -> None:
    data = write_button_set(tmp_path / "data")
    init = export(_trained_looking_model(8), tmp_path / "init.onnx", 0.75)
    out = tmp_path / "run"
    assert train_main(["--data", str(data), "--out", str(out), "--batch", "4", "--crop", "128",
                       "--workers", "0", "--width", "8", "--epochs", "1",
                       "--init", str(init)]) == 0  # fmt: skip
    state = torch.load(out / "checkpoint.pt", map_location="cpu")
    assert state["frozen_norms"] is True
    # The folded statistics stayed as loaded (mean 0), though the weights moved.
    assert torch.count_nonzero(state["model"]["stem.0.1.running_mean"]) == 0
    loaded = ElementDetector(len(DETECTOR_CLASSES), 8)
    load_onnx_weights(loaded, init)
    assert not torch.equal(state["model"]["heat.weight"], loaded.heat.weight)
    assert np.isfinite(float(state["model"]["heat.bias"].sum()))


def test_export_upsamples_by_constant_factors(tmp_path: Path) -> None:
    """onnxruntime keeps a Resize in its blocked layout only when its scales are
    constants; sizes computed from Shape nodes cost ~12 ms a 1920x1080 frame."""
    import onnx

    path = export(_trained_looking_model(8), tmp_path / "detector.onnx", 0.75)
    graph = onnx.load(str(path)).graph
    constants = {i.name for i in graph.initializer}
    constants |= {o for n in graph.node if n.op_type == "Constant" for o in n.output}
    resizes = [n for n in graph.node if n.op_type == "Resize"]
    assert len(resizes) == 3
    for node in resizes:
        scales = node.input[2] if len(node.input) > 2 else ""
        assert scales in constants, node
        assert len(node.input) < 4 or not node.input[3], "sizes must not be computed"
    assert not any(n.op_type == "Shape" for n in graph.node)


def test_reexport_keeps_the_weights_and_the_metadata(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort

    from grounding.detector.export import reexport

    old = export(_trained_looking_model(8), tmp_path / "old.onnx", 0.75)
    proto = onnx.load(str(old))
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, '{"button": 0.25}'
    onnx.save(proto, str(old))
    new = reexport(old, tmp_path / "new.onnx")
    meta = {e.key: e.value for e in onnx.load(str(new)).metadata_props}
    assert meta[METADATA_KEY] == '{"button": 0.25}'
    assert meta["input_scale"] == "0.75"
    array, _, _ = prepare(plain_window(), 0.75)
    (heat_a, *boxes_a), (heat_b, *boxes_b) = (
        ort.InferenceSession(str(p)).run(None, {"image": array}) for p in (old, new)
    )
    for before, after in zip(boxes_a, boxes_b, strict=True):
        assert np.abs(before - after).max() < 1e-4
    # Heat is peak-filtered: on flat plateaus float noise may pick another of equal maxima.
    both = (heat_a > 0) & (heat_b > 0)
    assert both.sum() >= 0.9 * (heat_a > 0).sum()
    assert np.abs(heat_a - heat_b)[both].max() < 1e-4


class _OlderExportGraph(torch.nn.Module):
    """The graph as exports wrote it before: pixels divided by 255 in the graph,
    and three head convolutions."""

    def __init__(self, model: ElementDetector) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, size, offset = self.model(from_bytes(image))
        heat = torch.sigmoid(logits)
        peaks = torch.nn.functional.max_pool2d(heat, 3, 1, 1)
        return heat * (heat == peaks).to(heat.dtype), size, offset


def test_export_takes_bytes_into_the_first_convolution_and_merges_the_heads(
    tmp_path: Path,
) -> None:
    """No per-pixel division in the graph (~2 ms a 1920x1080 frame): the first
    convolution's weights take pixels in 0..255, and load back divided again.
    Heat, size and offset come from one convolution (~1 ms), and load back split.
    A model exported before, which divides in the graph and has three head
    convolutions, still loads and re-exports to the same outputs."""
    import onnx

    from grounding.detector.export import reexport
    from grounding.detector.model import BYTE_PIXELS, PIXELS_KEY

    model = _trained_looking_model(8)
    path = export(model, tmp_path / "new.onnx", 0.75)
    proto = onnx.load(str(path))
    assert not any(n.op_type == "Div" for n in proto.graph.node)
    assert {e.key: e.value for e in proto.metadata_props}[PIXELS_KEY] == BYTE_PIXELS
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    model_convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == len(model_convs) - 2
    heads = {i.name: i for i in proto.graph.initializer}[convs[-1].input[1]]
    assert heads.dims[0] == len(DETECTOR_CLASSES) + 4  # heat, size (2), offset (2)
    array, _, _ = prepare(plain_window(), 0.75)
    assert max_difference(model, path, array) < 1e-4
    fresh = ElementDetector(len(DETECTOR_CLASSES), 8)
    load_onnx_weights(fresh, path)
    for mine, theirs in ((fresh.heat, model.heat), (fresh.size, model.size),
                         (fresh.offset, model.offset)):  # fmt: skip
        assert torch.allclose(mine.weight, theirs.weight, atol=1e-6)
        assert mine.bias is not None
        assert theirs.bias is not None
        assert torch.allclose(mine.bias, theirs.bias, atol=1e-6)
    older = tmp_path / "older.onnx"
    torch.onnx.export(_OlderExportGraph(model), (torch.from_numpy(array),), str(older),
                      input_names=["image"], output_names=["heat", "size", "offset"],
                      dynamic_axes={"image": {1: "height", 2: "width"}}, opset_version=17,
                      dynamo=False)  # fmt: skip
    old_proto = onnx.load(str(older))
    assert any(n.op_type == "Div" for n in old_proto.graph.node)
    assert len([n for n in old_proto.graph.node if n.op_type == "Conv"]) == len(model_convs)
    entry = old_proto.metadata_props.add()
    entry.key, entry.value = "input_scale", "0.75"
    onnx.save(old_proto, str(older))
    fresh = ElementDetector(len(DETECTOR_CLASSES), 8)
    load_onnx_weights(fresh, older)  # no metadata key: weights for pixels in 0..1
    assert max_difference(fresh, older, array) < 1e-4
    assert max_difference(fresh, reexport(older, tmp_path / "re.onnx"), array) < 1e-4
