"""The executor grounds text targets on a real OCR pass and acts only where it found them."""

from __future__ import annotations

import threading
import time

import pytest
from PIL import Image

from desktop_agent.actions import Click, Drag, Hotkey, Point, RightClick, Scroll, TypeText, Wait
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.desktop.image import ImageDesktop
from desktop_agent.errors import ExecutionError, GroundingFailed, StoppedByUser
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from drawn_screens import save_dialog
from grounding import Grounder


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder.default()


@pytest.fixture
def screen():
    return save_dialog()


def make(screen, grounder, **config):
    desktop = DryRunDesktop(ImageDesktop(screen.image))
    cfg = ExecutorConfig(find_timeout_s=0.0, **config)
    return desktop, ActionExecutor(desktop, grounder, config=cfg)


def test_click_by_text_lands_inside_the_button(screen, grounder):
    desktop, executor = make(screen, grounder)
    outcome = executor.execute(Click("Save"), screen.image)
    (name, (x, y), kwargs) = desktop.calls[0]
    assert name == "click"
    assert screen.inside("Save", (x, y))
    assert kwargs == {"button": "left", "clicks": 1}
    assert outcome.grounding["target"].expert.split("+")[0] == "tesseract"  # the detector may agree
    assert outcome.points == [(x, y)]


def test_right_click_uses_the_right_button(screen, grounder):
    desktop, executor = make(screen, grounder)
    executor.execute(RightClick("Cancel"), screen.image)
    _name, (x, y), kwargs = desktop.calls[0]
    assert screen.inside("Cancel", (x, y))
    assert kwargs["button"] == "right"


def test_type_into_a_labelled_field_clicks_the_field_not_the_label(screen, grounder):
    desktop, executor = make(screen, grounder)
    executor.execute(TypeText("report.txt", into="Name"), screen.image)
    names = [c[0] for c in desktop.calls]
    assert names == ["click", "hotkey", "type_text"]
    _, (x, y), _ = desktop.calls[0]
    assert screen.inside("field", (x, y))
    assert not screen.inside("Name:", (x, y))
    assert desktop.calls[1][1] == (("ctrl", "a"),)
    assert desktop.calls[2][1] == ("report.txt",)


def test_type_with_enter_presses_enter_after_the_text(screen, grounder):
    desktop, executor = make(screen, grounder)
    executor.execute(TypeText("hello", enter=True), screen.image)
    assert [c[0] for c in desktop.calls] == ["type_text", "hotkey"]
    assert desktop.calls[1][1] == (("enter",),)


def test_missing_target_fails_with_what_was_seen_and_never_clicks(screen, grounder):
    desktop, executor = make(screen, grounder)
    with pytest.raises(GroundingFailed) as info:
        executor.execute(Click("Preferences"), screen.image)
    message = str(info.value)
    assert "Preferences" in message
    assert "Cancel" in message  # what was on screen instead
    assert desktop.calls == []


def test_missing_target_is_retried_on_fresh_screenshots_until_the_timeout(screen, grounder):
    frames = []

    class Counting(ImageDesktop):
        def screenshot(self):
            frames.append(1)
            return super().screenshot()

    desktop = DryRunDesktop(Counting(screen.image))
    config = ExecutorConfig(find_timeout_s=0.6, find_interval_s=0.1)
    executor = ActionExecutor(desktop, grounder, config=config)
    with pytest.raises(GroundingFailed):
        executor.execute(Click("Preferences"), screen.image)
    assert len(frames) >= 2


def test_points_are_used_as_given_and_checked_against_the_screen(screen, grounder):
    desktop, executor = make(screen, grounder)
    executor.execute(Click(Point(10, 20)), screen.image)
    executor.execute(Drag(Point(1, 2), Point(30, 40)), screen.image)
    executor.execute(Scroll("down", 2, at=Point(5, 6)), screen.image)
    assert desktop.calls == [
        ("click", (10, 20), {"button": "left", "clicks": 1}),
        ("drag", (1, 2, 30, 40), {}),
        ("scroll", ("down", 2, 5, 6), {}),
    ]
    with pytest.raises(ExecutionError, match="outside"):
        executor.execute(Click(Point(5000, 20)), screen.image)


def test_no_grounder_means_text_targets_fail_clearly(screen):
    desktop = DryRunDesktop(ImageDesktop(screen.image))
    executor = ActionExecutor(desktop, None)
    with pytest.raises(GroundingFailed, match="no grounder"):
        executor.execute(Click("Save"), screen.image)
    executor.execute(Hotkey(("ctrl", "s")), screen.image)
    assert desktop.calls == [("hotkey", (("ctrl", "s"),), {})]


