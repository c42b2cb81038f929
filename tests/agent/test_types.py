"""The core value types: geometry, and to_dict/from_dict round trips through JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from desktop_agent.actions import (
    ACTIONS,
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    OpenApp,
    Point,
    RightClick,
    Scroll,
    TypeText,
    Wait,
)
from desktop_agent.observation import Observation
from desktop_agent.step import Step, StepStatus
from grounding.types import Box, Element, GroundingResult


def through_json(data: Any) -> Any:
    """What a trajectory file gives back: only JSON types survive."""
    return json.loads(json.dumps(data))


# --- Box geometry -------------------------------------------------------------


def test_box_size_and_center() -> None:
    box = Box(10, 20, 50, 80)
    assert (box.width, box.height, box.area) == (40, 60, 2400)
    assert box.center == (30, 50)


@pytest.mark.parametrize(("left", "top", "right", "bottom"), [(10, 0, 9, 5), (0, 10, 5, 9)])
def test_box_negative_size_raises(left: int, top: int, right: int, bottom: int) -> None:
    with pytest.raises(ValueError, match="negative size"):
        Box(left, top, right, bottom)


def test_box_empty_is_allowed_and_contains_nothing() -> None:
    box = Box(5, 5, 5, 5)
    assert box.area == 0
    assert not box.contains(5, 5)


def test_box_contains_right_and_bottom_exclusive() -> None:
    box = Box(10, 10, 20, 30)
    assert box.contains(10, 10)
    assert box.contains(19.9, 29.9)
    assert not box.contains(20, 15)
    assert not box.contains(15, 30)
    assert not box.contains(9.99, 15)


def test_box_union_covers_both() -> None:
    a, b = Box(0, 10, 10, 20), Box(5, 0, 30, 15)
    assert a.union(b) == Box(0, 0, 30, 20)
    assert b.union(a) == a.union(b)


def test_box_iou_known_values() -> None:
    a = Box(0, 0, 10, 10)
    assert a.iou(a) == 1.0
    assert a.iou(Box(10, 0, 20, 10)) == 0.0  # touching edges share no pixel
    assert a.iou(Box(5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert a.iou(Box(2, 2, 4, 4)) == pytest.approx(4 / 100)
    assert Box(3, 3, 3, 3).iou(Box(3, 3, 3, 3)) == 0.0  # empty boxes: no division by zero


def test_box_scaled() -> None:
    box = Box(10, 20, 30, 41)
    assert box.scaled(2) == Box(20, 40, 60, 82)
    assert box.scaled(0.5, 2) == Box(5, 40, 15, 82)
    assert box.scaled(0.5) == Box(5, 10, 15, 20)  # 20.5 rounds to even


coords = st.integers(min_value=-5000, max_value=5000)
sizes = st.integers(min_value=0, max_value=3000)


@st.composite
def boxes(draw: st.DrawFn) -> Box:
    left, top = draw(coords), draw(coords)
    return Box(left, top, left + draw(sizes), top + draw(sizes))


@given(boxes())
def test_box_round_trip(box: Box) -> None:
    assert Box.from_dict(through_json(box.to_dict())) == box


@given(boxes(), boxes())
def test_box_iou_symmetric_and_bounded(a: Box, b: Box) -> None:
    iou = a.iou(b)
    assert iou == b.iou(a)
    assert 0.0 <= iou <= 1.0
    if a.area:
        assert a.iou(a) == 1.0
    union = a.union(b)
    assert union.contains(a.left, a.top) or a.area == 0
    assert union.area >= max(a.area, b.area)


# --- grounding types --------------------------------------------------------------


def test_element_round_trip() -> None:
    element = Element(Box(1, 2, 30, 40), role="button", text="Speichern ✓", source="ocr", score=0.5)
    assert Element.from_dict(through_json(element.to_dict())) == element


def test_element_from_dict_defaults() -> None:
    element = Element.from_dict({"box": {"left": 0, "top": 0, "right": 1, "bottom": 1}})
    assert element == Element(Box(0, 0, 1, 1), role="text", text="", source="", score=1.0)


def test_grounding_result_round_trip() -> None:
    result = GroundingResult(
        point=(15, 21),
        box=Box(10, 12, 20, 30),
        expert="tesseract",
        confidence=0.93,
        candidates=(
            Element(Box(10, 12, 20, 30), "text", "Save"),
            Element(Box(0, 0, 40, 8), "label", "Name:", "tesseract", 0.7),
        ),
    )
    back = GroundingResult.from_dict(through_json(result.to_dict()))
    assert back == result
    assert isinstance(back.point, tuple)
    assert isinstance(back.candidates, tuple)


def test_grounding_result_without_box() -> None:
    result = GroundingResult(point=(3, 4), box=None, expert="vlm", confidence=0.4)
    assert GroundingResult.from_dict(through_json(result.to_dict())) == result


# --- actions ------------------------------------------------------------------------

ALL_ACTIONS: list[Action] = [
    Click("Save"),
    Click(Point(10, 20)),
    DoubleClick("report.pdf"),
    DoubleClick(Point(0, 0)),
    RightClick("the desktop"),
    RightClick(Point(1279, 799)),
    Drag("file.txt", "Trash"),
    Drag(Point(1, 2), Point(300, 400)),
    Drag("file.txt", Point(5, 6)),
    TypeText("hello 世界\nnext line"),
    TypeText("Ada", into="Name"),
    TypeText("42", into=Point(100, 200), enter=True),
    Hotkey(("ctrl", "s")),
    Hotkey(("enter",)),
    Scroll("down"),
    Scroll("left", 7, at="the list"),
    Scroll("up", 1, at=Point(640, 400)),
    Wait(),
    Wait(0.25),
    OpenApp("mousepad"),
    Done(),
    Done("saved the file"),
    Fail("no such menu"),
]


def test_every_action_class_is_covered() -> None:
    assert {type(a) for a in ALL_ACTIONS} == set(ACTIONS.values())


@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a.to_code())
def test_action_round_trip(action: Action) -> None:
    data = through_json(action.to_dict())
    assert data["action"] == action.name
    back = Action.from_dict(data)
    assert back == action
    assert type(back) is type(action)


def test_point_target_serializes_as_xy_dict() -> None:
    data = Drag(Point(1, 2), "Trash").to_dict()
    assert data == {"action": "drag", "start": {"x": 1, "y": 2}, "end": "Trash"}
    assert Hotkey(("ctrl", "s")).to_dict()["keys"] == ["ctrl", "s"]


def test_action_from_dict_unknown_names_known_actions() -> None:
    with pytest.raises(ValueError, match="unknown action 'teleport'") as info:
        Action.from_dict({"action": "teleport", "target": "Mars"})
    for name in ACTIONS:
        assert name in str(info.value)


def test_action_from_dict_without_action_key_raises() -> None:
    with pytest.raises(ValueError, match="unknown action None"):
        Action.from_dict({"target": "Save"})


def test_action_from_dict_rejects_a_malformed_target() -> None:
    with pytest.raises(ValueError, match="not a target"):
        Action.from_dict({"action": "click", "target": {"x": 1}})


# --- steps ------------------------------------------------------------------------


def _grounding() -> GroundingResult:
    return GroundingResult(
        point=(42, 17),
        box=Box(30, 10, 55, 25),
        expert="tesseract",
        confidence=0.97,
        candidates=(Element(Box(30, 10, 55, 25), "text", "Name", "tesseract", 0.97),),
    )


@pytest.mark.parametrize("status", list(StepStatus))
def test_step_round_trip_every_status(status: StepStatus) -> None:
    step = Step(
        index=3,
        action=TypeText("Ada", into="Name", enter=True),
        source_text='type "Ada" into "Name" and press enter',
        status=status,
        error=None if status is StepStatus.OK else "something happened",
        error_type=None if status is StepStatus.OK else "ExecutionError",
        grounding={"into": _grounding()},
        points=((42, 17), (1279, 0)),
        screenshot="step-003.png",
        screenshot_after="step-003-after.png",
        started_at=1700000000.25,
        duration_s=0.5,
        timings={"grounding_s": 0.2, "execute_s": 0.3},
        extra={"plan": ["fill the form"], "risk": None},
    )
    data = through_json(step.to_dict())
    assert data["status"] == status.value
    assert data["code"] == "type_text('Ada', into='Name', enter=True)"
    back = Step.from_dict(data)
    assert back == step
    assert back.status is status
    assert isinstance(back.points[0], tuple)


def test_step_with_point_action_and_no_action() -> None:
    step = Step(index=0, action=Click(Point(5, 6)), points=((5, 6),))
    assert Step.from_dict(through_json(step.to_dict())) == step
    empty = Step(index=1, action=None, status=StepStatus.FAILED, error="could not parse")
    data = through_json(empty.to_dict())
    assert data["action"] is None
    assert data["code"] is None
    assert Step.from_dict(data) == empty


# --- observations -----------------------------------------------------------------


def test_observation_round_trip_with_image_passed_back() -> None:
    image = Image.new("RGB", (320, 200), (12, 34, 56))
    obs = Observation(
        screenshot=image,
        timestamp=1700000000.5,
        accessibility_tree="<window name='Mousepad'/>",
        active_window="Untitled 1 - Mousepad",
        extra={"display": ":99"},
    )
    data = through_json(obs.to_dict())
    assert data["size"] == [320, 200]
    assert "screenshot" not in data  # the image is stored beside the JSON, never in it
    back = Observation.from_dict(data, image)
    assert back == obs
    assert back.screenshot is image
    assert back.size == (320, 200)


def test_observation_minimal() -> None:
    image = Image.new("L", (4, 3))
    obs = Observation(screenshot=image, timestamp=0.0)
    back = Observation.from_dict(through_json(obs.to_dict()), image)
    assert (back.accessibility_tree, back.active_window, back.extra) == (None, None, {})
    assert back.timestamp == 0.0
