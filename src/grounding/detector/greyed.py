"""Train the greyed-out control classifier: `python -m grounding.detector.greyed --data DIR...`.

A greyed-out (insensitive) control looks like its live twin, only paler, and
is no target: the accessibility tree leaves it out, and an agent must not
click it. The detector alone finds both (on gtk3-widget-factory's first page
about half of its isolated false positives are such twins). This small CNN
looks at one detected box at full resolution and says how likely it is
greyed out; OnnxDetector multiplies the box's score by (1 - that).

Data: the GTK datasets of `bench.gtk_train_set`, which record their greyed
controls (`"greyed"` in labels.jsonl) beside the live ones (the labels).
Held out: every 10th seed, as the detector's training does. The classifier
only applies to classes whose live controls it calls greyed at most
MAX_FALSE_GREYED of the time on the held-out images (an empty entry or a
pale slider looks greyed out), and on every image of the --unseen sets
(images it never trains on: GTK screenshots built apart from training, as
calibration uses, and the synthetic Qt and web pages; there, styled live web
checkboxes and a GTK colour chooser's pale swatches, which are radio buttons
to GTK, look greyed out too often): they go into the model's metadata, and
OnnxDetector reads them from there.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from grounding.onnx_model import write_metadata

from .dataset import read_dataset
from .greyed_filter import CLASSES_KEY, CROP_HEIGHT, CROP_KEY, CROP_WIDTH, MARGIN, crop_boxes

logger = logging.getLogger(__name__)

CANDIDATE_CLASSES = ("button", "text_field", "checkbox", "radio", "dropdown", "slider", "toggle")
MAX_FALSE_GREYED = 0.01  # of held-out live controls of a class, called greyed at p > 0.5
MIN_HELD_OUT = 20  # live controls of a class needed to judge it
LIVE_PER_IMAGE_WITHOUT_GREYED = 3  # images without greyed controls add only a few live ones
JITTER, JITTER_PX = 0.1, 3.0  # how far a jittered training box's edges move (`jittered`)


def jittered(box: tuple[float, float, float, float], rng: np.random.Generator,
             ) -> tuple[float, float, float, float]:  # fmt: skip
    """`box` with each edge moved by up to JITTER of its side (at least JITTER_PX):
    at run time the classifier sees the detector's boxes, which sit a few pixels
    off the truth, and a different detector puts them elsewhere again."""
    left, top, right, bottom = box
    dx = max(JITTER * (right - left), JITTER_PX)
    dy = max(JITTER * (bottom - top), JITTER_PX)
    moved = np.asarray(box, np.float64) + rng.uniform(-1, 1, 4) * (dx, dy, dx, dy)
    if moved[2] - moved[0] < 4 or moved[3] - moved[1] < 4:
        return box
    return float(moved[0]), float(moved[1]), float(moved[2]), float(moved[3])


def collect(folders: list[Path], every_live: bool = False, jitter: int = 0, seed: int = 0,
            ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:  # fmt: skip
    """(crops N x H x W x 3 uint8, greyed 0/1, class of each crop or "greyed", held-out mask);
    `every_live`: all live controls of every image (to judge, not to train); `jitter`:
    that many more crops of each training box (not held-out ones), its edges moved."""
    crops, greyed, classes, held_out = [], [], [], []
    rng = np.random.default_rng(seed)
    for folder in folders:
        for record in read_dataset(folder, teacher=False):
            live = [b for b in record.boxes if b.cls in CANDIDATE_CLASSES]
            if not record.greyed and not every_live:
                live = live[:LIVE_PER_IMAGE_WITHOUT_GREYED]
            if not live and not record.greyed:
                continue
            boxes = [(float(b.left), float(b.top), float(b.right), float(b.bottom)) for b in live]
            boxes += [(float(g[0]), float(g[1]), float(g[2]), float(g[3])) for g in record.greyed]
            first = len(boxes)
            kind = [b.cls for b in live] + ["greyed"] * len(record.greyed)
            if record.seed % 10 != 0:
                boxes += [jittered(box, rng) for box in boxes[:first] for _ in range(jitter)]
                kind += [k for k in kind[:first] for _ in range(jitter)]
            image = np.asarray(record.load().convert("RGB"))
            for crop, i in zip(*crop_boxes(image, boxes), strict=True):
                crops.append(crop)
                greyed.append(int(kind[i] == "greyed"))
                classes.append(kind[i])
                held_out.append(record.seed % 10 == 0)
    if not crops:
        raise SystemExit(
            f"no labelled controls in {', '.join(map(str, folders))}: build GTK data with "
            "`python -m bench.gtk_train_set` (it records greyed-out controls)"
        )
    return np.stack(crops), np.asarray(greyed), classes, np.asarray(held_out)


class GreyedNet(nn.Module):
    """uint8 N x H x W x 3 crops in, P(greyed out) out."""

    def __init__(self) -> None:
        super().__init__()

        def conv(cin: int, cout: int, stride: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True))  # fmt: skip

        self.body = nn.Sequential(
            conv(3, 16, 1), conv(16, 24, 2), conv(24, 32, 2), conv(32, 48, 2), conv(48, 64, 2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2),
        )  # fmt: skip

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x 3 x H x W in [0, 1]."""
        return self.body(x)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        x = crops.permute(0, 3, 1, 2).float() / 255.0
        return torch.softmax(self.logits(x), dim=1)[:, 1]


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Mirror, invert (dark themes), contrast and brightness jitter; x in [0, 1]."""
    n = len(x)
    if torch.rand(1, generator=gen).item() < 0.5:
        x = x.flip(3)
    inverted = torch.rand(n, generator=gen) < 0.15
    x = torch.where(inverted[:, None, None, None], 1 - x, x)
    contrast = torch.empty(n, 1, 1, 1).uniform_(0.8, 1.2, generator=gen)
    shift = torch.empty(n, 1, 1, 1).uniform_(-0.08, 0.08, generator=gen)
    return (x - 0.5) * contrast + 0.5 + shift


def train(crops: np.ndarray, greyed: np.ndarray, epochs: int, seed: int,
          batch: int = 64) -> GreyedNet:  # fmt: skip
    from tqdm import tqdm

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = GreyedNet()
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
    y = torch.from_numpy(greyed).long()
    steps = max(1, epochs * (len(x) // batch))
    optimizer = torch.optim.AdamW(net.parameters(), 3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 3e-3, total_steps=steps)
    net.train()
    bar = tqdm(total=steps, desc="greyed classifier", file=sys.stderr, leave=False)
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x) - batch + 1, batch):
            idx = order[start : start + batch]
            loss = nn.functional.cross_entropy(net.logits(_augment(x[idx], gen)), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.update()
            bar.set_postfix(epoch=epoch + 1, loss=f"{float(loss.detach()):.3f}")
    bar.close()
    return net.eval()


@torch.no_grad()
def judge(net: GreyedNet, crops: np.ndarray, greyed: np.ndarray, classes: list[str],
          vetoes: dict[str, dict[str, float]] | None = None,
          ) -> tuple[dict[str, dict[str, float]], list[str]]:  # fmt: skip
    """Per class of held-out crops ("greyed" for the greyed-out ones): how often
    p > 0.5, and the accuracy over all; and the classes to apply the model to."""
    p = net(torch.from_numpy(crops)).numpy() if len(crops) else np.zeros(0)
    names = np.asarray(classes)
    report: dict[str, dict[str, float]] = {}
    for name in sorted(set(classes)):
        mine = names == name
        report[name] = {"count": int(mine.sum()), "called_greyed": float((p[mine] > 0.5).mean())}
    chosen = [c for c in CANDIDATE_CLASSES if c in report
              and report[c]["count"] >= MIN_HELD_OUT
              and report[c]["called_greyed"] <= MAX_FALSE_GREYED]  # fmt: skip
    for name, row in (vetoes or {}).items():
        if (
            name in chosen
            and row["count"] >= MIN_HELD_OUT
            and row["called_greyed"] > MAX_FALSE_GREYED
        ):
            chosen.remove(name)
    if len(p):
        report["all"] = {"count": len(p), "accuracy": float(((p > 0.5) == greyed).mean())}
    return report, chosen


def export(net: GreyedNet, path: Path, classes: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(2, CROP_HEIGHT, CROP_WIDTH, 3, dtype=torch.uint8)
    torch.onnx.export(net.eval(), (example,), str(path), input_names=["crops"],
                      output_names=["greyed"], dynamic_axes={"crops": {0: "n"}, "greyed": {0: "n"}},
                      opset_version=17, dynamo=False)  # fmt: skip
    crop = json.dumps([CROP_HEIGHT, CROP_WIDTH, MARGIN])
    return write_metadata(path, {CLASSES_KEY: json.dumps(classes), CROP_KEY: crop})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grounding.detector.greyed",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--data", type=Path, nargs="+", required=True,
                        help="GTK dataset folders (bench.gtk_train_set), which record "
                        "greyed-out controls")  # fmt: skip
    parser.add_argument("--unseen", type=Path, nargs="*", default=[],
                        help="datasets it never trains on (GTK screenshots with another seed, "
                        "the synthetic Qt and web pages): a class whose live controls there are "
                        "called greyed too often is left out")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="the ONNX file to write")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--jitter", type=int, default=0,
                        help="more crops of each training box, its edges moved by up to "
                        f"{JITTER:.0%} of its side (or {JITTER_PX:.0f} px), since at run time "
                        "the boxes are the detector's, not the truth (default 0: the truth "
                        "boxes only, as the shipped model was trained)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    crops, greyed, classes, held_out = collect(args.data, jitter=args.jitter, seed=args.seed)
    if not greyed[~held_out].any():
        raise SystemExit("no greyed-out control in the training images: build the GTK data "
                         "with today's bench.gtk_train_set, which records them")  # fmt: skip
    logger.info("%d crops (%d greyed out), %d held out", len(crops), int(greyed.sum()),
                int(held_out.sum()))  # fmt: skip
    net = train(crops[~held_out], greyed[~held_out], args.epochs, args.seed)
    vetoes = None
    if args.unseen:
        u_crops, u_greyed, u_classes, _ = collect(args.unseen, every_live=True)
        vetoes, _ = judge(net, u_crops, u_greyed, u_classes)
        logger.info("unseen: %s", json.dumps(vetoes))
    report, chosen = judge(net, crops[held_out], greyed[held_out],
                           [c for c, h in zip(classes, held_out, strict=True) if h],
                           vetoes)  # fmt: skip
    logger.info("held out: %s", json.dumps(report))
    logger.info("applies to: %s", ", ".join(chosen) or "no class")
    path = export(net, args.out, chosen)
    logger.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
