"""The VLM expert against the replay server over real HTTP (real `openai` client)."""

from __future__ import annotations

import base64
import io
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image, ImageDraw

from grounding import GroundingError
from grounding.experts import VlmExpert
from grounding.replay_server import RecordedRequest, ReplayServer, ScriptedResponse
from grounding.types import Box, Element
from grounding.vlm import (
    VlmBadAnswer,
    VlmClient,
    VlmConfig,
    VlmGrounder,
    VlmHttpError,
    VlmTimeout,
    VlmUnreachable,
    parse_mark,
    parse_point,
    prompts,
)

SECRET = "sk-test-Secret-7f3a9c"
MODEL = "ui-tars-test"
say = ScriptedResponse.message


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DESKTOP_AGENT_VLM_API_KEY", SECRET)
    return SECRET


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert SECRET not in text, "the API key leaked into a log record"


def grounder(server: ReplayServer, **config: Any) -> VlmGrounder:
    config.setdefault("max_retries", 0)
    config.setdefault("timeout_s", 10)
    return VlmGrounder(VlmConfig(base_url=server.base_url, model=MODEL, **config))


def screen(width: int = 1280, height: int = 800) -> Image.Image:
    image = Image.new("RGB", (width, height), (235, 235, 235))
    ImageDraw.Draw(image).rectangle((width // 2, height // 2, width - 1, height - 1), fill="navy")
    return image


def sent_image(request: RecordedRequest) -> Image.Image:
    parts = request.body["messages"][-1]["content"]
    url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
    assert url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")


def sent_text(request: RecordedRequest) -> str:
    parts = request.body["messages"][-1]["content"]
    return "".join(p["text"] for p in parts if p["type"] == "text")


def run_point(answer: str, image: Image.Image, **config: Any) -> Any:
    with ReplayServer([say(answer)]) as server:
        return grounder(server, **config).point(image, "the Save button")


# --- coordinates mode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "(300, 200)",
        "[300, 200]",
        "x=300, y=200",
        "The button is at x: 300 y: 200.",
        "<point>300 200</point>",
        "Thought: the Save button is in the toolbar.\nAction: click(start_box='(300,200)')",
        "click(start_box='<|box_start|>(300,200)<|box_end|>')",
        '{"x": 300, "y": 200}',
        '```json\n{"point": [300, 200]}\n```',
        "[250, 150, 350, 250]",
        '[{"bbox_2d": [250, 150, 350, 250], "label": "Save"}]',
        "<|box_start|>(250,150),(350,250)<|box_end|>",
    ],
)
def test_point_styles_absolute(answer: str) -> None:
    result = run_point(answer, screen())
    assert result.point == (300, 200)
    assert result.expert == "vlm"
    assert result.confidence == pytest.approx(0.9)


def test_box_answer_keeps_the_box() -> None:
    result = run_point("[250, 150, 350, 250]", screen())
    assert result.box == Box(250, 150, 350, 250)


def test_downscaled_screenshot_is_mapped_back() -> None:
    image = screen(2560, 1600)
    with ReplayServer([say("(640, 400)"), say("[100, 200, 300, 400]")]) as server:
        vlm = grounder(server, max_image_side=1280)
        point = vlm.point(image, "centre")
        boxed = vlm.point(image, "a box")
        first = server.chat_requests[0]
    sent = sent_image(first)
    assert sent.size == (1280, 800)
    # The navy quarter is still where it belongs in the picture the model saw.
    assert sent.getpixel((1000, 700)) == (0, 0, 128)
    assert sent.getpixel((300, 300)) == (235, 235, 235)
    assert "1280 x 800" in sent_text(first)
    assert point.point == (1280, 800)
    assert boxed.point == (400, 600)
    assert boxed.box == Box(200, 400, 600, 800)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("(500, 500)", (960, 540)), ("<point>250 1000</point>", (480, 1079)), ("[0, 0]", (0, 0))],
)
def test_relative1000_frame(answer: str, expected: tuple[int, int]) -> None:
    result = run_point(answer, screen(1920, 1080), coordinate_frame="relative1000")
    assert result.point == expected


