"""The icon dataset on disk: preprocessed crops as uint8 arrays, one file per split.

DIR/meta.json   meanings (class order, "none" last), input size, themes, seed
DIR/train.npz   x: uint8 (N, CHANNELS, S, S), y: int16 (N,)
DIR/val.npz     the same, for the held-out theme
DIR/preview.png a grid of training inputs, to look at
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .preprocess import CHANNELS


def encode(inputs: np.ndarray) -> np.ndarray:
    """Float model inputs (ink 0..1, tone -1..1) to uint8 for storage."""
    out = np.empty(inputs.shape, dtype=np.uint8)
    out[:, 0] = np.clip(np.rint(inputs[:, 0] * 255), 0, 255)
    out[:, 1] = np.clip(np.rint((inputs[:, 1] + 1) * 127.5), 0, 255)
    return out


def decode(stored: np.ndarray) -> np.ndarray:
    out = stored.astype(np.float32)
    out[:, 0] /= 255.0
    out[:, 1] = out[:, 1] / 127.5 - 1.0
    return out


@dataclass(frozen=True)
class IconDataset:
    meanings: tuple[str, ...]
    input_size: int
    x_train: np.ndarray  # uint8, encoded
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    meta: dict[str, Any]


def write_split(directory: Path, split: str, x: np.ndarray, y: np.ndarray) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{split}.npz"
    tmp = directory / f".{split}.tmp.npz"
    np.savez_compressed(tmp, x=x.astype(np.uint8), y=y.astype(np.int16))
    tmp.replace(path)
    return path


def write_meta(directory: Path, meta: dict[str, Any]) -> Path:
    path = directory / "meta.json"
    tmp = directory / ".meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_dataset(directory: Path) -> IconDataset:
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    with np.load(directory / "train.npz") as train, np.load(directory / "val.npz") as val:
        x_train, y_train = train["x"], train["y"].astype(np.int64)
        x_val, y_val = val["x"], val["y"].astype(np.int64)
    if x_train.ndim != 4 or x_train.shape[1] != CHANNELS:
        raise ValueError(
            f"{directory}: inputs of shape {x_train.shape}, want (N, {CHANNELS}, S, S)"
        )
    return IconDataset(
        tuple(meta["meanings"]), int(meta["input_size"]), x_train, y_train, x_val, y_val, meta
    )
