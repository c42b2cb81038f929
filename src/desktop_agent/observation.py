"""What the agent sees at one moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image

# `Observation.extra` key of the grounder's elements for this screenshot
# (`grounding.types.Element` dicts), filled by the loop for planners that
# declare `wants_elements`; the worker's prompt lists them.
ELEMENTS_KEY = "elements"


@dataclass(frozen=True)
class Observation:
    """A screenshot (in screenshot pixels), an optional accessibility tree, a time.

    `to_dict` leaves the image out: trajectories store it as a PNG beside the
    JSON and refer to it by file name.
    """

    screenshot: Image.Image
    timestamp: float
    accessibility_tree: str | None = None
    active_window: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        return self.screenshot.size

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": list(self.size),
            "timestamp": self.timestamp,
            "accessibility_tree": self.accessibility_tree,
            "active_window": self.active_window,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], screenshot: Image.Image) -> Observation:
        return cls(
            screenshot=screenshot,
            timestamp=float(data["timestamp"]),
            accessibility_tree=data.get("accessibility_tree"),
            active_window=data.get("active_window"),
            extra=dict(data.get("extra", {})),
        )
