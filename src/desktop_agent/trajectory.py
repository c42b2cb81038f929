"""Runs on disk: one folder per run, written so that a crash loses at most one step.

A trajectory folder holds

- ``run.json``: the run header (instruction, status, times, meta, counts),
  always replaced atomically (temp file in the same folder + ``os.replace``),
  so a reader never sees half a file;
- ``steps.jsonl``: one JSON line per step, appended and fsync'ed;
- ``step_0001.png`` / ``step_0001_after.png``: screenshots, written atomically;
- ``report.html``: written by `TrajectoryWriter.finish`.

Everything written goes through `desktop_agent.redaction.redact` first.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from PIL import Image

from .errors import AgentError, RunStopped
from .redaction import redact
from .step import Step

__all__ = [
    "REPORT_FILE",
    "RUN_FILE",
    "STEPS_FILE",
    "TRAJECTORY_STATUSES",
    "Trajectory",
    "TrajectoryError",
    "TrajectoryWriter",
    "atomic_write_bytes",
    "atomic_write_text",
    "load_trajectory",
]

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
STEPS_FILE = "steps.jsonl"
REPORT_FILE = "report.html"
FORMAT = "desktop-agent-trajectory"
FORMAT_VERSION = 1
TRAJECTORY_STATUSES: tuple[str, ...] = ("running", "done", "failed", "stopped", "error")
_MAX_SLUG = 40


class TrajectoryError(AgentError):
    """A folder is not a readable trajectory, or a writer was misused."""


@dataclass(frozen=True)
class Trajectory:
    """A whole run: the instruction, its steps and how it ended."""

    instruction: str
    steps: tuple[Step, ...] = ()
    status: str = "running"
    reason: str = ""
    started_at: float = 0.0
    ended_at: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in TRAJECTORY_STATUSES:
            raise ValueError(
                f"unknown trajectory status {self.status!r}; use one of "
                f"{', '.join(TRAJECTORY_STATUSES)}"
            )

    @property
    def duration_s(self) -> float | None:
        return None if self.ended_at is None else max(0.0, self.ended_at - self.started_at)

    def step_counts(self) -> dict[str, int]:
        """Number of steps in total and per step status."""
        return _counts(s.status.value for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "instruction": self.instruction,
            "status": self.status,
            "reason": self.reason,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "meta": dict(self.meta),
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        ended = data.get("ended_at")
        return cls(
            instruction=str(data["instruction"]),
            steps=tuple(Step.from_dict(s) for s in data.get("steps", [])),
            status=str(data.get("status", "running")),
            reason=str(data.get("reason", "")),
            started_at=float(data.get("started_at", 0.0)),
            ended_at=None if ended is None else float(ended),
            meta=dict(data.get("meta", {})),
        )


def _counts(statuses: Any) -> dict[str, int]:
    counter = Counter(statuses)
    return {"total": sum(counter.values()), **dict(sorted(counter.items()))}


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a part."""
    _atomic_write(path, lambda fh: fh.write(data))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _atomic_write(path: Path, write: Callable[[Any], object]) -> None:
    # The temp file lives in the same folder: os.replace is atomic only within a filesystem.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def slugify(text: str, max_len: int = _MAX_SLUG) -> str:
    """A short ASCII file-name part for `text` ("run" when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "run"


class TrajectoryWriter:
    """Writes one run into a new folder under `root`.

    Use as a context manager: if an exception escapes, the run is finished
    with status "error" ("stopped" for `RunStopped` / KeyboardInterrupt).
    Screenshot files are numbered by append order (``step_0001.png`` is the
    first appended step), so they never overwrite each other.
    """

    def __init__(
        self,
        root: Path,
        instruction: str,
        *,
        meta: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._instruction: str = redact(instruction)
        self._meta: dict[str, Any] = redact(dict(meta or {}))
        self._started_at = clock()
        self._statuses: list[str] = []
        self._finished: Path | None = None
        self.folder = _new_folder(Path(root), self._started_at, self._instruction)
        (self.folder / STEPS_FILE).touch()
        self._write_run("running", "", None)
        logger.info("trajectory folder: %s", self.folder)

    @property
    def finished(self) -> bool:
        return self._finished is not None

    def append(
        self,
        step: Step,
        screenshot: Image.Image | None = None,
        screenshot_after: Image.Image | None = None,
    ) -> Step:
        """Save the step's screenshots and its JSON line; return it with file names set."""
        with self._lock:
            if self._finished is not None:
                raise TrajectoryError(f"trajectory {self.folder} is finished; start a new one")
            seq = len(self._statuses) + 1
            if screenshot is not None:
                step = replace(step, screenshot=self._save_png(f"step_{seq:04d}.png", screenshot))
            if screenshot_after is not None:
                name = self._save_png(f"step_{seq:04d}_after.png", screenshot_after)
                step = replace(step, screenshot_after=name)
            line = json.dumps(redact(step.to_dict()), ensure_ascii=False) + "\n"
            with open(self.folder / STEPS_FILE, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            self._statuses.append(step.status.value)
            return step

    def finish(self, status: str, reason: str = "", *, meta: dict[str, Any] | None = None) -> Path:
        """Record how the run ended and write ``report.html``; return the report's path.

        `meta` is merged into the run's metadata (e.g. the planner's plan as it
        evolved and the model usage per role), redacted like everything else.
        """
        if status not in TRAJECTORY_STATUSES or status == "running":
            raise ValueError(
                f"cannot finish with status {status!r}; use one of "
                f"{', '.join(s for s in TRAJECTORY_STATUSES if s != 'running')}"
            )
        # Imported here: report builds on this module.
        from .report import write_report

        with self._lock:
            if self._finished is not None:
                raise TrajectoryError(f"trajectory {self.folder} is already finished")
            if meta:
                self._meta = {**self._meta, **redact(dict(meta))}
            self._write_run(status, reason, self._clock())
            self._finished = write_report(self.folder)
        logger.info("trajectory finished (%s): %s", status, self._finished)
        return self._finished

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._finished is not None:
            return
        if exc is None:
            status, reason = "stopped", "the run ended without a final status"
        elif isinstance(exc, RunStopped | KeyboardInterrupt):
            status, reason = "stopped", f"{type(exc).__name__}: {exc}"
        else:
            status, reason = "error", f"{type(exc).__name__}: {exc}"
        try:
            self.finish(status, reason)
        except Exception:
            # Never hide the exception that is already escaping.
            logger.exception("could not finish trajectory %s", self.folder)

    def _save_png(self, name: str, image: Image.Image) -> str:
        # compress_level=1: several times faster than the default, files a bit larger.
        _atomic_write(self.folder / name, lambda fh: image.save(fh, "PNG", compress_level=1))
        return name

    def _write_run(self, status: str, reason: str, ended_at: float | None) -> None:
        data = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "instruction": self._instruction,
            "status": status,
            "reason": reason,
            "started_at": self._started_at,
            "ended_at": ended_at,
            "meta": self._meta,
            "counts": _counts(self._statuses),
        }
        text = json.dumps(redact(data), ensure_ascii=False, indent=2) + "\n"
        atomic_write_text(self.folder / RUN_FILE, text)


