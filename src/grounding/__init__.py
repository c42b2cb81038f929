"""Perception: screenshot + description -> elements and points (image pixels)."""

from .errors import ExpertUnavailable, GroundingError, TargetNotFound
from .grounder import Grounder
from .types import Box, Element, GroundingResult

__all__ = [
    "Box",
    "Element",
    "ExpertUnavailable",
    "Grounder",
    "GroundingError",
    "GroundingResult",
    "TargetNotFound",
]