def test_relative1000_prompt_names_the_frame() -> None:
    with ReplayServer([say("(1, 1)")]) as server:
        grounder(server, coordinate_frame="relative1000").point(screen(), "Open")
        assert "0-1000" in sent_text(server.chat_requests[0])


@pytest.mark.parametrize(
    ("answer", "config", "fragment"),
    [
        ("I cannot find a Save button here.", {}, "no coordinates"),
        ("none", {}, "no coordinates"),
        ("", {}, "empty answer"),
        ("(1500, 300)", {}, "outside"),
        ("(-40, 300)", {}, "outside"),
        ("(300, 900)", {}, "outside"),
        ("(1200, 10)", {"coordinate_frame": "relative1000"}, "outside the 0-1000 frame"),
    ],
)
def test_bad_coordinates_raise_and_quote_the_answer(
    answer: str, config: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(VlmBadAnswer) as caught:
        run_point(answer, screen(), **config)
    message = str(caught.value)
    assert fragment in message
    if answer:
        assert repr(answer) in message
    assert caught.value.answer == answer


def test_long_garbage_is_quoted_truncated() -> None:
    with pytest.raises(VlmBadAnswer) as caught:
        run_point("blah " * 200, screen())
    assert "..." in str(caught.value)
    assert len(str(caught.value)) < 400


def test_absolute_pixel_answer_outside_a_downscaled_image_is_rejected() -> None:
    # 2000 is inside the original 2560 width but outside the 1280 px image sent.
    with pytest.raises(VlmBadAnswer, match="1280x800 screenshot"):
        run_point("(2000, 100)", screen(2560, 1600), max_image_side=1280)


# --- set-of-marks mode --------------------------------------------------------------------

CANDIDATES = [
    Element(Box(100, 100, 200, 140), role="button", text="Open", source="ocr"),
    Element(Box(300, 100, 400, 140), role="button", text="Save", source="ocr"),
    Element(Box(500, 100, 600, 140), role="button", text="Quit", source="ocr"),
]


@pytest.mark.parametrize("answer", ["2", "Mark 2", "[2]", '{"mark": 2}', "The answer is 2."])
def test_choose_mark_styles(answer: str) -> None:
    with ReplayServer([say(answer)]) as server:
        result = grounder(server).choose(screen(), "the Save button", CANDIDATES)
    assert result.box == CANDIDATES[1].box
    assert result.point == CANDIDATES[1].box.center
    assert result.candidates == tuple(CANDIDATES)
    assert result.expert == "vlm"


def test_choose_draws_numbered_marks_on_the_sent_image() -> None:
    image = screen(2560, 1600)
    candidates = [Element(Box(200, 400, 600, 600)), Element(Box(1200, 400, 1600, 600))]
    with ReplayServer([say("1")]) as server:
        grounder(server, max_image_side=1280).choose(image, "left one", candidates)
        request = server.chat_requests[0]
    sent = sent_image(request)
    assert sent.size == (1280, 800)
    grey = (235, 235, 235)
    # Outlines land on the candidates' boxes scaled to the sent size (100..300, 200..300).
    assert sent.getpixel((100, 250)) != grey
    assert sent.getpixel((600, 250)) != grey
    assert sent.getpixel((200, 250)) == grey  # inside a box: untouched
    assert "2 UI elements" in sent_text(request)
    assert "left one" in sent_text(request)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ("7", "only marks 1 to 3 exist"),
        ("Mark 4", "only marks 1 to 3 exist"),
        ("0", "none of the 3 marks"),
        ("None of them is the Save button.", "none of the 3 marks"),
        ("Maybe 1 or 3?", "no mark number"),
        ("I am not sure.", "no mark number"),
    ],
)
def test_bad_marks_raise(answer: str, fragment: str) -> None:
    with ReplayServer([say(answer)]) as server, pytest.raises(VlmBadAnswer) as caught:
        grounder(server).choose(screen(), "the Save button", CANDIDATES)
    assert fragment in str(caught.value)
    assert repr(answer) in str(caught.value)


