"""Perception types: boxes, elements and grounding results, all in image pixels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in image pixels; ``right`` and ``bottom`` are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    def __post_init__(self) -> None:
        if self.right < self.left or self.bottom < self.top:
            raise ValueError(f"box has negative size: {self}")

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def center(self) -> tuple[int, int]:
        return (self.left + self.width // 2, self.top + self.height // 2)

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x < self.right and self.top <= y < self.bottom

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )

    def intersection_area(self, other: Box) -> int:
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(0, w) * max(0, h)

    def iou(self, other: Box) -> float:
        inter = self.intersection_area(other)
        union = self.area + other.area - inter
        return inter / union if union else 0.0

    def scaled(self, sx: float, sy: float | None = None) -> Box:
        sy = sx if sy is None else sy
        return Box(
            round(self.left * sx),
            round(self.top * sy),
            round(self.right * sx),
            round(self.bottom * sy),
        )

    def to_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "right": self.right, "bottom": self.bottom}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Box:
        return cls(int(data["left"]), int(data["top"]), int(data["right"]), int(data["bottom"]))


@dataclass(frozen=True, slots=True)
class Element:
    """A UI element seen by an expert: where it is, what it is, what it says."""

    box: Box
    role: str = "text"
    text: str = ""
    source: str = ""
    score: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": self.box.to_dict(),
            "role": self.role,
            "text": self.text,
            "source": self.source,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Element:
        return cls(
            box=Box.from_dict(data["box"]),
            role=str(data.get("role", "text")),
            text=str(data.get("text", "")),
            source=str(data.get("source", "")),
            score=float(data.get("score", 1.0)),
        )


@dataclass(frozen=True, slots=True)
class GroundingResult:
    """Where a description points: the point to act on and the evidence for it."""

    point: tuple[int, int]
    box: Box | None
    expert: str
    confidence: float
    candidates: tuple[Element, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": list(self.point),
            "box": self.box.to_dict() if self.box else None,
            "expert": self.expert,
            "confidence": self.confidence,
            "candidates": [c.to_dict() for c in self.candidates],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GroundingResult:
        x, y = data["point"]
        return cls(
            point=(int(x), int(y)),
            box=Box.from_dict(data["box"]) if data.get("box") else None,
            expert=str(data["expert"]),
            confidence=float(data["confidence"]),
            candidates=tuple(Element.from_dict(c) for c in data.get("candidates", [])),
        )
