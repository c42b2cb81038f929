"""Train the box verifier: `python -m grounding.detector.verifier_train --data DIR... --out F`.

The verifier learns from the detector's own mistakes: the shipped detector
(with its greyed-out classifier, without a verifier) runs over the training
sets at the verifier's candidate threshold, and each candidate box is labelled
with the class of the truth box it overlaps at IoU >= 0.4 (its own class when
a truth box of that class qualifies, so a box on a combo box's entry called a
text field stays one), or "nothing": 0.4 rather than 0.5, since the verifier
also moves each box onto its element (below), so a box a little off is right
once moved. Greyed-out controls are not in the
labels, so their boxes learn "nothing"; boxes in a teacher's ignore region
are left out. Each candidate that overlaps a truth box at IoU >= 0.3 (one of
its own class first) also learns the edge shifts onto it, so that a box the
detector placed a little off is moved where the element is. Most candidates
are low-scoring background: three in four of those under 0.2 are dropped and
the rest weigh four times as much, which keeps the probabilities honest at a
quarter of the memory.

Held out: every 10th seed, as the detector's training and calibration do; its
class accuracy and the mean IoU of its moved boxes are logged per epoch. The
exported model takes uint8 crops and float features (grounding.detector.verifier)
and returns probabilities and edge shifts; the calibrated thresholds are added
by `python -m grounding.detector.calibrate --verifier` (README, developer section).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from grounding.onnx_model import write_metadata

from .classes import DETECTOR_CLASSES
from .dataset import read_dataset
from .verifier import (
    CLASSES_KEY,
    CROP_HEIGHT,
    CROP_KEY,
    CROP_WIDTH,
    FEATURES,
    FLOOR_KEY,
    MAX_SHIFT,
    box_deltas,
    refine_boxes,
    verifier_crops,
    verifier_features,
)

logger = logging.getLogger(__name__)

CANDIDATE_THRESHOLD = (
    0.15  # detector score the verifier starts from: ~110 boxes on a median 1920x1080 frame
)
SPARSE_SCORE = 0.2  # background candidates under it are subsampled...
SPARSE_KEEP = 0.25  # ...to this share, weighted by its inverse
NOTHING = len(DETECTOR_CLASSES)
# A candidate this close to a truth box is that element (once moved onto it): on
# the held-out images, calibrated, 0.4 beat 0.5 in F2 for 8 of the 12 classes.
FG_IOU = 0.4
REFINE_IOU = 0.3  # candidates at least this close to a truth box learn to move onto it
REFINE_WEIGHT = 4.0  # of the edge-shift loss (shifts are fractions of the box) beside the class's


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """len(a) x len(b) IoU of left, top, right, bottom boxes."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-6)


def label_candidates(cands: np.ndarray, cand_cls: np.ndarray, truth: np.ndarray,
                     truth_cls: np.ndarray, fg_iou: float = FG_IOU) -> np.ndarray:  # fmt: skip
    """Per candidate: its own class where a truth box of that class overlaps it at
    IoU >= fg_iou, else the class of the best-overlapping truth box at >= fg_iou,
    else NOTHING."""
    labels = np.full(len(cands), NOTHING, np.int64)
    overlap = iou_matrix(cands, truth)
    if overlap.shape[1] == 0:
        return labels
    best = overlap.argmax(1)
    hit = overlap[np.arange(len(cands)), best] >= fg_iou
    labels[hit] = truth_cls[best[hit]]
    own = ((overlap >= fg_iou) & (truth_cls[None, :] == cand_cls[:, None])).any(1)
    labels[own] = cand_cls[own]
    return labels


