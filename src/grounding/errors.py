"""Grounding errors.

GroundingError            root of everything grounding raises
 +-- ExpertUnavailable    an expert's binary or package is missing (says what to install)
 +-- TargetNotFound       no expert found the description (says what was seen)
"""

from __future__ import annotations


class GroundingError(Exception):
    """Root of the grounding error tree."""


class ExpertUnavailable(GroundingError):
    """An expert cannot run here; the message names what to install."""


class TargetNotFound(GroundingError):
    """The description matched nothing on the screen."""

    def __init__(self, description: str, seen: list[str]) -> None:
        self.description = description
        self.seen = seen
        shown = ", ".join(repr(s) for s in seen[:40]) or "no text at all"
        more = f" (and {len(seen) - 40} more)" if len(seen) > 40 else ""
        super().__init__(f"could not find {description!r} on the screen; text seen: {shown}{more}")
