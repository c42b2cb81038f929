"""The shipped icon model on Adwaita icons drawn at sizes and in a colour it never saw."""

from __future__ import annotations

import colorsys
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image, ImageDraw

from grounding.errors import ExpertUnavailable
from grounding.icons import NONE, IconRecognizer, default_model_path, match_icon
from grounding.icons.data import HELD_OUT_SIZES, SIZES
from grounding.icons.synth.compose import HELD_OUT_HUES
from grounding.icons.synth.render import render_svg

ADWAITA = Path("/usr/share/icons/Adwaita/scalable")
COMMON = ("document-save", "edit-find", "window-close", "list-add")
ORANGE = (214, 112, 24)  # hue ~25 degrees: training never draws it


def _adwaita(name: str) -> str:
    found = sorted(ADWAITA.glob(f"*/{name}-symbolic.svg"))
    assert found, f"Adwaita lacks {name}-symbolic.svg (install adwaita-icon-theme)"
    return str(found[0])


def _button(
    name: str, size: int, fg: tuple[int, int, int], bg: tuple[int, int, int]
) -> Image.Image:
    glyph = render_svg(_adwaita(name), size)
    assert glyph is not None
    pad = 7
    image = Image.new("RGB", (size + 2 * pad, size + 2 * pad), bg)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, image.width - 1, image.height - 1), radius=5,
                           outline=tuple(max(0, c - 60) for c in bg))  # fmt: skip
    colored = np.zeros_like(glyph)
    colored[..., :3] = fg
    colored[..., 3] = glyph[..., 3]
    layer = Image.fromarray(colored, "RGBA")
    image.paste(layer, (pad, pad), layer)
    return image


@pytest.fixture(scope="module")
def recognizer() -> IconRecognizer:
    return IconRecognizer.default()


def test_test_conditions_are_really_held_out() -> None:
    assert not set(HELD_OUT_SIZES) & set(SIZES)
    hue = colorsys.rgb_to_hls(*(c / 255 for c in ORANGE))[0] * 360
    assert HELD_OUT_HUES[0] < hue < HELD_OUT_HUES[1]


def test_shipped_model_metadata_lists_the_meanings() -> None:
    path = default_model_path()
    assert path.stat().st_size <= 3_000_000
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    meanings = json.loads(meta["meanings"])
    assert meanings[-1] == NONE
    assert len(meanings) >= 200
    assert set(COMMON) <= set(meanings)
    assert int(meta["input_size"]) == 32


@pytest.mark.parametrize("size", HELD_OUT_SIZES)
@pytest.mark.parametrize("bg", [(250, 248, 245), (38, 38, 44)])
def test_common_adwaita_icons_are_recognised(
    recognizer: IconRecognizer, size: int, bg: tuple[int, int, int]
) -> None:
    crops = [_button(name, size, ORANGE, bg) for name in COMMON]
    results = recognizer.recognize(crops, top_k=5)
    assert [r[0][0] for r in results] == list(COMMON)
    for result in results:
        probabilities = [p for _, p in result]
        assert probabilities == sorted(probabilities, reverse=True)
        assert 0.0 < sum(probabilities) <= 1.0 + 1e-5


def test_descriptions_pick_the_right_crop(recognizer: IconRecognizer) -> None:
    names = ("document-save", "edit-find", "window-close", "list-add", "open-menu")
    crops = [_button(n, 16, (46, 52, 54), (246, 245, 244)) for n in names]
    results = recognizer.recognize(crops, top_k=10)
    for description, want in (("the Save button", 0), ("the Search button", 1),
                              ("the Close button", 2), ("the Add item button", 3),
                              ("the Menu button", 4)):  # fmt: skip
        scores = [match_icon(description, r) for r in results]
        assert int(np.argmax(scores)) == want, (description, scores)


def test_text_and_empty_buttons_read_as_none(recognizer: IconRecognizer) -> None:
    empty = Image.new("RGB", (40, 32), (240, 240, 240))
    results = recognizer.recognize([empty], top_k=3)
    assert results[0][0][0] == NONE


@pytest.mark.parametrize(
    "crop",
    [Image.new("RGB", (0, 0)), Image.new("RGB", (1, 1)), Image.new("RGB", (3, 60), (9, 9, 9))],
)
def test_bad_crops_do_not_crash(recognizer: IconRecognizer, crop: Image.Image) -> None:
    (result,) = recognizer.recognize([crop], top_k=4)
    assert len(result) == 4
    assert all(name in recognizer.meanings for name, _ in result)


def test_batches_equal_single_crops(recognizer: IconRecognizer) -> None:
    crops = [_button(n, 24, (0, 0, 0), (255, 255, 255)) for n in COMMON] * 20  # > one batch
    together = recognizer.probabilities(crops)
    alone = np.concatenate([recognizer.probabilities([c]) for c in crops[:4]])
    assert together.shape == (80, len(recognizer.meanings))
    assert np.allclose(together[:4], alone, atol=1e-5)
    assert recognizer.recognize([]) == []


def test_missing_or_foreign_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExpertUnavailable, match="not found"):
        IconRecognizer(tmp_path / "nope.onnx")
    foreign = onnx.load(str(default_model_path()))
    del foreign.metadata_props[:]
    path = tmp_path / "foreign.onnx"
    onnx.save(foreign, str(path))
    with pytest.raises(ExpertUnavailable, match="not a desktop-agent icon model"):
        IconRecognizer(path)