def refine_targets(cands: np.ndarray, cand_cls: np.ndarray, truth: np.ndarray,
                   truth_cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Per candidate: the edge shifts (box_deltas) to the truth box it should become,
    and whether it has one: the best-overlapping truth box of its own class at IoU >=
    REFINE_IOU, else the best-overlapping one of any class. Boxes the detector placed
    a little off (a toolbar button boxed around its glyph, a row cut short) learn
    where the element really is."""
    deltas = np.zeros((len(cands), 4), np.float32)
    overlap = iou_matrix(cands, truth)
    if overlap.shape[1] == 0:
        return deltas, np.zeros(len(cands), bool)
    rows = np.arange(len(cands))
    own = np.where(truth_cls[None, :] == cand_cls[:, None], overlap, -1.0)
    target = np.where(own.max(1) >= REFINE_IOU, own.argmax(1), overlap.argmax(1))
    mask = overlap[rows, target] >= REFINE_IOU
    deltas[mask] = box_deltas(cands[mask], truth[target[mask]])
    return deltas, mask


def collect(folders: Sequence[Path], detector_model: Path | None, seed: int,
            ) -> dict[str, np.ndarray]:  # fmt: skip
    """Crops, features, labels, weights and held-out flags of the candidates."""
    from PIL import Image
    from tqdm import tqdm

    from .onnx_detector import OnnxDetector, default_model_path

    # By default the float model: the one training and calibration read (an 8-bit twin
    # may be stale until it is requantized).
    model = detector_model or default_model_path(quantized=False)
    detector = OnnxDetector(model, score_threshold=CANDIDATE_THRESHOLD, verifier=False)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in ("crops", "features", "labels", "weights", "held_out", "boxes", "deltas", "refine")
    }
    records = [r for folder in folders for r in read_dataset(folder)]
    for record in tqdm(records, desc="candidates", file=sys.stderr, leave=False):
        with Image.open(record.path) as image:
            rgb = image.convert("RGB")
        found = detector.parse(rgb)
        if not found:
            continue
        boxes = np.asarray([(e.box.left, e.box.top, e.box.right, e.box.bottom) for e in found],
                           np.float64)  # fmt: skip
        cls = np.asarray([DETECTOR_CLASSES.index(e.role) for e in found], np.int64)
        scores = np.asarray([e.score for e in found], np.float32)
        truth = np.asarray([(b.left, b.top, b.right, b.bottom) for b in record.boxes],
                           np.float64).reshape(-1, 4)  # fmt: skip
        truth_cls = np.asarray([DETECTOR_CLASSES.index(b.cls) for b in record.boxes], np.int64)
        labels = label_candidates(boxes, cls, truth, truth_cls)
        deltas, refine = refine_targets(boxes, cls, truth, truth_cls)
        keep = np.ones(len(found), bool)
        if record.ignore:
            ignored = iou_matrix(boxes, np.asarray(record.ignore, np.float64).reshape(-1, 4))
            keep &= ~(ignored >= 0.5).any(1)
        sparse = (labels == NOTHING) & (scores < SPARSE_SCORE)
        keep &= ~sparse | (rng.random(len(found)) < SPARSE_KEEP)
        weights = np.where(sparse, 1.0 / SPARSE_KEEP, 1.0).astype(np.float32)
        if not keep.any():
            continue
        parts["crops"].append(verifier_crops(np.asarray(rgb), boxes[keep]))
        parts["features"].append(verifier_features(cls[keep], scores[keep], boxes[keep],
                                                   len(DETECTOR_CLASSES)))  # fmt: skip
        parts["labels"].append(labels[keep])
        parts["weights"].append(weights[keep])
        parts["boxes"].append(boxes[keep].astype(np.float32))
        parts["deltas"].append(deltas[keep])
        parts["refine"].append(refine[keep])
        parts["held_out"].append(np.full(int(keep.sum()), record.seed % 10 == 0))
    if not parts["labels"]:
        raise SystemExit(
            f"no detector candidates in {', '.join(map(str, folders))}: build data with "
            "`python -m grounding.detector.data` or bench.gtk_train_set"
        )
    return {k: np.concatenate(v) for k, v in parts.items()}


class VerifierNet(nn.Module):
    """uint8 N x H x W x 6 crops and N x F features in; N x (classes + 1) probabilities
    and N x 4 edge shifts (box_deltas) out."""

    def __init__(self, num_classes: int = len(DETECTOR_CLASSES), width: int = 16) -> None:
        super().__init__()

        def conv(cin: int, cout: int, stride: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True))  # fmt: skip

        # Strided from the start: ~1.2 M multiply-adds a box, so that the ~200
        # candidates of a busy 1920x1080 frame cost a few milliseconds.
        self.body = nn.Sequential(
            conv(6, width, 2), conv(width, 3 * width // 2, 2), conv(3 * width // 2, 3 * width, 2),
            conv(3 * width, 4 * width, 1),
        )  # fmt: skip
        # Where an edge lies needs where in the crop things are: the final map
        # flattened (3 x 6 cells), beside the pooled summary the class needs.
        cells = (CROP_HEIGHT // 8) * (CROP_WIDTH // 8)
        self.head = nn.Sequential(
            nn.Linear(8 * width + 4 * width * cells + num_classes + FEATURES, 128),
            nn.ReLU(inplace=True),
            nn.Linear(128, num_classes + 1 + 4),
        )
        self.num_classes = num_classes

    def outputs(self, x: torch.Tensor, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: N x 6 x H x W in [0, 1] -> class logits, edge shifts."""
        maps = self.body(x)
        pooled = torch.cat([maps.mean((2, 3)), maps.amax((2, 3)), maps.flatten(1), features], 1)
        out = self.head(pooled)
        return out[:, : self.num_classes + 1], MAX_SHIFT * torch.tanh(
            out[:, self.num_classes + 1 :]
        )

    def forward(self, crops: torch.Tensor, features: torch.Tensor,
                ) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        x = crops.permute(0, 3, 1, 2).float() / 255.0
        logits, shifts = self.outputs(x, features)
        return torch.softmax(logits, dim=1), shifts


def _pixels(crops: torch.Tensor, gen: torch.Generator | None) -> torch.Tensor:
    """uint8 N x H x W x 6 -> N x 6 x H x W in [0, 1]; with `gen`, some inverted (dark themes)."""
    x = crops.permute(0, 3, 1, 2).float() / 255.0
    if gen is not None:
        inverted = torch.rand(len(x), generator=gen) < 0.3
        x = torch.where(inverted[:, None, None, None], 1 - x, x)
    return x


@torch.no_grad()
def evaluate(net: VerifierNet, data: dict[str, np.ndarray], mask: np.ndarray,
             ) -> dict[str, float]:  # fmt: skip
    """Class accuracy, and the mean IoU with their truth boxes of the candidates that
    have one, before and after the edge shifts."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return {}
    right, before, after, moved = 0, 0.0, 0.0, 0
    for start in range(0, idx.size, 4096):
        part = idx[start : start + 4096]
        probs, shifts = net(torch.from_numpy(data["crops"][part]),
                            torch.from_numpy(data["features"][part]))  # fmt: skip
        right += int((probs.argmax(1).numpy() == data["labels"][part]).sum())
        refine = data["refine"][part]
        boxes = data["boxes"][part][refine]
        truth = refine_boxes(boxes, data["deltas"][part][refine])
        before += float(_paired_iou(boxes, truth).sum())
        after += float(_paired_iou(refine_boxes(boxes, shifts.numpy()[refine]), truth).sum())
        moved += int(refine.sum())
    return {"accuracy": round(right / idx.size, 4),
            "iou_before": round(before / max(moved, 1), 4),
            "iou_after": round(after / max(moved, 1), 4)}  # fmt: skip


def _paired_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    iw = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(union - inter, 1e-6)


def train(data: dict[str, np.ndarray], epochs: int, seed: int, batch: int = 256) -> VerifierNet:
    from tqdm import tqdm

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = VerifierNet()
    train_idx = np.flatnonzero(~data["held_out"])
    crops = torch.from_numpy(data["crops"])
    features = torch.from_numpy(data["features"])
    labels = torch.from_numpy(data["labels"])
    weights = torch.from_numpy(data["weights"])
    deltas = torch.from_numpy(data["deltas"])
    refine = torch.from_numpy(data["refine"]).float()
    per_epoch = max(1, len(train_idx) // batch)
    optimizer = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 2e-3, total_steps=epochs * per_epoch)
    for epoch in range(epochs):
        net.train()
        order = torch.from_numpy(train_idx)[torch.randperm(len(train_idx), generator=gen)]
        bar = tqdm(range(per_epoch), desc=f"verifier epoch {epoch + 1}/{epochs}",
                   file=sys.stderr, leave=False)  # fmt: skip
        for step in bar:
            idx = order[step * batch : (step + 1) * batch]
            logits, shifts = net.outputs(_pixels(crops[idx], gen), features[idx])
            loss = nn.functional.cross_entropy(logits, labels[idx], reduction="none")
            loss = (loss * weights[idx]).sum() / weights[idx].sum()
            shift_loss = nn.functional.smooth_l1_loss(shifts, deltas[idx], reduction="none",
                                                      beta=0.02).sum(1)  # fmt: skip
            loss = loss + REFINE_WEIGHT * (shift_loss * refine[idx]).sum() / refine[
                idx
            ].sum().clamp(min=1.0)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
        net.eval()
        logger.info(json.dumps({"epoch": epoch + 1, "loss": round(float(loss.detach()), 4),
                                "held_out": evaluate(net, data, data["held_out"])}))  # fmt: skip
    return net.eval()


def export(net: VerifierNet, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    crops = torch.zeros(2, CROP_HEIGHT, CROP_WIDTH, 6, dtype=torch.uint8)
    features = torch.zeros(2, len(DETECTOR_CLASSES) + FEATURES)
    torch.onnx.export(net.eval(), (crops, features), str(path),
                      input_names=["crops", "features"], output_names=["probabilities", "shifts"],
                      dynamic_axes={"crops": {0: "n"}, "features": {0: "n"},
                                    "probabilities": {0: "n"}, "shifts": {0: "n"}},
                      opset_version=17, dynamo=False)  # fmt: skip
    return write_metadata(path, {CLASSES_KEY: json.dumps(list(DETECTOR_CLASSES)),
                                 CROP_KEY: json.dumps([CROP_HEIGHT, CROP_WIDTH]),
                                 FLOOR_KEY: str(CANDIDATE_THRESHOLD)})  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.verifier_train",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        help="dataset folders (grounding.detector.data, bench.gtk_train_set)",
    )
    parser.add_argument("--out", type=Path, required=True, help="the ONNX file to write")
    parser.add_argument(
        "--detector",
        type=Path,
        default=None,
        help="the detector whose candidates it learns (default: the shipped float one)",
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    data = collect(args.data, args.detector, args.seed)
    counts = np.bincount(data["labels"], minlength=NOTHING + 1)
    logger.info("%d candidates (%d held out); by label: %s", len(data["labels"]),
                int(data["held_out"].sum()),
                json.dumps(dict(zip([*DETECTOR_CLASSES, "nothing"], counts.tolist(),
                                    strict=True))))  # fmt: skip
    net = train(data, args.epochs, args.seed)
    path = export(net, args.out)
    logger.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
