"""The expert protocols of the grounding mixture.

An `ElementExpert` lists what it sees (OCR words and lines, detector boxes,
accessibility nodes) as `Element`s in image pixels; the router matches
descriptions against them and fuses experts by box overlap. A `VlmExpert` is
asked last: it either points at the description itself (coordinates mode) or
picks one of the candidates drawn as numbered marks (set-of-marks mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from PIL import Image

from .types import Element, GroundingResult


@runtime_checkable
class ElementExpert(Protocol):
    """Finds elements in a screenshot; `name` goes into Element.source."""

    name: str

    def parse(self, image: Image.Image) -> list[Element]:
        """Every element this expert sees, in `image` pixels."""
        ...


@runtime_checkable
class VlmExpert(Protocol):
    """A vision-language model behind an OpenAI-compatible endpoint."""

    name: str

    def point(self, image: Image.Image, description: str) -> GroundingResult:
        """Where the description is (coordinates mode); raises GroundingError if unsure."""
        ...

    def choose(
        self, image: Image.Image, description: str, candidates: Sequence[Element]
    ) -> GroundingResult:
        """Which candidate is meant (set-of-marks); raises GroundingError if none."""
        ...
