"""Training runs, resumes, and exports a model that the runtime expert loads."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from PIL import Image, ImageDraw

from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.codec import prepare
from grounding.detector.dataset import DatasetWriter, LabeledBox, Sample, read_dataset
from grounding.detector.model import ElementDetector, ExportWrapper, from_bytes
from grounding.detector.onnx_detector import OnnxDetector
from grounding.detector.train import CropSet, MixedBatches
from grounding.detector.train import main as train_main
from grounding.errors import ExpertUnavailable


def _toy_dataset(root: Path, count: int) -> Path:
    writer = DatasetWriter(root)
    for seed in range(count):
        rng = random.Random(seed)
        image = Image.new("RGB", (320, 224), (240, 240, 240))
        draw = ImageDraw.Draw(image)
        boxes = []
        for _ in range(4):
            x, y = rng.randint(0, 250), rng.randint(0, 190)
            draw.rectangle((x, y, x + 60, y + 24), fill=(190, 190, 215), outline=(60, 60, 60))
            boxes.append(LabeledBox(x, y, x + 61, y + 25, "button"))
        writer.add(Sample(image, boxes, "toy", seed))
    return root


@pytest.mark.slow
def test_train_resume_export_and_load(tmp_path: Path) -> None:
    data = _toy_dataset(tmp_path / "data", 12)
    assert len(list(read_dataset(data))) == 12
    out = tmp_path / "run"
    common = ["--data", str(data), "--out", str(out), "--batch", "4", "--crop", "128",
              "--big-crop", "224", "--big-every", "2",
              "--workers", "0", "--eval-every", "1", "--width", "8"]  # fmt: skip
    assert train_main([*common, "--epochs", "1"]) == 0
    assert train_main([*common, "--epochs", "2"]) == 0  # resumes at epoch 1
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in log] == [1, 2]
    assert all(np.isfinite(row["total"]) and 0.0 <= row["map50"] <= 1.0 for row in log)

    detector = OnnxDetector(out / "detector.onnx", score_threshold=0.0)
    assert detector.classes == DETECTOR_CLASSES
    assert detector.scale == 0.75
    image = Image.open(next((data / "images").iterdir()))
    elements = detector.parse(image)
    assert elements
    assert all(e.source == "detector" for e in elements)
    assert all(0 <= e.box.left < e.box.right <= image.width for e in elements)

    # The exported graph computes what the PyTorch model computes.
    state = torch.load(out / "checkpoint.pt", map_location="cpu")
    model = ElementDetector(len(DETECTOR_CLASSES), state["width"])
    model.load_state_dict(state["model"])
    array, _, _ = prepare(image, 0.75)
    with torch.no_grad():
        want = ExportWrapper(model.eval())(torch.from_numpy(array))
    got = ort.InferenceSession(str(out / "detector.onnx")).run(None, {"image": array})
    np.testing.assert_allclose(want[1].numpy(), got[1], atol=1e-4)  # size
    np.testing.assert_allclose(want[2].numpy(), got[2], atol=1e-4)  # offset
    # Peaks: each ONNX peak holds the model's heat there and is a local maximum
    # (on an untrained model's flat plateaus float noise may pick another tie).
    with torch.no_grad():
        heat = torch.sigmoid(model(from_bytes(torch.from_numpy(array)))[0])
        local_max = torch.nn.functional.max_pool2d(heat, 3, 1, 1).numpy()
    peaks = got[0] > 0
    assert peaks.any()
    np.testing.assert_allclose(heat.numpy()[peaks], got[0][peaks], atol=1e-4)
    np.testing.assert_allclose(local_max[peaks], got[0][peaks], atol=1e-4)


def test_mixed_batches_hold_fewer_bigger_crops_every_nth_batch() -> None:
    batches = MixedBatches(count=50, batch=10, crop=128, big=256, every=3, seed=0)
    epoch0 = list(batches)
    assert len(epoch0) == len(batches)
    # 10*128^2 px a batch; 256-px crops: 2 of them (~the same pixels, so seconds).
    assert [(len(b), {side for _, side in b}) for b in epoch0] == [
        (10, {128}),
        (10, {128}),
        (2, {256}),
        (10, {128}),
        (10, {128}),
        (2, {256}),
    ]
    indices = [i for b in epoch0 for i, _ in b]
    assert len(set(indices)) == len(indices) == 44
    assert all(0 <= i < 50 for i in indices)
    batches.epoch = 1
    assert [i for b in batches for i, _ in b] != indices  # reshuffled each epoch
    plain = MixedBatches(count=50, batch=10, crop=128, big=0, every=3, seed=0)
    assert [len(b) for b in plain] == [10] * 5


def test_an_element_larger_than_the_crop_is_taught_only_in_a_big_crop(tmp_path: Path) -> None:
    """A text view much wider than a training crop is always cut off, and an
    element cut to less than 60 % is ignored: only a crop that holds it makes
    it a positive."""
    writer = DatasetWriter(tmp_path)
    image = Image.new("RGB", (640, 320), (240, 240, 240))
    ImageDraw.Draw(image).rectangle((40, 40, 560, 260), fill=(255, 255, 255), outline=(0, 0, 0))
    writer.add(Sample(image, [LabeledBox(40, 40, 561, 261, "text_field")], "toy", 1))
    crops = CropSet(list(read_dataset(tmp_path)), seed=0)
    centres = {}
    for side in (128, 640):
        found = 0
        for epoch in range(12):
            crops.epoch = epoch
            found += int(crops[(0, side)][4].sum())  # the centre mask
        centres[side] = found
    # 521 px at scale 0.45..1.125 never shows 60 % of itself in 128 px
    assert centres[128] == 0
    assert centres[640] >= 10


def test_crop_sides_must_be_multiples_of_the_deepest_stride(tmp_path: Path) -> None:
    data = _toy_dataset(tmp_path / "data", 2)
    with pytest.raises(SystemExit, match="multiples of 32"):
        train_main(["--data", str(data), "--out", str(tmp_path / "run"), "--crop", "128",
                    "--big-crop", "300"])  # fmt: skip


def test_missing_or_foreign_model_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ExpertUnavailable, match="train one"):
        OnnxDetector(tmp_path / "nope.onnx")
    foreign = tmp_path / "foreign.onnx"
    torch.onnx.export(torch.nn.Conv2d(3, 1, 1), (torch.zeros(1, 3, 8, 8),), str(foreign),
                      input_names=["image"], dynamo=False)  # fmt: skip
    with pytest.raises(ExpertUnavailable, match="not a desktop-agent detector"):
        OnnxDetector(foreign)


def test_size_loss_is_the_mean_absolute_log_size_error_at_centres() -> None:
    """A box 20% too wide and too tall (log error 0.18 per side) must cost 0.36,
    not smooth L1's 0.03: the size gradient decides IoU 0.5 on small boxes."""
    from grounding.detector.train import loss_fn

    heat_t = torch.zeros(1, 2, 4, 4)
    heat_t[0, 0, 1, 2] = 1.0
    size_t = torch.zeros(1, 2, 4, 4)
    size_t[0, :, 1, 2] = torch.tensor([3.0, 2.5])
    mask = torch.zeros(1, 4, 4)
    mask[0, 1, 2] = 1.0
    batch = [torch.zeros(1), heat_t, size_t, torch.zeros(1, 2, 4, 4), mask, torch.ones(1, 4, 4)]
    error = float(np.log(1.2))
    size = size_t + error  # off by the same amount everywhere; only the centre counts
    logits = torch.full((1, 2, 4, 4), -4.0)
    losses = loss_fn((logits, size, torch.zeros(1, 2, 4, 4)), batch)
    assert float(losses["size"]) == pytest.approx(2 * error, rel=1e-4)
