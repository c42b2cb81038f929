"""IncrementalExpert around the shipped ONNX detector, on drawn dialogs."""

from __future__ import annotations

import threading

import pytest
from PIL import Image, ImageDraw, ImageFont

from drawn_screens import FONT, save_dialog
from grounding.detector.onnx_detector import OnnxDetector
from grounding.incremental import IncrementalExpert
from grounding.types import Box, Element

SIZE = (1800, 1000)
SECOND = (900, 480)  # where the second dialog sits (the first is at 0, 0)


class CountingExpert:
    """Wraps an expert and records the size of every image it parses."""

    def __init__(self, expert: OnnxDetector) -> None:
        self.expert = expert
        self.name = expert.name
        self.calls: list[tuple[int, int]] = []
        self._lock = threading.Lock()

    def parse(self, image: Image.Image) -> list[Element]:
        with self._lock:
            self.calls.append(image.size)
        return self.expert.parse(image)


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return OnnxDetector()


def _screen() -> Image.Image:
    """Two save dialogs on a desktop: four buttons the detector finds."""
    screen = Image.new("RGB", SIZE, (60, 60, 70))
    dialog = save_dialog().image
    screen.paste(dialog, (0, 0))
    screen.paste(dialog, SECOND)
    return screen


def _matched(got: list[Element], want: list[Element]) -> bool:
    """Every sure element (score >= 0.5) of each list has one in the other of its
    role with IoU >= 0.8. Unsure ones may come and go: a convolutional detector
    sees a little context, and the context of the changed region changed."""

    def covered(a: list[Element], b: list[Element]) -> bool:
        return all(any(x.role == y.role and x.box.iou(y.box) >= 0.8 for x in a)
                   for y in b if y.score >= 0.5)  # fmt: skip

    return covered(got, want) and covered(want, got)


def _no_duplicates(elements: list[Element]) -> bool:
    """No element found twice (an old one kept beside its re-detection)."""
    return not any(a.role == b.role and a.box.iou(b.box) >= 0.5
                   for i, a in enumerate(elements) for b in elements[i + 1 :])  # fmt: skip


def test_only_the_changed_region_is_parsed_again(detector: OnnxDetector) -> None:
    counting = CountingExpert(detector)
    incremental = IncrementalExpert(counting)
    screen = _screen()
    first = incremental.parse(screen)
    assert counting.calls == [SIZE]
    assert sum(e.role == "button" for e in first) >= 4

    # The same pixels again (a new image object): nothing is parsed.
    assert incremental.parse(screen.copy()) == first
    assert counting.calls == [SIZE]

    # Text typed into the first dialog's name field.
    typed = screen.copy()
    ImageDraw.Draw(typed).text((100, 32), "report.txt", fill="black",
                               font=ImageFont.truetype(FONT, 16))  # fmt: skip
    after = incremental.parse(typed)
    assert len(counting.calls) == 2
    width, height = counting.calls[1]
    assert width * height < SIZE[0] * SIZE[1] // 4
    region = incremental.last_region
    assert region is not None
    assert region.contains(100, 32)
    # Elements away from the change are the ones found before, untouched.
    far = [e for e in first if e.box.left >= SECOND[0] and e.box.top >= SECOND[1]]
    assert far
    assert all(e in after for e in far)
    # And the whole result matches a parse of the changed frame from scratch.
    assert _matched(after, detector.parse(typed))
    assert _no_duplicates(after)


def test_a_changed_control_is_detected_whole_again(detector: OnnxDetector) -> None:
    incremental = IncrementalExpert(detector)
    screen = _screen()
    before = incremental.parse(screen)
    save = next(e for e in before if e.role == "button" and e.box.contains(815, 470))
    # The Save button is pressed: its face darkens; the text stays.
    pressed = screen.copy()
    draw = ImageDraw.Draw(pressed)
    draw.rectangle((762, 452, 868, 458), fill=(200, 200, 200))
    after = incremental.parse(pressed)
    region = incremental.last_region
    assert region is not None
    assert region.contains(save.box.left, save.box.top)
    assert region.contains(save.box.right - 1, save.box.bottom - 1)
    assert _matched(after, detector.parse(pressed))
    assert _no_duplicates(after)


def test_a_new_screen_is_parsed_whole(detector: OnnxDetector) -> None:
    counting = CountingExpert(detector)
    incremental = IncrementalExpert(counting)
    incremental.parse(_screen())
    smaller = _screen().crop((0, 0, 1280, 800))
    incremental.parse(smaller)
    assert incremental.last_region == Box(0, 0, 1280, 800)
    # Another screen of the same size: most of it changed.
    other = Image.new("RGB", SIZE, (240, 240, 240))
    other.paste(save_dialog().image, (300, 200))
    incremental.parse(other)
    assert counting.calls == [SIZE, (1280, 800), SIZE]
    assert incremental.last_region == Box(0, 0, *SIZE)


def test_bad_settings_are_refused(detector: OnnxDetector) -> None:
    with pytest.raises(ValueError, match="context"):
        IncrementalExpert(detector, context=-1)
