"""`desktop-agent ground` and `parse` on a rendered screenshot, through ui.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from grounding.overlay import source_color
from ui.cli import main

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MENU = "File  Edit  View"


@pytest.fixture
def screenshot(tmp_path: Path) -> Path:
    img = Image.new("RGB", (640, 360), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 16)
    draw.text((20, 20), MENU, font=font, fill="black")
    draw.rectangle((420, 290, 540, 330), outline="black")
    draw.text((455, 300), "Save", font=font, fill="black")
    path = tmp_path / "screen.png"
    img.save(path)
    return path


def test_ground_prints_the_point_inside_the_target(screenshot, capsys):
    assert main(["ground", str(screenshot), "the Save button"]) == 0
    out = capsys.readouterr().out
    point = next(line for line in out.splitlines() if line.startswith("point:"))
    x, y = (int(v) for v in point.split(":")[1].split(","))
    assert 450 <= x <= 500
    assert 295 <= y <= 320
    assert "expert:" in out
    assert "confidence:" in out
    assert "'Save'" in out


def _ink(word: str) -> tuple[int, int, int, int]:
    """The box of `word`'s pixels where the screenshot draws it in MENU."""
    font = ImageFont.truetype(FONT, 16)
    alone = Image.new("L", (640, 360), 0)
    x = 20 + font.getlength(MENU[: MENU.index(word)])
    ImageDraw.Draw(alone).text((x, 20), word, font=font, fill=255)
    box = alone.getbbox()
    assert box is not None
    return box


def test_ground_json_round_trips(screenshot, capsys):
    assert main(["ground", str(screenshot), "Edit", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is True
    left, right = data["box"]["left"], data["box"]["right"]
    # Edit's box: all of its letters and none of File's or View's (the gaps between
    # the words may go either way, as a menu item's padding does).
    ink = {word: _ink(word) for word in ("File", "Edit", "View")}
    assert ink["File"][2] <= left <= ink["Edit"][0] < data["point"][0]
    assert data["point"][0] < ink["Edit"][2] <= right <= ink["View"][0]
    assert data["candidates"][0]["text"] == "Edit"


def test_ground_not_found_exits_1_naming_what_was_seen(screenshot, capsys):
    assert main(["ground", str(screenshot), "Print"]) == 1
    err = capsys.readouterr().err
    assert "Print" in err
    assert "Save" in err


def test_parse_lists_elements_and_writes_the_overlay(screenshot, tmp_path, capsys):
    overlay = tmp_path / "overlay.png"
    assert main(["parse", str(screenshot), "--overlay", str(overlay), "--json"]) == 0
    elements = json.loads(capsys.readouterr().out)
    texts = [e["text"] for e in elements]
    assert any("Save" in t for t in texts)
    assert any("Edit" in t for t in texts)
    save = next(e for e in elements if "Save" in e["text"])
    assert save["box"]["left"] >= 440
    assert save["source"]
    drawn = Image.open(overlay).convert("RGB")
    original = Image.open(screenshot).convert("RGB")
    assert drawn.size == original.size
    # The overlay marks the Save element's box edge; the original has white there.
    b = save["box"]
    edge = [(x, b["bottom"] - 1) for x in range(b["left"], b["right"])]
    color = source_color(save["source"])
    assert all(drawn.getpixel(p) == color for p in edge)
    assert not all(original.getpixel(p) == color for p in edge)
    assert drawn.getpixel((300, 200)) == original.getpixel((300, 200))


def test_parse_prints_a_table(screenshot, capsys):
    assert main(["parse", str(screenshot)]) == 0
    out = capsys.readouterr().out
    assert "'Save'" in out
    assert "box=" in out
    assert "source=" in out


@pytest.mark.parametrize("command", [["parse"], ["ground"]])
def test_a_missing_or_bad_image_exits_2(tmp_path, capsys, command):
    extra = ["Save"] if command == ["ground"] else []
    assert main([*command, str(tmp_path / "missing.png"), *extra]) == 2
    assert "no such image file" in capsys.readouterr().err
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    assert main([*command, str(text), *extra]) == 2
    assert "not an image" in capsys.readouterr().err