def test_a_set_stop_event_stops_before_acting_and_interrupts_waits(screen, grounder):
    stop = threading.Event()
    desktop = DryRunDesktop(ImageDesktop(screen.image))
    executor = ActionExecutor(desktop, grounder, stop_event=stop)
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    with pytest.raises(StoppedByUser):
        executor.execute(Wait(30), screen.image)  # would take 30 s if not interrupted
    with pytest.raises(StoppedByUser):
        executor.execute(Click("Save"), screen.image)
    assert desktop.calls == []


def _placed(screen, offset: tuple[int, int], size=(1200, 700)):
    """The drawn dialog pasted onto a bigger desktop at `offset`."""
    from PIL import Image

    canvas = Image.new("RGB", size, (40, 60, 90))
    canvas.paste(screen.image, offset)
    return canvas


def test_a_target_found_on_a_frame_the_screen_has_left_is_found_again_where_it_is_now(
    screen, grounder
):
    # The frame the step was planned on shows the dialog where it was about to
    # open; by the time the target is found, the window manager has put it
    # elsewhere. Clicking where it was would hit the window behind.
    stale = _placed(screen, (250, 150))
    desktop = DryRunDesktop(ImageDesktop(_placed(screen, (0, 0))))
    executor = ActionExecutor(desktop, grounder, config=ExecutorConfig(find_timeout_s=0.0))
    outcome = executor.execute(TypeText("report.txt", into="Name"), stale)
    executor.execute(Click("Save"), stale)
    (_, into_point, _), *_, (_, save_point, _) = desktop.calls
    assert screen.inside("field", into_point)
    assert screen.inside("Save", save_point)
    assert outcome.screenshot is not stale  # the frame it acted on is the current one


def test_a_screen_that_never_stops_changing_is_acted_on_as_last_seen(screen, grounder):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    frames = []

    class Playing(ImageDesktop):
        """The dialog beside a playing video: every capture differs."""

        def screenshot(self):
            frame = self.image.copy()
            noise = rng.integers(0, 255, (200, 250, 3), dtype=np.uint8)
            frame.paste(Image.fromarray(noise), (920, 20))
            frames.append(frame)
            return frame

    desktop = DryRunDesktop(Playing(_placed(screen, (0, 0))))
    config = ExecutorConfig(find_timeout_s=0.0, max_refinds=2)
    executor = ActionExecutor(desktop, grounder, config=config)
    executor.execute(Click("Save"), desktop.screenshot())
    ((_, point, _),) = desktop.calls
    assert screen.inside("Save", point)
    assert len(frames) == 1 + 3  # the first frame, then one capture per look, no more


class _SlowDialog(DryRunDesktop):
    """A key press opens the Save dialog, which takes 0.3 s to draw; counts captures."""

    def __init__(self, screen) -> None:
        super().__init__()
        self.screen = screen
        self.before = Image.new("RGB", screen.image.size, (250, 250, 250))
        self.pressed_at: list[float] = []
        self.captures = 0

    def hotkey(self, keys) -> None:
        super().hotkey(keys)
        self.pressed_at.append(time.monotonic())

    def screenshot(self):
        self.captures += 1
        if self.pressed_at and time.monotonic() - self.pressed_at[0] >= 0.3:
            return self.screen.image
        return self.before


def test_after_a_key_press_a_text_target_is_looked_for_once_the_press_shows(screen, grounder):
    # The accessibility tree lists a dialog before it is drawn (and placed): the
    # search must not start on the frame from before the press.
    desktop = _SlowDialog(screen)
    config = ExecutorConfig(find_timeout_s=0.0, key_effect_timeout_s=5.0)
    executor = ActionExecutor(desktop, grounder, config=config)
    executor.execute(Hotkey(("ctrl", "s")), desktop.before)
    executor.execute(TypeText("a.txt", into="Name"), desktop.before)
    _, (x, y), _ = desktop.calls[1]
    assert screen.inside("field", (x, y))


def test_after_a_key_press_typing_or_a_point_does_not_wait(screen, grounder):
    desktop = _SlowDialog(screen)
    config = ExecutorConfig(find_timeout_s=0.0, key_effect_timeout_s=5.0)
    executor = ActionExecutor(desktop, grounder, config=config)
    executor.execute(Hotkey(("ctrl", "end")), desktop.before)
    executor.execute(TypeText("abc"), desktop.before)
    executor.execute(Hotkey(("ctrl", "end")), desktop.before)
    executor.execute(Click(Point(5, 5)), desktop.before)
    assert desktop.captures == 0  # nothing looked at, so nothing waited for
    # A text target two actions after the press does not wait for it either.
    with pytest.raises(GroundingFailed):
        executor.execute(Click("Save"), desktop.before)
