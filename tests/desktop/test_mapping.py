"""Screenshot pixels -> screen points, and key names (no display needed)."""

from __future__ import annotations

import pytest

from desktop_agent.desktop.base import ScreenMapping
from desktop_agent.desktop.keys import normalize_key, to_pyautogui
from desktop_agent.desktop.local import mapping_for_monitor, select_display
from desktop_agent.errors import DisplayError, ExecutionError


def test_same_size_capture_maps_one_to_one() -> None:
    m = mapping_for_monitor({"left": 0, "top": 0, "width": 1920, "height": 1080}, (1920, 1080))
    assert (m.scale_x, m.scale_y) == (1.0, 1.0)
    assert m.to_screen(100, 200) == (100, 200)


def test_hidpi_capture_halves_coordinates() -> None:
    # A Retina screen: mss returns 2880x1800 pixels for a 1440x900 point monitor.
    m = mapping_for_monitor({"left": 0, "top": 0, "width": 1440, "height": 900}, (2880, 1800))
    assert (m.scale_x, m.scale_y) == (2.0, 2.0)
    assert m.to_screen(1000, 600) == (500, 300)
    assert m.to_pixels(500, 300) == (1000, 600)


def test_second_monitor_offset_is_added() -> None:
    m = mapping_for_monitor({"left": 1920, "top": 120, "width": 1280, "height": 1024}, (1280, 1024))
    assert m.to_screen(10, 20) == (1930, 140)
    assert m.to_pixels(1930, 140) == (10, 20)


def test_monitor_left_of_primary_has_negative_origin() -> None:
    m = mapping_for_monitor(
        {"left": -2560, "top": -200, "width": 2560, "height": 1440}, (2560, 1440)
    )
    assert m.to_screen(0, 0) == (-2560, -200)
    assert m.to_screen(2559, 1439) == (-1, 1239)


def test_hidpi_monitor_with_negative_offset() -> None:
    m = mapping_for_monitor({"left": -1440, "top": 0, "width": 1440, "height": 900}, (2880, 1800))
    assert m.to_screen(2880 - 2, 900) == (-1, 450)


def test_all_monitors_capture_spans_both() -> None:
    # mss monitor 0: the bounding box of a left (negative) and a primary monitor.
    m = mapping_for_monitor({"left": -1920, "top": 0, "width": 3840, "height": 1080}, (3840, 1080))
    assert m.to_screen(1920, 500) == (0, 500)


def test_points_outside_the_capture_are_clamped_inside_it() -> None:
    m = ScreenMapping(left=1920, top=0, width=1280, height=1024)
    # The last pixel must not land on the neighbouring monitor.
    assert m.to_screen(5000, 5000) == (1920 + 1279, 1023)
    assert m.to_screen(-50, -50) == (1920, 0)


def test_monitor_without_area_is_a_display_error() -> None:
    with pytest.raises(DisplayError):
        mapping_for_monitor({"left": 0, "top": 0, "width": 0, "height": 0}, (0, 0))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Control", "ctrl"),
        ("ctrl", "ctrl"),
        ("Return", "enter"),
        ("esc", "escape"),
        ("cmd", "super"),
        ("PgDn", "pagedown"),
        ("F12", "f12"),
        (" ", "space"),
        ("a", "a"),
        ("A", "a"),
    ],
)
def test_key_aliases_normalize(name: str, expected: str) -> None:
    assert normalize_key(name) == expected


def test_pyautogui_names() -> None:
    assert [to_pyautogui(k) for k in ("super", "escape", "S", "1", "menu")] == [
        "win",
        "esc",
        "s",
        "1",
        "apps",
    ]


def test_unknown_key_names_the_known_ones() -> None:
    with pytest.raises(ExecutionError, match=r"unknown key 'hyperjump'.*pagedown"):
        normalize_key("hyperjump")


def test_no_display_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(DisplayError, match="--virtual"):
        select_display(None)
