"""The HTML report: markers where the action happened, escaped text, local files only."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

from desktop_agent.actions import Click, Drag, Point
from desktop_agent.report import render_report, write_report
from desktop_agent.step import Step, StepStatus
from desktop_agent.trajectory import Trajectory, TrajectoryWriter, load_trajectory
from grounding.types import Box, Element, GroundingResult


class _Tags(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _parse(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _styles(tags: list[tuple[str, dict[str, str | None]]], cls: str) -> list[str]:
    return [a.get("style") or "" for t, a in tags if t == "span" and a.get("class") == cls]


def _run(tmp_path: Path, instruction: str = "Click Save") -> tuple[TrajectoryWriter, Path]:
    writer = TrajectoryWriter(tmp_path, instruction)
    grounding = {
        "target": GroundingResult(
            point=(100, 50),
            box=Box(40, 20, 120, 60),
            expert="ocr",
            confidence=0.93,
            candidates=(
                Element(Box(40, 20, 120, 60), "button", "Save", "tesseract", 0.93),
                Element(Box(0, 0, 10, 10), "text", "Save as…", "tesseract", 0.4),
            ),
        )
    }
    writer.append(
        Step(
            index=1,
            action=Click("Save"),
            source_text='click "Save"',
            grounding=grounding,
            points=((100, 50),),
            duration_s=0.75,
            timings={"ground": 0.5},
        ),
        Image.new("RGB", (400, 200), "white"),
        Image.new("RGB", (400, 200), "gray"),
    )
    writer.append(
        Step(
            index=2,
            action=Drag(Point(0, 0), Point(400, 200)),
            status=StepStatus.FAILED,
            error="window <b>vanished</b>",
            error_type="ExecutionError",
            points=((0, 0), (400, 200)),
        ),
        Image.new("RGB", (400, 200), "white"),
    )
    report = writer.finish("failed", "could not drag")
    return writer, report


def test_markers_sit_at_the_right_percentages(tmp_path: Path) -> None:
    _, report = _run(tmp_path)
    tags = _parse(report.read_text(encoding="utf-8"))
    points = _styles(tags, "pt")
    # (100, 50) in a 400x200 screenshot is a quarter across and a quarter down.
    assert points[0] == "left:25.00%;top:25.00%"
    # The drag's two ends: the corners of the screenshot.
    assert points[1:] == ["left:0.00%;top:0.00%", "left:100.00%;top:100.00%"]
    # Box(40, 20, 120, 60) outlined in percentages of 400x200.
    assert _styles(tags, "box") == ["left:10.00%;top:10.00%;width:20.00%;height:20.00%"]


def test_report_shows_the_step_details(tmp_path: Path) -> None:
    _, report = _run(tmp_path)
    page = report.read_text(encoding="utf-8")
    assert "click(&#x27;Save&#x27;)" in page  # action.to_code(), escaped
    assert "drag((0, 0), (400, 200))" in page
    assert 'class="status st-ok"' in page
    assert 'class="status st-failed"' in page
    assert "ExecutionError: window &lt;b&gt;vanished&lt;/b&gt;" in page
    assert "<b>vanished" not in page
    assert "could not drag" in page
    assert "ocr" in page
    assert "0.93" in page
    assert "Save as…" in page  # candidates are listed
    assert "ground 0.500 s" in page
    assert "2 (1 failed, 1 ok)" in page


def test_images_are_local_files_that_exist(tmp_path: Path) -> None:
    writer, report = _run(tmp_path)
    tags = _parse(report.read_text(encoding="utf-8"))
    sources = [a["src"] for t, a in tags if t == "img"]
    assert sources == ["step_0001.png", "step_0001_after.png", "step_0002.png"]
    for src in sources:
        assert src is not None
        assert (writer.folder / src).is_file()
    # Self-contained: no script, no stylesheet links, nothing fetched from the network.
    assert not [t for t, _ in tags if t in ("script", "link", "iframe")]
    assert "http://" not in report.read_text(encoding="utf-8")
    assert "https://" not in report.read_text(encoding="utf-8")


def test_script_in_instruction_is_escaped(tmp_path: Path) -> None:
    _, report = _run(tmp_path, instruction='<script>alert("x")</script> & go')
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; go" in page


def test_missing_screenshot_is_reported_not_fatal(tmp_path: Path) -> None:
    writer, _ = _run(tmp_path)
    (writer.folder / "step_0002.png").unlink()
    page = render_report(load_trajectory(writer.folder), writer.folder)
    assert "step_0002.png is missing or unreadable" in page
    assert 'src="step_0002.png"' not in page
    assert write_report(writer.folder).read_text(encoding="utf-8") == page


def test_render_in_memory_trajectory_without_steps(tmp_path: Path) -> None:
    page = render_report(
        Trajectory(instruction="nothing yet", started_at=0.0, ended_at=None), tmp_path
    )
    assert "No steps." in page
    assert "still running" in page