def _new_folder(root: Path, started_at: float, instruction: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started_at))
    base = f"{stamp}-{slugify(instruction)}"
    for n in range(1, 10_000):
        folder = root / (base if n == 1 else f"{base}-{n}")
        try:
            folder.mkdir()  # fails if taken, so two writers never share a folder
        except FileExistsError:
            continue
        return folder
    raise TrajectoryError(f"no free folder name for {base!r} in {root}; clean up old runs")


def load_trajectory(folder: Path) -> Trajectory:
    """Read a trajectory folder; a corrupt step line (a crash mid-write) is skipped."""
    folder = Path(folder)
    run_path = folder / RUN_FILE
    if not folder.is_dir():
        raise TrajectoryError(f"{folder} is not a folder; pass a trajectory folder")
    if not run_path.is_file():
        raise TrajectoryError(
            f"{folder} is not a trajectory folder: it has no {RUN_FILE} "
            "(pass a folder written by TrajectoryWriter)"
        )
    try:
        header = json.loads(run_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrajectoryError(f"{run_path} cannot be read as JSON: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TrajectoryError(
            f"{run_path} is not a desktop-agent trajectory header (no format {FORMAT!r})"
        )
    try:
        header_only = Trajectory.from_dict({**header, "steps": []})
    except (KeyError, TypeError, ValueError) as exc:
        raise TrajectoryError(f"{run_path} has a bad run header: {exc}") from exc
    return replace(header_only, steps=tuple(_read_steps(folder / STEPS_FILE)))


def _read_steps(path: Path) -> list[Step]:
    if not path.is_file():
        return []
    steps: list[Step] = []
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            steps.append(Step.from_dict(json.loads(raw.decode("utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            where = "last line" if number >= len(lines) - 1 else f"line {number}"
            logger.warning("skipping unreadable step in %s (%s): %s", path, where, exc)
    return steps
