"""Desktop backends: where the agent looks and acts.

`LocalDesktop` imports pyautogui only when built, so importing this package
never binds an X display.
"""

from .base import Desktop, ScreenMapping
from .dry_run import DryRunDesktop
from .local import LocalDesktop, mapping_for_monitor
from .virtual import VirtualDisplay

__all__ = [
    "Desktop",
    "DryRunDesktop",
    "LocalDesktop",
    "ScreenMapping",
    "VirtualDisplay",
    "mapping_for_monitor",
]
