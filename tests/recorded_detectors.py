"""Which detectors a tool builds: OnnxDetector replaced, where `module` looks it up,
by a subclass that keeps each instance it makes."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from grounding.detector.onnx_detector import OnnxDetector


def record_detectors(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[OnnxDetector]:
    made: list[OnnxDetector] = []

    class Recorded(OnnxDetector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(module, "OnnxDetector", Recorded)
    return made
