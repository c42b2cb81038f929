"""Recognise what icon crops mean: our ONNX model run with onnxruntime (numpy only).

The model file carries its contract in its metadata (the meanings in output
order, input size, preprocessing version), so a retrained model drops in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from grounding.errors import ExpertUnavailable
from grounding.onnx_model import open_session

from .preprocess import CHANNELS, PREPROCESS_VERSION, prepare_batch

logger = logging.getLogger(__name__)

MODEL_FILE = "icons.onnx"
_BATCH = 64


def default_model_path() -> Path:
    return Path(str(resources.files("grounding.icons") / "models" / MODEL_FILE))


class IconRecognizer:
    """Maps crops of icons (or icon buttons) to meanings with probabilities."""

    def __init__(self, model_path: Path | None = None, threads: int | None = None) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise ExpertUnavailable(
                f"icon model {path} not found: reinstall desktop-agent, or build one with "
                "`python -m grounding.icons.data --out DIR` then "
                "`python -m grounding.icons.train --data DIR --out MODEL.onnx`"
            )
        # One thread: the model is tiny, and a second thread only waits on a busy core.
        self._session, meta = open_session(path, threads or 1)
        try:
            self.meanings: tuple[str, ...] = tuple(json.loads(meta["meanings"]))
            self.input_size = int(meta["input_size"])
            channels = int(meta.get("channels", CHANNELS))
        except (KeyError, ValueError) as exc:
            raise ExpertUnavailable(
                f"{path} is not a desktop-agent icon model (metadata 'meanings' and "
                "'input_size' missing)"
            ) from exc
        if channels != CHANNELS or meta.get("preprocess", PREPROCESS_VERSION) != PREPROCESS_VERSION:
            raise ExpertUnavailable(
                f"{path} expects preprocessing v{meta.get('preprocess')} with {channels} "
                f"channels; this code makes v{PREPROCESS_VERSION} with {CHANNELS}: retrain it"
            )
        self.metadata: dict[str, Any] = dict(meta)
        self.model_path = path
        self._input = self._session.get_inputs()[0].name

    @classmethod
    def default(cls) -> IconRecognizer:
        """The model shipped in the package (loaded once per process)."""
        return _default_recognizer()

    def probabilities(self, crops: Sequence[Image.Image]) -> np.ndarray:
        """Float32 (N, len(meanings)): each row sums to one."""
        if not crops:
            return np.zeros((0, len(self.meanings)), dtype=np.float32)
        rows = []
        for start in range(0, len(crops), _BATCH):
            batch = prepare_batch(list(crops[start : start + _BATCH]), self.input_size)
            (probs,) = self._session.run(None, {self._input: batch})
            rows.append(np.asarray(probs, dtype=np.float32))
        return np.concatenate(rows)

    def recognize(
        self, crops: Sequence[Image.Image], top_k: int = 5
    ) -> list[list[tuple[str, float]]]:
        """For each crop, its top_k meanings, most probable first, with probabilities.

        "none" is among the meanings: the crop shows text or nothing.
        """
        probs = self.probabilities(crops)
        k = max(1, min(top_k, len(self.meanings)))
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [
            [(self.meanings[int(i)], float(row[int(i)])) for i in idx]
            for row, idx in zip(probs, order, strict=True)
        ]


@cache
def _default_recognizer() -> IconRecognizer:
    return IconRecognizer()
