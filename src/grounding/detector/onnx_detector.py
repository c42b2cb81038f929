"""The UI-element detector expert: our ONNX model run with onnxruntime.

The model file carries its own contract in its metadata (class names, the
scale to run at), so a retrained model drops in without code changes.

A table's empty cells are added from the grid its sure cells draw
(`tables.complete_tables`), within the image parsed: when IncrementalExpert
re-parses only a changed region, the grid is the one its crop shows, so an
empty cell there is completed only if the crop holds enough of its table.
"""

from __future__ import annotations

import json
import logging
import os
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

from grounding.errors import ExpertUnavailable
from grounding.onnx_model import open_session
from grounding.types import Box, Element

from .calibrate import DEFAULT_THRESHOLD, METADATA_KEY
from .codec import decode, prepare, suppress
from .tables import complete_tables

logger = logging.getLogger(__name__)

MODEL_FILE = "detector.onnx"


def default_model_path() -> Path:
    return Path(str(resources.files("grounding.detector") / "models" / MODEL_FILE))


class OnnxDetector:
    """Finds interactive elements (buttons, fields, checkboxes, ...) in a screenshot."""

    name = "detector"

    def __init__(
        self,
        model_path: Path | None = None,
        score_threshold: float | None = None,
        threads: int | None = None,
    ) -> None:
        """score_threshold: one cut-off for every class; None uses the per-class
        thresholds calibrated into the model (grounding.detector.calibrate), or
        DEFAULT_THRESHOLD for a model without them."""
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise ExpertUnavailable(
                f"detector model {path} not found: reinstall desktop-agent, or train one with "
                "`python -m grounding.detector.train` (see README, developer section)"
            )
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._session, meta = open_session(path, self.threads)
        try:
            self.classes: tuple[str, ...] = tuple(json.loads(meta["classes"]))
            self.scale = float(meta["input_scale"])
        except (KeyError, ValueError) as exc:
            raise ExpertUnavailable(
                f"{path} is not a desktop-agent detector model (metadata 'classes' and "
                "'input_scale' missing)"
            ) from exc
        calibrated = np.full(len(self.classes), DEFAULT_THRESHOLD, np.float32)
        if METADATA_KEY in meta:
            by_name = json.loads(meta[METADATA_KEY])
            for i, name in enumerate(self.classes):
                calibrated[i] = float(by_name.get(name, DEFAULT_THRESHOLD))
        self.thresholds = calibrated.copy()
        if score_threshold is not None:
            self.thresholds[:] = score_threshold
        # Table cells that draw the grid whose empty cells are completed: the
        # calibrated cut-off, whatever this instance decodes at, so that a
        # low-threshold pass (the bench's AP ranking) completes the same cells.
        self._cell_class = self.classes.index("list_item") if "list_item" in self.classes else -1
        self._sure_cell = float(calibrated[self._cell_class]) if self._cell_class >= 0 else 1.0
        self.model_path = path

    @property
    def score_threshold(self) -> float:
        """The lowest class threshold (what decoding starts from)."""
        return float(self.thresholds.min())

    def parse(self, image: Image.Image) -> list[Element]:
        array, back_x, back_y = prepare(image, self.scale)
        heat, size, offset = self._session.run(None, {"image": array})
        detections = suppress(
            [d for d in decode(heat[0], size[0], offset[0], self.score_threshold)
             if d.score >= self.thresholds[d.cls]]
        )  # fmt: skip
        if self._cell_class >= 0:
            detections = complete_tables(detections, self._cell_class, self._sure_cell)
        elements = []
        for det in detections:
            left = max(0, round(det.left * back_x))
            top = max(0, round(det.top * back_y))
            right = min(image.width, round(det.right * back_x))
            bottom = min(image.height, round(det.bottom * back_y))
            if right - left < 2 or bottom - top < 2:
                continue
            elements.append(
                Element(Box(left, top, right, bottom), role=self.classes[det.cls],
                        source=self.name, score=round(det.score, 4))
            )  # fmt: skip
        logger.debug("detector: %d elements", len(elements))
        return elements
