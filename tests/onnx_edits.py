"""Edited copies of shipped ONNX models, for the tests of how a loader refuses or
tolerates a file it was not made for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import onnx


def edited_copy(source: Path, path: Path, edit: Callable[[onnx.ModelProto], None]) -> Path:
    """`source` with `edit` applied, saved at `path`."""
    proto = onnx.load(str(source))
    edit(proto)
    onnx.save(proto, str(path))
    return path


def with_metadata(source: Path, path: Path, key: str, value: str | None) -> Path:
    """`source` with metadata `key` set to `value`, or removed (None), saved at `path`."""

    def rewrite(proto: onnx.ModelProto) -> None:
        kept = [p for p in proto.metadata_props if p.key != key]
        del proto.metadata_props[:]
        proto.metadata_props.extend(kept)
        if value is not None:
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value

    return edited_copy(source, path, rewrite)
