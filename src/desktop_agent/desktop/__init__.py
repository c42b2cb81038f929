"""Desktop backends: where the agent looks and acts."""

from .base import Desktop, ScreenMapping

__all__ = ["Desktop", "ScreenMapping"]