# --- transport failures -------------------------------------------------------------------


def test_timeout_gives_a_clear_error(all_logs: pytest.LogCaptureFixture) -> None:
    with ReplayServer([ScriptedResponse.delay(30)]) as server:
        vlm = grounder(server, timeout_s=0.3)
        with pytest.raises(VlmTimeout) as caught:
            vlm.point(screen(), "Save")
        url = server.base_url
    assert f"the VLM endpoint at {url} did not answer within 0.3 s" in str(caught.value)
    assert vlm.calls == 1


def test_server_error_500(all_logs: pytest.LogCaptureFixture) -> None:
    with ReplayServer([ScriptedResponse.error(500, "model crashed")]) as server:
        with pytest.raises(VlmHttpError) as caught:
            grounder(server).point(screen(), "Save")
        assert len(server.chat_requests) == 1
    assert caught.value.status == 500
    assert "HTTP 500: model crashed" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_500_is_retried_until_max_retries() -> None:
    script = [ScriptedResponse.error(500, "again", retry_after=0.01)] * 2
    with ReplayServer(script) as server:
        with pytest.raises(VlmHttpError, match="HTTP 500"):
            grounder(server, max_retries=1).point(screen(), "Save")
        assert len(server.chat_requests) == 2


def test_rate_limit_is_retried_then_succeeds() -> None:
    script = [ScriptedResponse.error(429, "slow down", retry_after=0.01), say("(10, 20)")]
    with ReplayServer(script) as server:
        vlm = grounder(server, max_retries=2)
        result = vlm.point(screen(), "Save")
        assert len(server.chat_requests) == 2
    assert result.point == (10, 20)
    assert vlm.calls == 1


def test_unauthorized_points_at_the_key_variable() -> None:
    script = [ScriptedResponse.error(401, "invalid api key", error_type="invalid_request_error")]
    with ReplayServer(script) as server, pytest.raises(VlmHttpError) as caught:
        grounder(server).point(screen(), "Save")
    assert caught.value.status == 401
    assert "$DESKTOP_AGENT_VLM_API_KEY" in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "response",
    [ScriptedResponse.malformed(), ScriptedResponse.json_body({"unexpected": True})],
)
def test_malformed_body_is_a_bad_answer(response: ScriptedResponse) -> None:
    with (
        ReplayServer([response]) as server,
        pytest.raises(VlmBadAnswer, match=r"could not be read|malformed"),
    ):
        grounder(server).point(screen(), "Save")


