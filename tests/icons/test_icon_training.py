"""Data generation, training, resuming and export, end to end on a tiny vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from grounding.icons import NONE, IconRecognizer
from grounding.icons.data import generate
from grounding.icons.dataset import decode, encode, read_dataset
from grounding.icons.train import train

ONLY = ("document-save", "edit-find", "list-add", "window-close")  # vocabulary order


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("icons")
    generate(out, seed=3, per_class=12, val_per_class=3, only=ONLY)
    return out


def test_dataset_has_the_classes_and_a_none_class(dataset: Path) -> None:
    data = read_dataset(dataset)
    assert data.meanings == (*ONLY, NONE)
    assert data.x_train.shape[1:] == (2, 32, 32)
    assert sorted(set(data.y_train.tolist())) == list(range(len(ONLY) + 1))
    assert data.meta["val_theme"] not in data.meta["train_themes"]
    assert len(data.y_val) > 0
    assert (dataset / "preview.png").is_file()


def test_same_seed_same_data_other_seed_other_data(dataset: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", seed=3, per_class=12, val_per_class=3, only=ONLY)
    generate(tmp_path / "other", seed=4, per_class=12, val_per_class=3, only=ONLY)
    first, again = read_dataset(dataset), read_dataset(tmp_path / "again")
    other = read_dataset(tmp_path / "other")
    assert np.array_equal(first.x_train, again.x_train)
    assert np.array_equal(first.y_train, again.y_train)
    assert not np.array_equal(first.x_train, other.x_train)


def test_storage_encoding_round_trips() -> None:
    x = np.stack([np.linspace(0, 1, 2 * 32 * 32).reshape(2, 32, 32)]).astype(np.float32)
    x[:, 1] = x[:, 1] * 2 - 1
    assert np.abs(decode(encode(x)) - x).max() <= 1 / 255 + 1e-6


def test_train_resume_and_export(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "tiny.onnx"
    ckpt = tmp_path / "ckpt.pt"
    metrics = train(
        dataset, out, epochs=2, width=4, batch=16, threads=1, checkpoint=ckpt, fresh=True
    )
    assert metrics["epoch"] == 2
    assert 0.0 <= metrics["val_top1"] <= metrics["val_top5"] <= 1.0
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(meta["meanings"]) == [*ONLY, NONE]
    assert json.loads(meta["metrics"])["epoch"] == 2

    data = read_dataset(dataset)
    inputs = decode(data.x_val[:8])
    recognizer = IconRecognizer(out)
    assert recognizer.meanings == (*ONLY, NONE)
    first = recognizer._session.run(None, {"crops": inputs})[0]
    assert np.allclose(first.sum(axis=1), 1.0, atol=1e-5)

    # A finished checkpoint resumes to the same weights; a fresh run with the
    # same seed retrains to the same weights.
    train(
        dataset, tmp_path / "resumed.onnx", epochs=2, width=4, batch=16, threads=1, checkpoint=ckpt
    )
    resumed = IconRecognizer(tmp_path / "resumed.onnx")._session.run(None, {"crops": inputs})[0]
    assert np.allclose(first, resumed, atol=1e-6)
    train(dataset, tmp_path / "again.onnx", epochs=2, width=4, batch=16, threads=1,
          checkpoint=tmp_path / "ckpt2.pt", fresh=True)  # fmt: skip
    again = IconRecognizer(tmp_path / "again.onnx")._session.run(None, {"crops": inputs})[0]
    assert np.allclose(first, again, atol=1e-5)
    with pytest.raises(SystemExit, match="another run"):
        train(dataset, tmp_path / "x.onnx", epochs=3, width=4, batch=16, threads=1, checkpoint=ckpt)
