"""Opening our shipped ONNX models (detector, icon recognizer) with onnxruntime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ExpertUnavailable


def open_session(path: Path, threads: int) -> tuple[Any, dict[str, str]]:
    """An onnxruntime CPU session for `path` and the model's metadata map."""
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise ExpertUnavailable("onnxruntime is missing: pip install onnxruntime") from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session, dict(session.get_modelmeta().custom_metadata_map)
