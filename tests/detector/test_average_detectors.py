"""A detector and its fine-tune average into one exported model (a "model soup")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from grounding.detector.average import average, main
from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.export import export
from grounding.detector.from_onnx import load_detector
from grounding.detector.model import ElementDetector


def _model(seed: int, width: int = 8) -> ElementDetector:
    torch.manual_seed(seed)
    model = ElementDetector(len(DETECTOR_CLASSES), width)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    return model.eval()


def _conv_weights(path: Path) -> list[np.ndarray]:
    """The graph's convolution weights, the first one for pixels in 0..1 as trained
    (the export divides it by 255, for bytes in)."""
    graph = onnx.load(str(path)).graph
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    weights = [values[n.input[1]] for n in graph.node if n.op_type == "Conv"]
    return [weights[0] * 255.0, *weights[1:]]


def test_average_mixes_every_parameter_by_the_weight() -> None:
    base, tuned = _model(0), _model(1)
    mixed = average(base, tuned, 0.7)
    a, b, m = base.state_dict(), tuned.state_dict(), mixed.state_dict()
    for key in a:
        if a[key].is_floating_point():
            assert torch.allclose(m[key], 0.3 * a[key] + 0.7 * b[key], atol=1e-6), key
    assert torch.equal(average(base, tuned, 0.0).stem[0][0].weight, base.stem[0][0].weight)
    assert torch.equal(average(base, tuned, 1.0).stem[0][0].weight, tuned.stem[0][0].weight)
    assert base.state_dict()["stem.0.0.weight"].equal(a["stem.0.0.weight"])  # inputs untouched


def test_average_refuses_other_shapes_and_weights() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        average(_model(0, 8), _model(1, 16), 0.5)
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        average(_model(0), _model(1), 1.5)


def test_command_averages_an_onnx_base_and_a_checkpoint(tmp_path: Path) -> None:
    # The shipped model exists only as ONNX (BatchNorm folded); its fine-tune
    # as a checkpoint whose BatchNorm is the identity a fold leaves.
    base = export(_model(0), tmp_path / "base.onnx", 0.75)
    tuned = load_detector(base)
    with torch.no_grad():
        for p in tuned.parameters():
            p.add_(0.1 * torch.randn_like(p))
    torch.save({"model": tuned.state_dict(), "width": 8}, tmp_path / "checkpoint.pt")
    out = tmp_path / "mix.onnx"
    assert main(["--base", str(base), "--tuned", str(tmp_path / "checkpoint.pt"),
                 "--weight", "0.25", "--out", str(out)]) == 0  # fmt: skip
    tuned_onnx = export(tuned, tmp_path / "tuned.onnx", 0.75)
    for w_base, w_tuned, w_mix in zip(_conv_weights(base), _conv_weights(tuned_onnx),
                                      _conv_weights(out), strict=True):  # fmt: skip
        # Folding scales by BatchNorm factors near 1 here, so the mix stays near linear.
        np.testing.assert_allclose(w_mix, 0.75 * w_base + 0.25 * w_tuned, atol=2e-2)
        assert not np.allclose(w_mix, w_base, atol=1e-3)
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta["input_scale"] == "0.75"


def test_command_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--base", str(tmp_path / "no.onnx"), "--tuned", str(tmp_path / "no.pt"),
              "--out", str(tmp_path / "x.onnx")])  # fmt: skip
    assert "no.onnx not found" in capsys.readouterr().err
