"""Train the element detector: `python -m grounding.detector.train --data DIR --out DIR`.

Seeded and resumable: a checkpoint is written after every epoch and picked up
again by the same command. Logs loss and validation mAP@0.5 (synthetic
held-out images: every 10th seed) to the console and to OUT/log.jsonl, then
exports OUT/detector.onnx. Runs on the CPU (two cores are enough for a useful
model within a session) or on CUDA when present.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, Sampler

from .classes import CLASS_INDEX, DETECTOR_CLASSES
from .codec import ALIGN, STRIDE, decode, prepare, suppress
from .dataset import Record, read_dataset
from .distill import distill_loss, load_teacher
from .from_onnx import freeze_norms, load_detector
from .metrics import average_precision, match
from .model import FUSE_LEVELS, ElementDetector, ExportWrapper
from .targets import augment, encode

logger = logging.getLogger(__name__)

INPUT_SCALE = 0.75  # screenshots run at 3/4 size: 1920x1080 -> 1440x810


class CropSet(Dataset[tuple[torch.Tensor, ...]]):
    """Items are (record index, crop side): one batch holds crops of one side."""

    def __init__(self, records: list[Record], seed: int) -> None:
        self.records, self.seed, self.epoch = records, seed, 0

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, item: tuple[int, int]) -> tuple[torch.Tensor, ...]:
        index, crop = item
        rng = random.Random(self.seed * 1_000_003 + self.epoch * 10_007 + index)
        image, boxes, classes, ignored = augment(
            self.records[index], crop, INPUT_SCALE, CLASS_INDEX, rng
        )
        side = crop // STRIDE
        t = encode(boxes, classes, side, side, len(DETECTOR_CLASSES), ignored)
        return tuple(
            torch.from_numpy(np.ascontiguousarray(a))
            for a in (image.astype(np.float32), t.heat, t.size, t.offset, t.mask, t.weight)
        )


class MixedBatches(Sampler[list[tuple[int, int]]]):
    """Shuffled batches of (record index, crop side), most of `crop`-sided crops.

    With `big` > 0, every `every`-th batch holds fewer crops of side `big`
    instead (about the same pixels, so about the same seconds a step). An
    element that a crop cuts to less than 60 % of itself is ignored: at the
    runtime scale a 512 crop seldom holds enough of a text view or an editor
    pane, so a model taught on such crops alone does not learn to find one.
    """

    def __init__(self, count: int, batch: int, crop: int, big: int, every: int,
                 seed: int) -> None:  # fmt: skip
        self.count, self.batch, self.crop, self.seed, self.epoch = count, batch, crop, seed, 0
        self.big, self.every = big, max(1, every)
        self.big_batch = max(1, round(batch * crop * crop / (big * big))) if big else 0

    def _plan(self) -> list[tuple[int, int]]:
        """(batch size, crop side) of each batch of an epoch (the last partial one dropped)."""
        plan: list[tuple[int, int]] = []
        used = 0
        while True:
            big = self.big > 0 and len(plan) % self.every == self.every - 1
            size, side = (self.big_batch, self.big) if big else (self.batch, self.crop)
            if used + size > self.count:
                return plan
            plan.append((size, side))
            used += size

    def __len__(self) -> int:
        return len(self._plan())

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        order = list(range(self.count))
        random.Random(self.seed * 7919 + self.epoch).shuffle(order)
        start = 0
        for size, side in self._plan():
            yield [(i, side) for i in order[start : start + size]]
            start += size


def focal_loss(
    logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None
) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, normalised by the number of centres.

    weight (N x h x w): 0 where negatives are not taught (cut-off elements).
    """
    prob = torch.sigmoid(logits.float()).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = -torch.log(prob) * (1 - prob) ** 2 * pos
    neg_loss = -torch.log(1 - prob) * prob**2 * (1 - target) ** 4 * (1 - pos)
    if weight is not None:
        neg_loss = neg_loss * weight.unsqueeze(1)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1.0)


def loss_fn(
    outputs: tuple[torch.Tensor, ...], batch: list[torch.Tensor]
) -> dict[str, torch.Tensor]:
    logits, size, offset = (o.float() for o in outputs)
    _, heat, size_t, offset_t, mask, weight = batch
    m = mask.unsqueeze(1)
    n = mask.sum().clamp(min=1.0)
    losses = {
        "heat": focal_loss(logits, heat, weight),
        # Plain L1 on log sizes: smooth L1's quadratic zone covers every error
        # below e (x2.7), so a box 30% too wide, which fails IoU 0.5 on a small
        # tab or icon, got a third of the gradient.
        "size": (F.l1_loss(size, size_t, reduction="none") * m).sum() / n,
        "offset": (F.l1_loss(offset, offset_t, reduction="none") * m).sum() / n,
    }
    losses["total"] = losses["heat"] + losses["size"] + losses["offset"]
    return losses


