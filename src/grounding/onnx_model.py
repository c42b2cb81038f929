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
    # Pool threads spin between the operators of a run (no wake-up for each of
    # the detector's ~90: ~1 ms less a parse) and sleep as soon as the run returns:
    # our sessions run beside Tesseract, Pillow's resize threads and each other,
    # and a pool that went on spinning would take the cores they need (a parse:
    # ~5 ms slower with spinning left on after runs).
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.force_spinning_stop", "1")
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session, dict(session.get_modelmeta().custom_metadata_map)


def write_metadata(model: Path, entries: dict[str, str], out: Path | None = None) -> Path:
    """`model` with `entries` in its metadata (replacing those keys), saved to `out`
    (default: in place). Needs the onnx package (training and calibration only)."""
    import onnx

    proto = onnx.load(str(model))
    kept = [p for p in proto.metadata_props if p.key not in entries]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    for key, value in entries.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    target = out if out is not None else model
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(target))
    return target
