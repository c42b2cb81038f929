"""The onnxruntime sessions of our models leave the cores alone between runs."""

from __future__ import annotations

import resource
import time

import numpy as np

from grounding.detector.onnx_detector import default_model_path
from grounding.onnx_model import open_session


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_a_session_uses_no_cpu_once_its_run_returns() -> None:
    """Its pool may spin between operators, but a pool still spinning after the run
    would take the cores that Tesseract and the other experts need (onnxruntime's
    own default spins on for a while: ~30 ms of CPU after each detector run here)."""
    session, meta = open_session(default_model_path(), threads=2)
    assert "classes" in meta
    frame = np.random.default_rng(0).integers(0, 256, (1, 832, 1440, 3), dtype=np.uint8)
    idle = []
    for _ in range(3):
        session.run(None, {"image": frame})
        before = _cpu_seconds()
        time.sleep(0.3)
        idle.append(_cpu_seconds() - before)
    assert min(idle) < 0.005, idle