@torch.no_grad()
def evaluate(
    model: ElementDetector, records: list[Record], device: torch.device
) -> dict[str, float]:
    """mAP@0.5 over the classes present, and class-agnostic recall at score 0.3."""
    model.eval()
    per_class: dict[int, tuple[list[float], list[bool], int]] = {}
    found = total = 0
    for record in records:
        image = record.load()
        array, back_x, back_y = prepare(image, INPUT_SCALE)
        heat, size, offset = ExportWrapper(model)(torch.from_numpy(array).to(device))
        dets = suppress(decode(heat[0].cpu().numpy(), size[0].cpu().numpy(),
                               offset[0].cpu().numpy(), 0.05))  # fmt: skip
        truth = np.asarray([[b.left, b.top, b.right, b.bottom] for b in record.boxes], np.float32)
        truth_cls = np.asarray([CLASS_INDEX[b.cls] for b in record.boxes])
        pred = np.asarray(
            [[d.left * back_x, d.top * back_y, d.right * back_x, d.bottom * back_y] for d in dets],
            np.float32,
        ).reshape(-1, 4)
        pred_cls = np.asarray([d.cls for d in dets])
        scores = np.asarray([d.score for d in dets])
        for c in set(truth_cls.tolist()) | set(pred_cls.tolist()):
            p, t = pred_cls == c, truth_cls == c
            hits = match(pred[p], scores[p], truth[t])
            s, h, n = per_class.setdefault(c, ([], [], 0))
            per_class[c] = (s + scores[p].tolist(), h + hits.tolist(), n + int(t.sum()))
        confident = scores >= 0.3
        found += int(match(pred[confident], scores[confident], truth).sum())
        total += len(truth)
    aps = [average_precision(s, h, n) for s, h, n in per_class.values() if n > 0]
    model.train()
    return {"map50": float(np.mean(aps)) if aps else 0.0, "recall": found / max(total, 1)}


def _lr_factor(step: int, total: int) -> float:
    warmup = max(1, total // 20)
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress))


def _split(folders: list[Path]) -> tuple[list[Record], list[Record]]:
    records = [r for folder in folders for r in read_dataset(folder) if r.boxes]
    val = [r for r in records if r.seed % 10 == 0]
    return [r for r in records if r.seed % 10 != 0], val