def test_dead_endpoint(all_logs: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    vlm = VlmGrounder(VlmConfig(base_url=url, model=MODEL, max_retries=0, timeout_s=5))
    with pytest.raises(VlmUnreachable) as caught:
        vlm.point(screen(), "Save")
    message = str(caught.value)
    assert message.startswith(f"could not reach the VLM endpoint at {url}: ")
    assert "check base_url / that the server runs" in message
    assert isinstance(caught.value, GroundingError)


# --- what was sent, and what was not logged -----------------------------------------------


def test_request_carries_model_image_and_key_but_logs_never_do(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    script = [say("(300, 200)", prompt_tokens=1200, completion_tokens=8), say("Mark 1")]
    with ReplayServer(script) as server:
        vlm = grounder(server)
        vlm.point(screen(), "the Save button")
        vlm.choose(screen(), "the Open button", CANDIDATES)
        requests = server.chat_requests
    for request in requests:
        assert request.body["model"] == MODEL
        assert request.headers["authorization"] == f"Bearer {SECRET}"
        assert sent_image(request).size == (1280, 800)
    assert "the Save button" in sent_text(requests[0])
    assert vlm.calls == 2
    assert vlm.usage.prompt_tokens == 1300
    assert vlm.usage.completion_tokens == 18
    assert SECRET not in repr(vlm)
    assert SECRET not in repr(vlm.config)


def test_no_key_set_sends_a_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKTOP_AGENT_VLM_API_KEY")
    with ReplayServer([say("(1, 2)")]) as server:
        grounder(server).point(screen(), "x")
        assert server.chat_requests[0].headers["authorization"] == "Bearer EMPTY"


def test_grounder_is_a_vlm_expert() -> None:
    with ReplayServer() as server:
        assert isinstance(grounder(server), VlmExpert)


def test_config_from_env() -> None:
    env = {
        "DESKTOP_AGENT_VLM_BASE_URL": "http://localhost:8000/v1",
        "DESKTOP_AGENT_VLM_MODEL": "qwen",
        "DESKTOP_AGENT_VLM_FRAME": "relative1000",
    }
    config = VlmConfig.from_env(env)
    assert config is not None
    assert (config.base_url, config.model, config.coordinate_frame) == (
        "http://localhost:8000/v1",
        "qwen",
        "relative1000",
    )
    assert VlmConfig.from_env({}) is None
    with pytest.raises(ValueError, match="relative1000"):
        VlmConfig(base_url="http://x/v1", model="m", coordinate_frame="percent")  # type: ignore[arg-type]


# --- prompts and parsers ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(prompts.TEMPLATES))
def test_every_prompt_renders(name: str) -> None:
    description = 'the "{Save}" button costing $5'
    text = prompts.render(
        prompts.TEMPLATES[name], description=description, width=1280, height=800, count=3
    )
    assert description in text
    assert "$" not in text.replace("$5", "")
    with pytest.raises(KeyError):
        prompts.render(prompts.TEMPLATES[name])


def test_parsers_on_text_without_numbers() -> None:
    assert parse_point("no idea") is None
    assert parse_mark("no idea") is None
    assert parse_point("(12.5, 7)") is not None


# --- the usage hook -----------------------------------------------------------------------


class BookingHook:
    """Books calls like an application would; refuses once `refuse` is set."""

    def __init__(self) -> None:
        self.booked: list[tuple[int, int, str]] = []
        self.refuse = False

    def before_call(self) -> None:
        if self.refuse:
            raise RuntimeError("over budget")

    def on_usage(self, prompt_tokens: int, completion_tokens: int, model: str) -> None:
        self.booked.append((prompt_tokens, completion_tokens, model))


def test_the_usage_hook_is_told_each_calls_tokens_even_for_an_unusable_answer() -> None:
    hook = BookingHook()
    script = [
        say("(10, 20)", prompt_tokens=700, completion_tokens=9),
        say("no idea", prompt_tokens=300, completion_tokens=4),
    ]
    with ReplayServer(script) as server:
        config = VlmConfig(base_url=server.base_url, model=MODEL, max_retries=0)
        vlm = VlmGrounder(VlmClient(config, usage_hook=hook))
        vlm.point(screen(), "Save")
        with pytest.raises(VlmBadAnswer):
            vlm.point(screen(), "Save")  # paid for, so still booked
    assert hook.booked == [(700, 9, MODEL), (300, 4, MODEL)]


def test_a_refusing_usage_hook_stops_the_call_before_anything_is_sent() -> None:
    hook = BookingHook()
    hook.refuse = True
    with ReplayServer([say("(10, 20)")]) as server:
        config = VlmConfig(base_url=server.base_url, model=MODEL, max_retries=0)
        client = VlmClient(config, usage_hook=hook)
        # The hook's own error, unchanged: the application decides what a refusal means.
        with pytest.raises(RuntimeError, match="over budget"):
            VlmGrounder(client).point(screen(), "Save")
        assert server.chat_requests == []
    assert client.calls == 0
    assert hook.booked == []
