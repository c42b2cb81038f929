"""Train the icon recognizer on a dataset from grounding.icons.data, then export it.

`python -m grounding.icons.train --data DIR --out MODEL.onnx [--epochs N] [--seed S]`

CPU, two threads by default (the machine is shared; when another process
keeps a core busy, --threads 1 is much faster than 2). Seeded: the same data
and seed give the same model. Resumable: a checkpoint is written after every
epoch (DIR/checkpoint.pt unless --checkpoint) and picked up by the next run
unless --fresh. Logs loss and top-1/top-5 accuracy on the held-out theme
("val") and on a slice of the training themes kept out of training ("seen").
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from .dataset import IconDataset, decode, read_dataset
from .export import export
from .model import IconNet

logger = logging.getLogger(__name__)

SEEN_SHARE = 0.03  # training-theme samples kept out to measure fit on seen styles


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Small random shifts and scales (the crop's tight box is never exact); no flips:
    go-next mirrored is go-previous."""
    n = x.shape[0]
    scale = 1.0 + (torch.rand(n, generator=generator) - 0.5) * 0.2
    shift = (torch.rand(n, 2, generator=generator) - 0.5) * 0.16
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)
    gain = 0.8 + 0.2 * torch.rand(n, 1, 1, 1, generator=generator)
    return out * gain


@torch.no_grad()
def evaluate(
    net: IconNet, x: np.ndarray, y: np.ndarray, batch: int = 512, device: str = "cpu"
) -> dict[str, float]:
    if len(y) == 0:
        return {"loss": float("nan"), "top1": float("nan"), "top5": float("nan"), "n": 0}
    net.eval()
    loss = top1 = top5 = 0.0
    for start in range(0, len(y), batch):
        xb = torch.from_numpy(decode(x[start : start + batch])).to(device)
        yb = torch.from_numpy(y[start : start + batch]).to(device)
        logits = net(xb)
        loss += float(F.cross_entropy(logits, yb, reduction="sum"))
        ranked = logits.topk(5, dim=1).indices
        top1 += float((ranked[:, 0] == yb).sum())
        top5 += float((ranked == yb[:, None]).any(dim=1).sum())
    n = len(y)
    return {"loss": loss / n, "top1": top1 / n, "top5": top5 / n, "n": n}


def _split_seen(data: IconDataset, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng([seed, 7]).permutation(len(data.y_train))
    cut = int(len(order) * SEEN_SHARE)
    return np.sort(order[cut:]), np.sort(order[:cut])


def train(
    data_dir: Path,
    out: Path,
    *,
    epochs: int = 14,
    seed: int = 0,
    width: int = 24,
    batch: int = 128,
    lr: float = 3e-3,
    threads: int = 2,
    checkpoint: Path | None = None,
    fresh: bool = False,
    device: str = "cpu",
) -> dict[str, Any]:
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    data = read_dataset(data_dir)
    meanings = list(data.meanings)
    train_idx, seen_idx = _split_seen(data, seed)
    net = IconNet(len(meanings), width).to(device)
    steps_per_epoch = (len(train_idx) + batch - 1) // batch
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.15
    )
    ckpt = checkpoint or data_dir / "checkpoint.pt"
    start_epoch, metrics = 0, {}
    if ckpt.is_file() and not fresh:
        state = torch.load(ckpt, map_location=device, weights_only=False)
        if state["meanings"] != meanings or state["width"] != width or state["epochs"] != epochs:
            raise SystemExit(f"{ckpt} is from another run (classes/width/epochs); pass --fresh")
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        start_epoch, metrics = int(state["epoch"]) + 1, state["metrics"]
        logger.info("resuming from %s after epoch %d", ckpt, start_epoch)
    for epoch in range(start_epoch, epochs):
        net.train()
        order = train_idx[np.random.default_rng([seed, epoch]).permutation(len(train_idx))]
        generator = torch.Generator().manual_seed(seed * 1000 + epoch)
        total, began = 0.0, time.monotonic()
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{epochs}", file=sys.stderr)
        for step in bar:
            rows = np.sort(order[step * batch : (step + 1) * batch])
            xb = augment(torch.from_numpy(decode(data.x_train[rows])), generator).to(device)
            yb = torch.from_numpy(data.y_train[rows]).to(device)
            loss = F.cross_entropy(net(xb), yb, label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item()
            if step % 20 == 0:
                bar.set_postfix(loss=f"{total / (step + 1):.3f}")
        val = evaluate(net, data.x_val, data.y_val, device=device)
        seen = evaluate(net, data.x_train[seen_idx], data.y_train[seen_idx], device=device)
        metrics = {
            "epoch": epoch + 1, "train_loss": round(total / steps_per_epoch, 4),
            "val_theme": data.meta.get("val_theme"), "val_top1": round(val["top1"], 4),
            "val_top5": round(val["top5"], 4), "val_loss": round(val["loss"], 4),
            "seen_top1": round(seen["top1"], 4), "seen_top5": round(seen["top5"], 4),
            "seconds": round(time.monotonic() - began, 1),
        }  # fmt: skip
        logger.info(
            "epoch %d: loss %.3f | val (%s) top1 %.3f top5 %.3f | seen top1 %.3f top5 %.3f | %ss",
            epoch + 1, metrics["train_loss"], metrics["val_theme"], val["top1"], val["top5"],
            seen["top1"], seen["top5"], metrics["seconds"],
        )  # fmt: skip
        state = {
            "model": net.state_dict(), "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(), "epoch": epoch, "epochs": epochs,
            "meanings": meanings, "width": width, "seed": seed, "metrics": metrics,
        }  # fmt: skip
        tmp = ckpt.with_name(f".{ckpt.name}.tmp")
        torch.save(state, tmp)
        tmp.replace(ckpt)
    extra = {
        "metrics": metrics,
        "train_themes": data.meta.get("train_themes", []),
        "val_theme": str(data.meta.get("val_theme", "")),
    }
    path = export(net.cpu(), meanings, out, input_size=data.input_size, extra=extra)
    logger.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.icons.train", description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=24, help="channels of the first stage")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint", type=Path, help="default: DATA/checkpoint.pt")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--device", default="cpu", help="torch device (cpu is the recipe)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    train(
        args.data, args.out, epochs=args.epochs, seed=args.seed, width=args.width,
        batch=args.batch, lr=args.lr, threads=args.threads, checkpoint=args.checkpoint,
        fresh=args.fresh, device=args.device,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