def train(args: argparse.Namespace) -> Path:
    from tqdm import tqdm

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    if args.crop % ALIGN or args.big_crop % ALIGN:
        raise SystemExit(f"--crop and --big-crop must be multiples of {ALIGN} (the deepest "
                         f"stride), got {args.crop} and {args.big_crop}")  # fmt: skip
    train_set, val_set = _split(args.data)
    if not train_set:
        raise SystemExit(
            f"no labelled images in {', '.join(map(str, args.data))}: "
            "run python -m grounding.detector.data"
        )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    start_epoch = 0
    checkpoint = out / "checkpoint.pt"
    resuming = checkpoint.exists() and not args.restart
    frozen_norms = False
    if resuming:  # the checkpoint's own shape
        model = load_detector(checkpoint)
    elif args.init is not None:
        # Fine-tuning: the weights (and shape) of an earlier run, a fresh optimizer
        # and schedule. A shipped model has its BatchNorm folded, so kept frozen.
        model = load_detector(args.init)
        frozen_norms = args.init.suffix == ".onnx" or bool(
            torch.load(args.init, map_location="cpu").get("frozen_norms", False)
        )  # a checkpoint of such a fine-tune: still folded
        logger.info("starting from the weights in %s", args.init)
    else:
        model = ElementDetector(len(DETECTOR_CLASSES), args.width, args.pyramid,
                                args.fuse_level or 4)  # fmt: skip
    if not resuming and args.fuse_level and args.fuse_level != model.fuse_level:
        # The same parameters, run in another order: the fuse block learns its new level.
        moved = ElementDetector(len(DETECTOR_CLASSES), model.width, model.pyramid,
                                args.fuse_level)  # fmt: skip
        moved.load_state_dict(model.state_dict())
        model = moved
        logger.info("fuse block moved to level %d", args.fuse_level)
    model = model.to(device)
    teacher = load_teacher(args.distill, device) if args.distill is not None else None
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    batches = MixedBatches(len(train_set), args.batch, args.crop, args.big_crop,
                           args.big_every, args.seed)  # fmt: skip
    steps_per_epoch = max(1, len(batches))
    total_steps = args.epochs * steps_per_epoch
    # Warm-up then cosine, as a function of the step: a resumed run with more
    # epochs simply stretches the rest of the curve.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: _lr_factor(step, total_steps)
    )
    if resuming:
        state = torch.load(checkpoint, map_location=device)
        frozen_norms = bool(state.get("frozen_norms", False))
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        start_epoch = state["epoch"]
        logger.info("resumed from %s at epoch %d", checkpoint, start_epoch)
    # Channels-last: PyTorch's CPU kernels for the depthwise convolutions run
    # ~1.4x faster a step in this layout (and so do CUDA's).
    model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    crops = CropSet(train_set, args.seed)
    logger.info("training on %d images (%d held out) on %s", len(train_set), len(val_set), device)
    run_started, stop = time.monotonic(), False
    for epoch in range(start_epoch, args.epochs):
        crops.epoch = batches.epoch = epoch
        model.train()
        if frozen_norms:
            freeze_norms(model)
        loader = DataLoader(crops, batch_sampler=batches, num_workers=args.workers)
        sums: dict[str, float] = {}
        started = time.monotonic()
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", file=sys.stderr, leave=False)
        for batch in bar:
            batch = [b.to(device, non_blocking=True) for b in batch]
            batch[0] = batch[0].contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
                outputs = model(batch[0])
            losses = loss_fn(outputs, batch)
            if teacher is not None:
                with torch.no_grad():
                    taught = teacher(batch[0])
                losses.update(distill_loss(outputs, taught, args.distill_weight))
                losses["total"] = losses["total"] + losses["distill"]
            optimizer.zero_grad(set_to_none=True)
            losses["total"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            optimizer.step()
            schedule.step()
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach())
            bar.set_postfix(loss=f"{float(losses['total'].detach()):.3f}")
        row: dict[str, float] = {k: v / steps_per_epoch for k, v in sums.items()}
        row["epoch"] = epoch + 1
        row["seconds"] = round(time.monotonic() - started, 1)
        if val_set and ((epoch + 1) % args.eval_every == 0 or epoch + 1 == args.epochs):
            row.update(evaluate(model, val_set[: args.val_images], device))
        logger.info("epoch %s", json.dumps({k: round(v, 4) for k, v in row.items()}))
        with (out / "log.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(row) + "\n")
        if args.max_minutes and time.monotonic() - run_started > 60 * args.max_minutes:
            logger.warning("stopping after epoch %d: --max-minutes %s reached", epoch + 1,
                           args.max_minutes)  # fmt: skip
            stop = True
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "schedule": schedule.state_dict(), "epoch": epoch + 1,
                    "width": model.width, "pyramid": model.pyramid,
                    "fuse_level": model.fuse_level,
                    "frozen_norms": frozen_norms}, checkpoint)  # fmt: skip
        if stop:
            break
    from .export import export

    return export(model.cpu().to(memory_format=torch.contiguous_format), out / "detector.onnx",
                  INPUT_SCALE)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.train", description=__doc__)
    parser.add_argument("--data", type=Path, nargs="+", required=True,
                        help="dataset folders (each with labels.jsonl); a folder named "
                             "twice is seen twice as often")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="checkpoints, log and ONNX")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=384, help="training crop side (px)")
    parser.add_argument("--big-crop", type=int, default=0,
                        help="side of the crops of every --big-every-th batch (0: none), "
                             "fewer of them, so that elements larger than --crop are "
                             "seen whole (text views, editor panes); a multiple of 32")  # fmt: skip
    parser.add_argument("--big-every", type=int, default=4)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--width", type=int, default=32, help="network width (channels)")
    parser.add_argument("--pyramid", type=int, default=None,
                        help="channels of the pyramid and head at 1/4 resolution "
                             "(default twice --width)")  # fmt: skip
    parser.add_argument("--fuse-level", type=int, choices=FUSE_LEVELS, default=None,
                        help="the pyramid level of the fuse block: 4 (1/4 resolution) or 8 "
                             "(~5 ms less a 1920x1080 frame); default that of --init, or 4; "
                             "a model from --init with the other one has it moved")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for training")
    parser.add_argument("--eval-every", type=int, default=5)
    parser.add_argument("--val-images", type=int, default=100)
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="stop (and export) after the epoch that passes this time")  # fmt: skip
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this checkpoint's weights, or from an exported "
                             "detector.onnx such as the shipped one (fine-tuning)")  # fmt: skip
    parser.add_argument("--distill", type=Path, default=None,
                        help="a teacher detector (.onnx or checkpoint) whose outputs the "
                             "model also learns, beside the labels: e.g. the shipped one "
                             "for one cut from it (grounding.detector.prune)")  # fmt: skip
    parser.add_argument("--distill-weight", type=float, default=1.0)
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even with CUDA")
    parser.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = train(args)
    logger.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
