"""The structure expert: accessibility trees (AT-SPI on Linux) as grounding elements."""

from __future__ import annotations

from .atspi import AccessibleNode, AtspiExpert
from .roles import map_role

__all__ = ["AccessibleNode", "AtspiExpert", "map_role"]
