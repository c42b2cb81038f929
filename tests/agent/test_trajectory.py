"""Trajectories on disk: round trip, crash safety, atomic headers, no secrets in any file."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from PIL import Image

from desktop_agent.actions import Click, Point, TypeText
from desktop_agent.errors import StoppedByUser
from desktop_agent.step import Step, StepStatus
from desktop_agent.trajectory import (
    RUN_FILE,
    STEPS_FILE,
    Trajectory,
    TrajectoryError,
    TrajectoryWriter,
    load_trajectory,
)
from grounding.types import Box, Element, GroundingResult

KEY = "sk-test-abcdefghijklmnopqrstuvwxyz0123"


def _image(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size, color)
    image.putpixel((3, 5), (1, 2, 3))  # a detail that must survive the PNG round trip
    return image


def _step(index: int, **kwargs: object) -> Step:
    grounding = {
        "target": GroundingResult(
            point=(20, 10),
            box=Box(10, 5, 30, 15),
            expert="ocr",
            confidence=0.875,
            candidates=(Element(Box(10, 5, 30, 15), "text", "Save", "tesseract", 0.9),),
        )
    }
    defaults: dict[str, object] = {
        "action": Click("Save"),
        "source_text": 'click "Save"',
        "grounding": grounding,
        "points": ((20, 10),),
        "started_at": 1700000000.25,
        "duration_s": 0.5,
        "timings": {"ground": 0.125, "execute": 0.25},
        "extra": {"note": "x"},
    }
    defaults.update(kwargs)
    return Step(index=index, **defaults)  # type: ignore[arg-type]


def test_round_trip_through_disk(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path, "Save the file", meta={"model": "local"})
    before, after = _image((200, 0, 0)), _image((0, 200, 0))
    written = [
        writer.append(_step(1), before, after),
        writer.append(
            _step(
                2,
                action=TypeText("hé 你好", into=Point(5, 6)),
                status=StepStatus.FAILED,
                error="field not found",
                error_type="GroundingFailed",
            ),
            before,
        ),
        writer.append(_step(3, action=None, grounding={}, points=())),
    ]
    assert written[0].screenshot == "step_0001.png"
    assert written[0].screenshot_after == "step_0001_after.png"
    assert written[1].screenshot == "step_0002.png"
    assert written[1].screenshot_after is None
    assert written[2].screenshot is None

    report = writer.finish("failed", "the field was not there")
    assert report == writer.folder / "report.html"
    assert report.is_file()

    loaded = load_trajectory(writer.folder)
    assert loaded.steps == tuple(written)
    assert loaded.instruction == "Save the file"
    assert loaded.status == "failed"
    assert loaded.reason == "the field was not there"
    assert loaded.meta == {"model": "local"}
    assert loaded.ended_at is not None
    assert loaded.ended_at >= loaded.started_at
    assert loaded.step_counts() == {"total": 3, "failed": 1, "ok": 2}

    with Image.open(writer.folder / "step_0001.png") as png:
        assert png.size == (64, 48)
        assert png.convert("RGB").getpixel((0, 0)) == (200, 0, 0)
        assert png.convert("RGB").getpixel((3, 5)) == (1, 2, 3)
    with Image.open(writer.folder / "step_0001_after.png") as png:
        assert png.convert("RGB").getpixel((0, 0)) == (0, 200, 0)

    header = json.loads((writer.folder / RUN_FILE).read_text(encoding="utf-8"))
    assert header["counts"] == {"total": 3, "failed": 1, "ok": 2}
    # No temp files left behind by the atomic writes.
    assert not [p.name for p in writer.folder.iterdir() if p.name.startswith(".")]


def test_trajectory_dict_round_trip() -> None:
    t = Trajectory(
        instruction="do it",
        steps=(_step(1), _step(2, status=StepStatus.DENIED)),
        status="stopped",
        reason="person pressed stop",
        started_at=10.0,
        ended_at=12.5,
        meta={"a": [1, 2]},
    )
    assert Trajectory.from_dict(json.loads(json.dumps(t.to_dict()))) == t
    assert t.duration_s == 2.5
    with pytest.raises(ValueError, match="unknown trajectory status"):
        Trajectory(instruction="x", status="finished")


def test_crash_mid_line_loses_only_that_step(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = TrajectoryWriter(tmp_path, "crashy run")
    written = [writer.append(_step(i), _image((i * 40, 0, 0))) for i in (1, 2, 3)]
    # The process dies while writing the fourth line.
    fourth = json.dumps(_step(4).to_dict())
    with open(writer.folder / STEPS_FILE, "a", encoding="utf-8") as fh:
        fh.write(fourth[: len(fourth) // 2])

    with caplog.at_level(logging.WARNING, logger="desktop_agent.trajectory"):
        loaded = load_trajectory(writer.folder)
    assert loaded.steps == tuple(written)
    assert loaded.status == "running"  # never finished
    assert loaded.ended_at is None
    assert any("last line" in r.getMessage() for r in caplog.records)


def test_same_instruction_same_second_gets_distinct_folders(tmp_path: Path) -> None:
    def clock() -> float:
        return 1700000000.0

    writers = [TrajectoryWriter(tmp_path, "Open the Menu!", clock=clock) for _ in range(3)]
    names = [w.folder.name for w in writers]
    assert len(set(names)) == 3
    assert names[0].endswith("-open-the-menu")
    assert names[1] == names[0] + "-2"
    assert names[2] == names[0] + "-3"
    assert all((w.folder / RUN_FILE).is_file() for w in writers)


def test_folder_name_for_non_latin_instruction(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path, "打开记事本")
    assert writer.folder.name.endswith("-run")
    assert load_trajectory(writer.folder).instruction == "打开记事本"


def test_run_json_is_replaced_never_rewritten_in_place(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path, "atomic")
    run_path = writer.folder / RUN_FILE
    # A reader that opened run.json before finish keeps a complete old file.
    with open(run_path, encoding="utf-8") as reader:
        old_inode = os.fstat(reader.fileno()).st_ino
        writer.finish("done")
        assert json.loads(reader.read())["status"] == "running"
    assert os.stat(run_path).st_ino != old_inode
    assert json.loads(run_path.read_text(encoding="utf-8"))["status"] == "done"


def test_failed_header_write_keeps_the_old_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = TrajectoryWriter(tmp_path, "power cut")
    run_path = writer.folder / RUN_FILE
    before = run_path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        writer.finish("done")
    monkeypatch.undo()
    assert run_path.read_bytes() == before
    assert json.loads(before)["status"] == "running"
    assert not [p.name for p in writer.folder.iterdir() if p.name.startswith(".")]


def test_no_file_contains_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    grounding = {
        "target": GroundingResult(
            point=(1, 1),
            box=None,
            expert="vlm",
            confidence=0.5,
            candidates=(Element(Box(0, 0, 4, 4), "text", f"key={KEY}", "ocr", 0.5),),
        )
    }
    with TrajectoryWriter(
        tmp_path, f"use the key {KEY} to log in", meta={"model_key": KEY, "base": "local"}
    ) as writer:
        writer.append(
            _step(
                1,
                error=f"HTTP 401 for {KEY}",
                grounding=grounding,
                action=TypeText(KEY),
                extra={"headers": f"Authorization: Bearer {KEY}"},
            ),
            _image((9, 9, 9)),
        )
        writer.finish("failed", f"model rejected {KEY}")

    files = [p for p in writer.folder.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {RUN_FILE, STEPS_FILE, "report.html", "step_0001.png"}
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path.name
    assert KEY not in str(writer.folder)
    loaded = load_trajectory(writer.folder)
    assert loaded.meta == {"model_key": "[REDACTED]", "base": "local"}
    assert loaded.steps[0].grounding["target"].candidates[0].text == "key=[REDACTED]"


def test_exception_in_context_finishes_with_error(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path, "x")

    def run() -> None:
        with writer:
            writer.append(_step(1))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run()
    loaded = load_trajectory(writer.folder)
    assert loaded.status == "error"
    assert loaded.reason == "RuntimeError: boom"
    assert (writer.folder / "report.html").is_file()


def test_stop_in_context_finishes_as_stopped(tmp_path: Path) -> None:
    with pytest.raises(StoppedByUser), TrajectoryWriter(tmp_path, "x") as writer:
        raise StoppedByUser("kill hotkey")
    assert load_trajectory(writer.folder).status == "stopped"


def test_writer_misuse_is_refused(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path, "x")
    with pytest.raises(ValueError, match="cannot finish with status 'running'"):
        writer.finish("running")
    writer.finish("done")
    with pytest.raises(TrajectoryError, match="already finished"):
        writer.finish("done")
    with pytest.raises(TrajectoryError, match="is finished"):
        writer.append(_step(1))


def test_loading_a_non_trajectory_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(TrajectoryError, match=r"no run\.json"):
        load_trajectory(tmp_path)
    with pytest.raises(TrajectoryError, match="is not a folder"):
        load_trajectory(tmp_path / "missing")
    (tmp_path / RUN_FILE).write_text('{"some": "other json"}', encoding="utf-8")
    with pytest.raises(TrajectoryError, match="not a desktop-agent trajectory"):
        load_trajectory(tmp_path)
    (tmp_path / RUN_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(TrajectoryError, match="cannot be read as JSON"):
        load_trajectory(tmp_path)
