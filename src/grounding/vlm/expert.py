"""The VLM expert: a multimodal chat model points at a description or picks a mark.

Coordinates mode (`point`) suits grounding models (UI-TARS, Qwen-VL) that
answer a point, absolute or in a 0-1000 frame. Set-of-marks mode (`choose`)
works with any multimodal chat model: our candidates are drawn as numbered
boxes and the model answers a number. Any answer that cannot be used raises
a `VlmBadAnswer` quoting the model; a guess is never returned as a point.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from PIL import Image

from grounding.types import Box, Element, GroundingResult

from . import prompts
from .client import (
    FittedImage,
    Usage,
    VlmBadAnswer,
    VlmClient,
    VlmConfig,
    fit_image,
    quote_answer,
)
from .marks import draw_marks
from .parse import ParsedPoint, parse_mark, parse_point

logger = logging.getLogger(__name__)

VALID_ANSWER_CONFIDENCE = 0.9
MAX_MARKS = 60
# How far past the edge (in the model's frame) an answer may land and still be clamped.
EDGE_SLACK = 0.01


class VlmGrounder:
    """A `VlmExpert` over an OpenAI-compatible endpoint; counts calls and tokens."""

    name = "vlm"

    def __init__(
        self,
        client: VlmClient | VlmConfig,
        *,
        confidence: float = VALID_ANSWER_CONFIDENCE,
        max_marks: int = MAX_MARKS,
    ) -> None:
        self.client = client if isinstance(client, VlmClient) else VlmClient(client)
        self.confidence = confidence
        self.max_marks = max_marks
        self._lock = threading.Lock()
        self.calls = 0
        self.usage = Usage()

    @property
    def config(self) -> VlmConfig:
        return self.client.config

    def __repr__(self) -> str:
        return f"VlmGrounder({self.client!r})"

    def point(self, image: Image.Image, description: str) -> GroundingResult:
        """Coordinates mode: the model answers a point (or a box) for `description`."""
        fitted = fit_image(image, self.config.max_image_side)
        frame = self.config.coordinate_frame
        if frame == "relative1000":
            prompt = prompts.render(prompts.POINT_RELATIVE1000, description=description)
        else:
            width, height = fitted.size
            prompt = prompts.render(
                prompts.POINT_ABSOLUTE, description=description, width=width, height=height
            )
        text = self._ask(fitted.image, prompt)
        parsed = parse_point(text)
        if parsed is None:
            raise VlmBadAnswer(
                f"the VLM gave no coordinates for {description!r}; it answered "
                f"{quote_answer(text)}",
                text,
            )
        x, y, box = self._to_original(parsed, fitted, text, description)
        logger.debug("VLM points at (%d, %d) for %r", x, y, description)
        return GroundingResult(point=(x, y), box=box, expert=self.name, confidence=self.confidence)

    def choose(
        self, image: Image.Image, description: str, candidates: Sequence[Element]
    ) -> GroundingResult:
        """Set-of-marks mode: the model picks one of `candidates`, drawn as numbered boxes."""
        if not candidates:
            raise VlmBadAnswer(f"no candidates to choose from for {description!r}")
        marked = self._top_candidates(candidates)
        fitted = fit_image(image, self.config.max_image_side)
        sx, sy = fitted.scale
        boxes = [c.box.scaled(1 / sx, 1 / sy) for c in marked]
        prompt = prompts.render(prompts.CHOOSE_MARK, description=description, count=len(marked))
        text = self._ask(draw_marks(fitted.image, boxes), prompt)
        mark = parse_mark(text)
        if mark is None:
            raise VlmBadAnswer(
                f"the VLM gave no mark number for {description!r}; it answered "
                f"{quote_answer(text)}",
                text,
            )
        if mark == 0:
            raise VlmBadAnswer(
                f"the VLM says none of the {len(marked)} marks is {description!r}; "
                f"it answered {quote_answer(text)}",
                text,
            )
        if not 1 <= mark <= len(marked):
            raise VlmBadAnswer(
                f"the VLM chose mark {mark} for {description!r}, but only marks 1 to "
                f"{len(marked)} exist; it answered {quote_answer(text)}",
                text,
            )
        chosen = marked[mark - 1]
        logger.debug("VLM chose mark %d (%r) for %r", mark, chosen.text, description)
        return GroundingResult(
            point=chosen.box.center,
            box=chosen.box,
            expert=self.name,
            confidence=self.confidence,
            candidates=tuple(marked),
        )

    def _ask(self, image: Image.Image, prompt: str) -> str:
        # Counted before the call: a failed call still cost a round trip.
        with self._lock:
            self.calls += 1
        reply = self.client.ask(image, prompt)
        with self._lock:
            self.usage = self.usage + reply.usage
        return reply.text

    def _top_candidates(self, candidates: Sequence[Element]) -> list[Element]:
        if len(candidates) <= self.max_marks:
            return list(candidates)
        # Too many marks crowd the picture; keep the best, in their original order.
        keep = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
        kept = sorted(keep[: self.max_marks])
        logger.debug("set-of-marks: %d candidates, marking the best %d", len(candidates), len(kept))
        return [candidates[i] for i in kept]

    def _to_original(
        self, parsed: ParsedPoint, fitted: FittedImage, text: str, description: str
    ) -> tuple[int, int, Box | None]:
        """Map the model's point (and box) to original pixels; out of range raises."""
        if self.config.coordinate_frame == "relative1000":
            limit_x = limit_y = 1000.0
            scale_x = fitted.original_size[0] / 1000
            scale_y = fitted.original_size[1] / 1000
            frame = "the 0-1000 frame"
        else:
            limit_x, limit_y = float(fitted.size[0]), float(fitted.size[1])
            scale_x, scale_y = fitted.scale
            frame = f"the {fitted.size[0]}x{fitted.size[1]} screenshot it was sent"
        slack_x, slack_y = limit_x * EDGE_SLACK, limit_y * EDGE_SLACK
        if not (
            -slack_x <= parsed.x <= limit_x + slack_x and -slack_y <= parsed.y <= limit_y + slack_y
        ):
            raise VlmBadAnswer(
                f"the VLM's point ({parsed.x:g}, {parsed.y:g}) for {description!r} is outside "
                f"{frame}; check coordinate_frame (now {self.config.coordinate_frame!r}); "
                f"it answered {quote_answer(text)}",
                text,
            )
        width, height = fitted.original_size
        x = _clamp(round(parsed.x * scale_x), width - 1)
        y = _clamp(round(parsed.y * scale_y), height - 1)
        box = None
        if parsed.box is not None:
            left, top, right, bottom = parsed.box
            box = Box(
                _clamp(round(left * scale_x), width),
                _clamp(round(top * scale_y), height),
                _clamp(round(right * scale_x), width),
                _clamp(round(bottom * scale_y), height),
            )
        return x, y, box


def _clamp(value: int, high: int) -> int:
    return max(0, min(high, value))
