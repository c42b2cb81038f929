"""Faster detectors: a smaller one cut from a trained one (prune), one with its fuse
block a level down (fuse_level 8), each taught by the trained one (distill)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.codec import prepare
from grounding.detector.distill import distill_loss
from grounding.detector.export import export
from grounding.detector.from_onnx import load_detector, load_onnx_weights, onnx_widths
from grounding.detector.model import ElementDetector, from_bytes
from grounding.detector.prune import keep_channels, prune
from grounding.detector.train import main as train_main
from toy_detector_data import write_button_set

DEAD_PYRAMID = [1, 4, 5, 9]  # of 16
DEAD_HEAD = [0, 7, 8, 15]


def _silence(norm: torch.nn.Module, channels: list[int]) -> None:
    assert isinstance(norm, torch.nn.BatchNorm2d)
    assert norm.running_mean is not None
    norm.bias[channels] = 0.0
    norm.running_mean[channels] = 0.0


def _model_with_dead_channels() -> ElementDetector:
    """Width 8 (pyramid 16), random, with pyramid and head-output channels that are
    zero everywhere: cutting exactly those must not change what the model computes."""
    torch.manual_seed(0)
    model = ElementDetector(len(DETECTOR_CLASSES), 8)
    d, h = DEAD_PYRAMID, DEAD_HEAD
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                assert module.running_var is not None
                module.running_var.uniform_(0.5, 2.0)
                module.bias.uniform_(-0.2, 0.2)
        for layer in (model.lateral16, model.top32, model.lateral8, model.lateral4):
            layer[0].weight[d] = 0.0
            _silence(layer[1], d)
        model.fuse.depthwise[0].weight[d] = 0.0
        _silence(model.fuse.depthwise[1], d)
        model.fuse.pointwise[0].weight[d] = 0.0
        _silence(model.fuse.pointwise[1], d)
        _silence(model.head[1], d)
        model.head[2][1].bias.fill_(0.5)  # the live outputs pass the ReLU
        model.head[2][0].weight[h] = 0.0
        _silence(model.head[2][1], h)
    return model.eval()


def _frames() -> list[np.ndarray]:
    out = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        image = Image.fromarray(rng.integers(0, 256, (96, 160, 3), dtype=np.uint8))
        out.append(prepare(image, 1.0)[0])
    return out


def _outputs(model: ElementDetector, array: np.ndarray) -> list[torch.Tensor]:
    with torch.no_grad():
        return list(model.eval()(from_bytes(torch.from_numpy(array))))


def test_prune_finds_the_dead_channels_and_computes_the_same() -> None:
    model = _model_with_dead_channels()
    pyramid_keep, head_keep = keep_channels(model, _frames(), 12)
    live_pyramid = [c for c in range(16) if c not in DEAD_PYRAMID]
    live_head = [c for c in range(16) if c not in DEAD_HEAD]
    assert pyramid_keep.tolist() == live_pyramid
    assert head_keep.tolist() == live_head
    small = prune(model, pyramid_keep, head_keep)
    assert small.pyramid == 12
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in model.parameters())
    for array in _frames():
        for want, got in zip(_outputs(model, array), _outputs(small, array), strict=True):
            assert torch.allclose(want, got, atol=1e-5)
    # Cutting live channels instead changes the outputs.
    wrong = prune(model, torch.arange(12), torch.arange(12))
    array = _frames()[0]
    assert not torch.allclose(_outputs(model, array)[0], _outputs(wrong, array)[0], atol=1e-3)


def test_a_pruned_export_loads_back_with_its_own_widths(tmp_path: Path) -> None:
    model = _model_with_dead_channels()
    small = prune(model, *keep_channels(model, _frames(), 12))
    path = export(small, tmp_path / "small.onnx", 0.75)
    assert onnx_widths(path) == (8, 12)
    loaded = load_detector(path)
    array = _frames()[1]
    for want, got in zip(_outputs(small, array), _outputs(loaded, array), strict=True):
        assert torch.allclose(want, got, atol=1e-4)


def test_fuse_block_at_level_8_exports_and_loads_back_as_such(tmp_path: Path) -> None:
    import onnx

    from grounding.detector.model import FUSE_LEVEL_KEY

    low = _model_with_dead_channels()
    high = ElementDetector(len(DETECTOR_CLASSES), 8, fuse_level=8).eval()
    high.load_state_dict(low.state_dict())  # the same parameters
    array = _frames()[1]
    moved = [torch.allclose(a, b, atol=1e-3)
             for a, b in zip(_outputs(low, array), _outputs(high, array), strict=True)]  # fmt: skip
    assert not all(moved)  # the block really runs elsewhere
    path = export(high, tmp_path / "f8.onnx", 0.75)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert meta[FUSE_LEVEL_KEY] == "8"
    loaded = load_detector(path)
    assert loaded.fuse_level == 8
    for want, got in zip(_outputs(high, array), _outputs(loaded, array), strict=True):
        assert torch.allclose(want, got, atol=1e-4)
    assert prune(high, *keep_channels(high, _frames(), 12)).fuse_level == 8
    with pytest.raises(ValueError, match="fuse block at level 8"):
        load_onnx_weights(ElementDetector(len(DETECTOR_CLASSES), 8), path)
    with pytest.raises(ValueError, match="fuse_level 5"):
        ElementDetector(len(DETECTOR_CLASSES), 8, fuse_level=5)


def test_distill_loss_is_zero_at_the_teacher_and_pulls_towards_it() -> None:
    torch.manual_seed(1)
    teacher = ElementDetector(len(DETECTOR_CLASSES), 8).eval()
    with torch.no_grad():
        teacher.heat.bias.fill_(-1.0)  # elements everywhere: boxes to learn
    student = ElementDetector(len(DETECTOR_CLASSES), 8, 12).eval()
    batch = torch.rand(1, 3, 32, 64)
    with torch.no_grad():
        taught = teacher(batch)
    assert float(distill_loss(taught, taught, 1.0)["distill"]) == pytest.approx(0.0, abs=1e-4)
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-2)
    losses = []
    for _ in range(80):
        loss = distill_loss(student(batch), taught, 1.0)["distill"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[0] > 0.1
    assert losses[-1] < 0.5 * losses[0]
    assert float(distill_loss(student(batch), taught, 2.0)["distill"]) == pytest.approx(
        2 * float(distill_loss(student(batch), taught, 1.0)["distill"]), rel=1e-4
    )


@pytest.mark.slow
def test_training_a_pruned_model_with_a_teacher(tmp_path: Path) -> None:
    data = write_button_set(tmp_path / "data")
    model = _model_with_dead_channels()
    teacher = export(model, tmp_path / "teacher.onnx", 0.75)
    small = export(prune(model, *keep_channels(model, _frames(), 12)), tmp_path / "small.onnx",
                   0.75)  # fmt: skip
    out = tmp_path / "run"
    assert train_main(["--data", str(data), "--out", str(out), "--batch", "4", "--crop", "128",
                       "--workers", "0", "--epochs", "1", "--init", str(small),
                       "--distill", str(teacher)]) == 0  # fmt: skip
    state = torch.load(out / "checkpoint.pt", map_location="cpu")
    assert (state["width"], state["pyramid"]) == (8, 12)
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert log[-1]["distill"] > 0
    assert onnx_widths(out / "detector.onnx") == (8, 12)
    # A rerun resumes the checkpoint in its own shape, without --init.
    assert train_main(["--data", str(data), "--out", str(out), "--batch", "4", "--crop", "128",
                       "--workers", "0", "--epochs", "2"]) == 0  # fmt: skip
    assert torch.load(out / "checkpoint.pt", map_location="cpu")["epoch"] == 2
    # A fine-tune of that checkpoint keeps its folded BatchNorm frozen too; this
    # one also moves the fuse block down a level.
    again = tmp_path / "again"
    assert train_main(["--data", str(data), "--out", str(again), "--batch", "4", "--crop", "128",
                       "--workers", "0", "--epochs", "1", "--fuse-level", "8",
                       "--init", str(out / "checkpoint.pt")]) == 0  # fmt: skip
    state = torch.load(again / "checkpoint.pt", map_location="cpu")
    assert state["frozen_norms"] is True
    assert (state["width"], state["pyramid"], state["fuse_level"]) == (8, 12, 8)
    assert load_detector(again / "detector.onnx").fuse_level == 8
