"""bench.grounding counts VLM calls per query kind, over real HTTP to a replay endpoint."""

from __future__ import annotations

from pathlib import Path

from bench.grounding_eval import Frame, Query, evaluate, select_frames
from PIL import Image, ImageDraw, ImageFont

from grounding import Box, Grounder
from grounding.ocr import TesseractOcr
from grounding.replay_server import ReplayServer, ScriptedResponse
from grounding.vlm import VlmClient, VlmConfig, VlmGrounder


def _frame(tmp_path: Path) -> Frame:
    image = Image.new("RGB", (480, 160), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 24)
    ImageDraw.Draw(image).text((40, 40), "Preferences", fill="black", font=font)
    path = tmp_path / "frame.png"
    image.save(path)
    queries = [
        Query("the Preferences button", "text", Box(30, 30, 220, 80), "button"),
        Query("the gear icon", "icon", Box(400, 100, 440, 140), "button"),  # nothing drawn
        Query("the Quit button", "text", Box(300, 100, 380, 140), "button"),  # not on screen
    ]
    return Frame(path, [], queries, {"size": [480, 160]})


def test_vlm_calls_are_counted_by_kind_and_never_where_ocr_was_sure(tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    # The VLM answers the first question right (mark-less: a point) and fails the next.
    with ReplayServer([ScriptedResponse.message("(420, 120)")]) as server:
        config = VlmConfig(base_url=server.base_url, model="replay", max_retries=0)
        vlm = VlmGrounder(VlmClient(config, environ={}))
        result = evaluate([frame], lambda f: Grounder(TesseractOcr(), vlm=vlm))
        requests = len(server.chat_requests)
    assert requests == 2  # the icon and the absent label; not the label OCR read
    assert result["vlm_calls_per_query_by_kind"] == {"text": 0.5, "icon": 1.0}
    assert result["vlm_calls_per_query"] == round(2 / 3, 4)
    assert result["vlm_calls_on_local_hits"] == 0
    assert result["accuracy"]["text"] == 0.5
    assert result["correct_by_expert"]["vlm"] == 1


def test_frames_are_picked_by_a_glob_on_their_image_name(tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    assert select_frames([frame], None) == [frame]
    assert select_frames([frame], "fr*.png") == [frame]
    assert select_frames([frame], "galculator-*") == []
