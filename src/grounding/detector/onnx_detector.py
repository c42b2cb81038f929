"""The UI-element detector expert: our ONNX model run with onnxruntime.

The model file carries its own contract in its metadata (class names, the
scale to run at), so a retrained model drops in without code changes.

Boxes of the classes that the greyed-out classifier (greyed_filter) applies
to have their scores multiplied by (1 - P(greyed out)) before the thresholds:
a greyed-out control is no target, and the detector alone finds it as
readily as its live twin.

Then the box verifier (verifier.BoxVerifier) looks at every candidate the
detector scored at least its candidate threshold, and the score becomes
sqrt(detector score x the verifier's P(class)), or the detector score times
(the pair's threshold / the detector's own) where that is more: a box the
detector alone would return stays, so the verifier adds boxes and reorders
them but never takes one away. It also moves each box by the edge shifts it
predicts (where the element really is), after which boxes of one class are
suppressed again, since two may now lie on one element. The per-class
thresholds of a detector with a verifier are the verifier's (calibrated for
the pair). Without the verifier file, a warning, and the detector's own
scores and thresholds.

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
from .codec import Detection, QuantizedHead, decode, decode_quantized, prepare, suppress
from .greyed_filter import GreyedFilter
from .tables import complete_tables
from .verifier import BoxVerifier, refine_boxes

logger = logging.getLogger(__name__)

PixelBox = tuple[int, int, int, int]  # left, top, right, bottom in image pixels
MODEL_FILE = "detector.onnx"  # float: what training and calibration read
QUANTIZED_FILE = "detector-int8.onnx"  # made from it by grounding.detector.quantize


def default_model_path(quantized: bool = True) -> Path:
    """The shipped detector: its 8-bit twin (the graph ~28 % faster a frame, the same
    thresholds) where the package has one and `quantized`, else the float model."""
    models = resources.files("grounding.detector") / "models"
    if quantized and (models / QUANTIZED_FILE).is_file():
        return Path(str(models / QUANTIZED_FILE))
    return Path(str(models / MODEL_FILE))


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
        verifier_model: Path | None = None,
        verifier: bool = True,
        keep_detector_boxes: bool = True,
    ) -> None:
        """model_path: default the shipped 8-bit detector (default_model_path), paired
        with the shipped verifier. score_threshold: one cut-off for every class;
        None uses the per-class thresholds calibrated into the model
        (grounding.detector.calibrate), or DEFAULT_THRESHOLD for a model without
        them. greyed: lower the scores of greyed-out controls with the classifier
        at `greyed_model` (default: the shipped one; without it, a warning and no
        lowering). verifier: rescore the candidates with the box verifier at
        `verifier_model` (default: the shipped one, for the shipped detector only;
        without it, a warning and the detector's own scores). keep_detector_boxes:
        a box the detector alone returns stays (False: the verifier's scores alone,
        which is what `calibrate --verifier` chooses the pair's thresholds on)."""
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
        # An 8-bit model ends in its head's bytes, read in numpy (codec.decode_quantized).
        self._head = QuantizedHead.from_metadata(meta)
        self._heat_table = self._head.heat_table() if self._head is not None else None
        outputs = [(o.name, o.shape) for o in self._session.get_outputs()]
        expected = 1 if self._head is not None else 3
        if len(outputs) != expected:
            raise ExpertUnavailable(
                f"{path}: {len(outputs)} outputs {outputs}, not the {expected} of a "
                "desktop-agent detector: re-export or requantize it (README, developer section)"
            )
        calibrated = np.full(len(self.classes), DEFAULT_THRESHOLD, np.float32)
        if METADATA_KEY in meta:
            by_name = json.loads(meta[METADATA_KEY])
            for i, name in enumerate(self.classes):
                calibrated[i] = float(by_name.get(name, DEFAULT_THRESHOLD))
        self.verifier: BoxVerifier | None = None
        if verifier and model_path is not None and verifier_model is None:
            # A verifier learns one detector's candidates: the shipped one goes
            # with the shipped detector (by default, its 8-bit twin) only.
            logger.info("detector %s without a box verifier (pass verifier_model to pair one)",
                        path)  # fmt: skip
        elif verifier:
            try:
                self.verifier = self._open_verifier(verifier_model)
            except ExpertUnavailable as exc:
                logger.warning("detector without the box verifier: %s", exc)
        # The detector's own cut-offs (what greyed-out judging and table
        # completion work on), and the final ones, on the scores parse() returns.
        self._stage_one = calibrated.copy()
        if self.verifier is not None:
            self._stage_one[:] = self.verifier.floor
            final = np.asarray([float(self.verifier.thresholds.get(name, DEFAULT_THRESHOLD))
                                for name in self.classes], np.float32)  # fmt: skip
        else:
            final = calibrated.copy()
        self.thresholds = final.copy()
        if score_threshold is not None:
            self.thresholds[:] = score_threshold
            if self.verifier is None:
                self._stage_one[:] = score_threshold
        # A box the detector alone would return stays (scored at least the pair's
        # threshold): the verifier adds boxes and reorders them, and never takes
        # one away, since a missed element cannot be grounded at all.
        self._keep_factor = np.zeros(len(self.classes), np.float32)
        if self.verifier is not None:
            if keep_detector_boxes:
                self._keep_factor = (final / np.maximum(calibrated, 1e-6)).astype(np.float32)
            # max(sqrt(score x P), score x factor) >= t needs score >= t^2 (P <= 1)
            # or more: a candidate under that can never pass, nor need be looked at.
            self._stage_one = np.maximum(self._stage_one, self.thresholds**2)
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

    def _open_verifier(self, path: Path | None) -> BoxVerifier:
        verifier = BoxVerifier(path, threads=self.threads)
        if verifier.classes != self.classes:
            raise ExpertUnavailable(
                f"box verifier {verifier.model_path} was trained for classes "
                f"{list(verifier.classes)}, not this detector's {list(self.classes)}: retrain it "
                "with `python -m grounding.detector.verifier_train`"
            )
        return verifier

    @property
    def score_threshold(self) -> float:
        """The lowest class threshold on the scores parse() returns."""
        return float(self.thresholds.min())

    def parse(self, image: Image.Image) -> list[Element]:
        # The pixels once: each PIL-to-numpy conversion copies the frame (~2 ms).
        rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
        array, back_x, back_y = prepare(rgb, self.scale)
        outputs = self._session.run(None, {"image": array})
        floor = float(self._stage_one.min())
        if self._head is not None:
            decoded = decode_quantized(outputs[0][0], self._head, floor, table=self._heat_table)
        else:
            heat, size, offset = outputs
            decoded = decode(heat[0], size[0], offset[0], floor)
        decoded = self._lower_greyed(rgb, decoded, back_x, back_y)
        detections = suppress([d for d in decoded if d.score >= self._stage_one[d.cls]])
        if self._cell_class >= 0:
            detections = complete_tables(detections, self._cell_class, self._sure_cell)
        boxes, kept = self._to_image(detections, back_x, back_y, image.width, image.height)
        if self.verifier is not None and kept:
            kept = self._verified(rgb, boxes, kept, image.width, image.height)
            boxes = [(round(d.left), round(d.top), round(d.right), round(d.bottom)) for d in kept]
        elements = [
            Element(Box(*box), role=self.classes[det.cls], source=self.name,
                    score=round(det.score, 4))
            for box, det in zip(boxes, kept, strict=True)
            if det.score >= self.thresholds[det.cls]
        ]  # fmt: skip
        elements.sort(key=lambda e: -e.score)
        logger.debug("detector: %d elements", len(elements))
        return elements

    @staticmethod
    def _to_image(detections: list[Detection], back_x: float, back_y: float, width: int,
                  height: int) -> tuple[list[PixelBox], list[Detection]]:  # fmt: skip
        """The boxes in image pixels (rounded half to even, as round() does; clipped to the
        frame) of the detections at least 2 px a side there, and those detections."""
        if not detections:
            return [], []
        edges = np.asarray([(d.left, d.top, d.right, d.bottom) for d in detections], np.float64)
        edges *= np.asarray([back_x, back_y, back_x, back_y])
        pixels = np.rint(edges).astype(np.int64)
        np.clip(pixels, 0, [width, height, width, height], out=pixels)
        big = (pixels[:, 2] - pixels[:, 0] >= 2) & (pixels[:, 3] - pixels[:, 1] >= 2)
        boxes = [(a, b, c, d) for a, b, c, d in pixels[big].tolist()]
        return boxes, [det for det, keep in zip(detections, big.tolist(), strict=True) if keep]

    def _verified(self, rgb: np.ndarray, boxes: list[PixelBox],
                  detections: list[Detection], width: int,
                  height: int) -> list[Detection]:  # fmt: skip
        """The boxes (image pixels) rescored to sqrt(detector score x the verifier's
        P(the detector's class)), or the detector score x the class's keep factor where
        that is more; moved by the verifier's edge shifts (where it refines), and
        suppressed again per class, since two boxes may now lie on one element."""
        assert self.verifier is not None
        cls = np.asarray([d.cls for d in detections], np.int64)
        det_scores = np.asarray([d.score for d in detections], np.float32)
        probs, shifts = self.verifier.judge(rgb, boxes, cls, det_scores)
        paired = np.sqrt(det_scores * probs[np.arange(len(cls)), cls])
        scores = np.maximum(paired, det_scores * self._keep_factor[cls])
        moved = refine_boxes(np.asarray(boxes, np.float64), shifts)
        moved[:, 0::2] = np.clip(moved[:, 0::2], 0, width)
        moved[:, 1::2] = np.clip(moved[:, 1::2], 0, height)
        keep = (moved[:, 2] - moved[:, 0] >= 2) & (moved[:, 3] - moved[:, 1] >= 2)
        # Python numbers from whole arrays: row by row, numpy took ~1 ms a busy frame.
        left, top, right, bottom = moved[keep].T.tolist()
        rows = zip(left, top, right, bottom, cls[keep].tolist(),
                   scores[keep].astype(np.float64).tolist(), strict=True)  # fmt: skip
        out = [Detection(*row) for row in rows]
        if not self.verifier.refines:
            return out
        return suppress(sorted(out, key=lambda d: -d.score))

    def _lower_greyed(self, rgb: np.ndarray, detections: list[Detection], back_x: float,
                      back_y: float) -> list[Detection]:  # fmt: skip
        """Scores of the greyed filter's classes times (1 - P(greyed out)), re-sorted."""
        judged = [i for i, d in enumerate(detections)
                  if d.cls in self._greyed_ids and d.score >= self._stage_one[d.cls]]  # fmt: skip
        if self.greyed is None or not judged:
            return detections
        boxes = [(d.left * back_x, d.top * back_y, d.right * back_x, d.bottom * back_y)
                 for d in (detections[i] for i in judged)]  # fmt: skip
        greyed = self.greyed.probabilities(rgb, boxes)
        out = list(detections)
        for i, p in zip(judged, greyed, strict=True):
            d = out[i]
            out[i] = Detection(d.left, d.top, d.right, d.bottom, d.cls, d.score * (1.0 - float(p)))
        return sorted(out, key=lambda d: -d.score)
