"""One step of a run, as the loop reports it and the trajectory stores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from grounding.types import GroundingResult

from .actions import Action


class StepStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    DRY_RUN = "dry_run"  # recorded, not executed
    DENIED = "denied"  # a risky action the person did not confirm
    STOPPED = "stopped"  # the kill hotkey / stop button ended it


@dataclass(frozen=True)
class Step:
    """What happened in one step.

    `grounding` maps an action field that held a description ("target", "into",
    "at", "start", "end") to how it was located; `screen_points` holds the
    points acted on, in screenshot pixels. Screenshots are referenced by file
    name (relative to the trajectory folder), never embedded.
    """

    index: int
    action: Action | None
    source_text: str = ""
    status: StepStatus = StepStatus.OK
    error: str | None = None
    error_type: str | None = None
    grounding: dict[str, GroundingResult] = field(default_factory=dict)
    points: tuple[tuple[int, int], ...] = ()
    screenshot: str | None = None
    screenshot_after: str | None = None
    started_at: float = 0.0
    duration_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "action": self.action.to_dict() if self.action else None,
            "code": self.action.to_code() if self.action else None,
            "source_text": self.source_text,
            "status": self.status.value,
            "error": self.error,
            "error_type": self.error_type,
            "grounding": {k: v.to_dict() for k, v in self.grounding.items()},
            "points": [list(p) for p in self.points],
            "screenshot": self.screenshot,
            "screenshot_after": self.screenshot_after,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "timings": dict(self.timings),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        action = Action.from_dict(data["action"]) if data.get("action") else None
        return cls(
            index=int(data["index"]),
            action=action,
            source_text=str(data.get("source_text", "")),
            status=StepStatus(data.get("status", "ok")),
            error=data.get("error"),
            error_type=data.get("error_type"),
            grounding={
                k: GroundingResult.from_dict(v) for k, v in data.get("grounding", {}).items()
            },
            points=tuple((int(p[0]), int(p[1])) for p in data.get("points", [])),
            screenshot=data.get("screenshot"),
            screenshot_after=data.get("screenshot_after"),
            started_at=float(data.get("started_at", 0.0)),
            duration_s=float(data.get("duration_s", 0.0)),
            timings={k: float(v) for k, v in data.get("timings", {}).items()},
            extra=dict(data.get("extra", {})),
        )
