"""The UI-element detector expert: our ONNX model run with onnxruntime.

The model file carries its own contract in its metadata (class names, the
scale to run at), so a retrained model drops in without code changes.

Boxes of the classes that the greyed-out classifier (greyed_filter) applies
to have their scores multiplied by (1 - P(greyed out)) before the thresholds:
a greyed-out control is no target, and the detector alone finds it as
readily as its live twin.

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
from .codec import Detection, decode, prepare, suppress
from .greyed_filter import GreyedFilter
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
        greyed_model: Path | None = None,
        greyed: bool = True,
    ) -> None:
        """score_threshold: one cut-off for every class; None uses the per-class
        thresholds calibrated into the model (grounding.detector.calibrate), or
        DEFAULT_THRESHOLD for a model without them. greyed: lower the scores of
        greyed-out controls with the classifier at `greyed_model` (default: the
        shipped one; without it, a warning and no lowering)."""
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
        self.greyed: GreyedFilter | None = None
        if greyed:
            try:
                self.greyed = GreyedFilter(greyed_model, threads=1)
            except ExpertUnavailable as exc:
                logger.warning("detector without the greyed-out classifier: %s", exc)
        self._greyed_ids = frozenset(
            i for i, name in enumerate(self.classes) if self.greyed and name in self.greyed.classes
        )

    @property
    def score_threshold(self) -> float:
        """The lowest class threshold (what decoding starts from)."""
        return float(self.thresholds.min())

    def parse(self, image: Image.Image) -> list[Element]:
        array, back_x, back_y = prepare(image, self.scale)
        heat, size, offset = self._session.run(None, {"image": array})
        decoded = decode(heat[0], size[0], offset[0], self.score_threshold)
        decoded = self._lower_greyed(image, decoded, back_x, back_y)
        detections = suppress([d for d in decoded if d.score >= self.thresholds[d.cls]])
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

    def _lower_greyed(self, image: Image.Image, detections: list[Detection], back_x: float,
                      back_y: float) -> list[Detection]:  # fmt: skip
        """Scores of the greyed filter's classes times (1 - P(greyed out)), re-sorted."""
        judged = [i for i, d in enumerate(detections)
                  if d.cls in self._greyed_ids and d.score >= self.thresholds[d.cls]]  # fmt: skip
        if self.greyed is None or not judged:
            return detections
        boxes = [(d.left * back_x, d.top * back_y, d.right * back_x, d.bottom * back_y)
                 for d in (detections[i] for i in judged)]  # fmt: skip
        rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
        greyed = self.greyed.probabilities(rgb, boxes)
        out = list(detections)
        for i, p in zip(judged, greyed, strict=True):
            d = out[i]
            out[i] = Detection(d.left, d.top, d.right, d.bottom, d.cls, d.score * (1.0 - float(p)))
        return sorted(out, key=lambda d: -d.score)
