"""The recognizer's input: frames peeled, glyph cut out tight, polarity-free, no crash."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from grounding.icons.preprocess import CHANNELS, INPUT_SIZE, prepare_batch, prepare_crop


def _plus(fg: tuple[int, int, int], bg: tuple[int, int, int], size: int = 16) -> Image.Image:
    image = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(image)
    mid = size // 2
    draw.rectangle((mid - 1, 3, mid, size - 4), fill=fg)
    draw.rectangle((3, mid - 1, size - 4, mid), fill=fg)
    return image


def _button(glyph: Image.Image, pad: int, border: tuple[int, int, int] | None) -> Image.Image:
    bg = glyph.getpixel((0, 0))
    assert isinstance(bg, tuple)
    image = Image.new("RGB", (glyph.width + 2 * pad, glyph.height + 2 * pad), bg)
    image.paste(glyph, (pad, pad))
    if border is not None:
        ImageDraw.Draw(image).rounded_rectangle(
            (0, 0, image.width - 1, image.height - 1), radius=4, outline=border
        )
    return image


@pytest.mark.parametrize(
    "crop",
    [
        Image.new("RGB", (0, 0)),
        Image.new("RGB", (1, 1), (255, 0, 0)),
        Image.new("RGB", (1, 40), (255, 0, 0)),
        Image.new("RGB", (3, 2), (0, 0, 0)),
        Image.new("RGB", (40, 30), (240, 240, 240)),  # an empty button
        Image.new("L", (20, 20), 128),
        Image.new("RGBA", (20, 20), (0, 0, 0, 0)),
    ],
)
def test_odd_crops_give_a_valid_input(crop: Image.Image) -> None:
    x = prepare_crop(crop)
    assert x.shape == (CHANNELS, INPUT_SIZE, INPUT_SIZE)
    assert x.dtype == np.float32
    assert np.isfinite(x).all()


def test_blank_crops_are_zero() -> None:
    assert not prepare_crop(Image.new("RGB", (40, 30), (240, 240, 240))).any()
    assert not prepare_crop(Image.new("RGB", (0, 0))).any()


def test_glyph_fills_the_input_whatever_its_size_and_padding() -> None:
    small = prepare_crop(_button(_plus((30, 30, 30), (240, 240, 240), 16), 10, None))
    big = prepare_crop(_button(_plus((30, 30, 30), (240, 240, 240), 32), 3, None))
    for x in (small, big):
        ys, xs = np.nonzero(x[0] > 0.5)
        assert ys.min() <= 6
        assert ys.max() >= INPUT_SIZE - 7
        assert xs.min() <= 6
        assert xs.max() >= INPUT_SIZE - 7


def test_light_on_dark_equals_dark_on_light() -> None:
    light = prepare_crop(_button(_plus((40, 40, 40), (245, 245, 245)), 6, None))
    dark = prepare_crop(_button(_plus((235, 235, 235), (40, 40, 40)), 6, None))
    orange = prepare_crop(_button(_plus((210, 100, 20), (250, 250, 250)), 6, None))
    assert np.abs(light - dark).max() < 0.05
    assert np.abs(light[0] - orange[0]).max() < 0.05


def test_button_frame_is_peeled_off() -> None:
    glyph = _plus((40, 40, 40), (245, 245, 245))
    bare = prepare_crop(_button(glyph, 8, None))
    framed = prepare_crop(_button(glyph, 8, (150, 150, 150)))
    high_contrast = prepare_crop(_button(glyph, 8, (0, 0, 0)))
    assert np.abs(bare - framed).max() < 0.05
    assert np.abs(bare - high_contrast).max() < 0.05


def test_a_square_glyph_is_not_taken_for_a_frame() -> None:
    # window-maximize draws a square outline: in a crop of the bare 16 px icon
    # it must survive as the glyph.
    image = Image.new("RGB", (16, 16), (245, 245, 245))
    ImageDraw.Draw(image).rectangle((3, 3, 12, 12), outline=(30, 30, 30), width=2)
    x = prepare_crop(image)
    _, xs = np.nonzero(x[0] > 0.5)
    assert xs.min() <= 6  # the strokes are still there
    assert xs.max() >= INPUT_SIZE - 7
    assert x[0, 16, 16] < 0.1  # and the middle empty


def test_batch_is_the_stack_of_single_crops() -> None:
    crops = [_plus((0, 0, 0), (255, 255, 255)), Image.new("RGB", (5, 5))]
    batch = prepare_batch(crops)
    assert batch.shape == (2, CHANNELS, INPUT_SIZE, INPUT_SIZE)
    assert np.array_equal(batch[0], prepare_crop(crops[0]))
    assert prepare_batch([]).shape == (0, CHANNELS, INPUT_SIZE, INPUT_SIZE)
