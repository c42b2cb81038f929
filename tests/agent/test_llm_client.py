"""The model client against the replay server over real HTTP (the real `openai` SDK)."""

from __future__ import annotations

import base64
import io
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from desktop_agent.errors import StoppedByUser
from desktop_agent.llm.client import OpenAIChatModel
from desktop_agent.llm.config import RoleConfig
from desktop_agent.llm.errors import (
    CostLimitReached,
    ModelBadAnswer,
    ModelError,
    ModelHttpError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnreachable,
)
from desktop_agent.llm.types import ChatMessage, ChatModel, ChatReply, Usage
from desktop_agent.llm.usage import UsageMeter, cost_of
from desktop_agent.redaction import clear_registered_secrets
from grounding.replay_server import RecordedRequest, ReplayServer, ScriptedResponse

SECRET = "sk-test-PlannerKey-9c1d7e"
say = ScriptedResponse.message
HELLO = [ChatMessage("system", "You operate a desktop."), ChatMessage("user", "Say hi.")]


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    clear_registered_secrets()


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert SECRET not in text, "the API key leaked into a log record"


def model(
    server: ReplayServer | str,
    *,
    role: str = "planner",
    meter: UsageMeter | None = None,
    **settings: Any,
) -> OpenAIChatModel:
    base_url = server if isinstance(server, str) else server.base_url
    settings.setdefault("backoff_s", 0.01)
    settings.setdefault("timeout_s", 10)
    settings.setdefault("api_key_env", "TEST_PLANNER_KEY")
    config = RoleConfig(base_url=base_url, model="replay-planner", **settings)
    return OpenAIChatModel(role, config, meter=meter, env={"TEST_PLANNER_KEY": SECRET})


def sent_images(request: RecordedRequest) -> list[Image.Image]:
    parts = request.body["messages"][-1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert all(url.startswith("data:image/png;base64,") for url in urls)
    return [Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) for url in urls]


def test_text_usage_and_cost_come_back(all_logs: pytest.LogCaptureFixture) -> None:
    meter = UsageMeter()
    with ReplayServer([say("click('Save')", prompt_tokens=1200, completion_tokens=30)]) as server:
        client = model(server, meter=meter, input_usd_per_mtok=2.5, output_usd_per_mtok=10)
        reply = client.chat(HELLO, max_tokens=64)
        (request,) = server.chat_requests
    as_protocol: ChatModel = client  # mypy checks the Protocol; the role is what planners read
    assert as_protocol.role == "planner"
    assert reply.text == "click('Save')"
    assert reply.usage == Usage(1200, 30)
    assert reply.cost_usd == pytest.approx((1200 * 2.5 + 30 * 10) / 1e6)
    assert (reply.role, reply.model, reply.attempts) == ("planner", "replay-planner", 1)
    assert request.body["model"] == "replay-planner"
    assert request.body["max_tokens"] == 64
    assert request.body["temperature"] == 0.0
    assert request.body["messages"] == [
        {"role": "system", "content": "You operate a desktop."},
        {"role": "user", "content": "Say hi."},
    ]
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert meter.calls("planner") == 1
    assert meter.cost_usd() == pytest.approx(reply.cost_usd)
    assert "planner" in all_logs.text
    assert "1200 prompt" in all_logs.text


def test_an_image_arrives_as_a_png_data_url_downscaled_to_max_image_side() -> None:
    screenshot = Image.new("RGB", (2560, 1600), "navy")
    message = ChatMessage("user", "What is on the screen?", images=(screenshot,))
    with ReplayServer([say("a blue screen")]) as server:
        model(server, max_image_side=1000).chat([message])
        (request,) = server.chat_requests
    parts = request.body["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "What is on the screen?"}
    (sent,) = sent_images(request)
    assert sent.format == "PNG"
    assert sent.size == (1000, 625)
    assert sent.convert("RGB").getpixel((500, 300)) == (0, 0, 128)


def test_a_rate_limit_is_retried_and_the_second_answer_is_used() -> None:
    script = [ScriptedResponse.error(429, "slow down", retry_after=0), say("ok")]
    with ReplayServer(script) as server:
        reply = model(server, max_retries=2).chat(HELLO)
        assert len(server.chat_requests) == 2
    assert reply.text == "ok"
    assert reply.attempts == 2


def _wait_for_requests(server: ReplayServer, count: int) -> None:
    for _ in range(2000):
        if len(server.chat_requests) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"the server never saw {count} request(s)")


def test_cancel_ends_a_retry_wait_at_once_and_sends_nothing_more() -> None:
    # The server asks for 30 s; the cancel must not wait them out.
    script = [ScriptedResponse.error(429, "slow down", retry_after=30), say("too late")]
    outcome: list[BaseException | ChatReply] = []
    with ReplayServer(script) as server:
        client = model(server, max_retries=2)

        def call() -> None:
            try:
                outcome.append(client.chat(HELLO))
            except BaseException as exc:
                outcome.append(exc)

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        _wait_for_requests(server, 1)
        client.cancel()
        caller.join(20)  # well under the 30 s the server asked for
        assert not caller.is_alive(), "the retry wait was not interrupted"
        assert len(server.chat_requests) == 1
    (result,) = outcome
    assert isinstance(result, StoppedByUser)
    assert "cancelled" in str(result)
    assert client.cancelled


def test_a_cancelled_or_closed_client_sends_no_request() -> None:
    with ReplayServer([say("never")]) as server:
        cancelled = model(server)
        cancelled.cancel()
        with pytest.raises(StoppedByUser):
            cancelled.chat(HELLO)
        closed = model(server)
        closed.close()
        assert closed.cancelled
        with pytest.raises(StoppedByUser):
            closed.chat(HELLO)
        assert server.chat_requests == []


def test_rate_limits_past_the_retries_raise_model_rate_limited() -> None:
    script = [ScriptedResponse.error(429, "slow down", retry_after=0)] * 3
    with ReplayServer(script) as server:
        with pytest.raises(ModelRateLimited) as caught:
            model(server, max_retries=2).chat(HELLO)
        assert len(server.chat_requests) == 3
    assert caught.value.status == 429
    assert "slow down" in str(caught.value)


def test_server_errors_are_retried_then_raised_with_the_status() -> None:
    max_retries = 2
    script = [ScriptedResponse.error(500, "the GPU fell over")] * (max_retries + 1)
    with ReplayServer(script) as server:
        with pytest.raises(ModelHttpError) as caught:
            model(server, max_retries=max_retries).chat(HELLO)
        assert len(server.chat_requests) == max_retries + 1
    assert caught.value.status == 500
    assert not isinstance(caught.value, ModelRateLimited)
    assert "the GPU fell over" in str(caught.value)
    assert "3 attempt(s)" in str(caught.value)


def test_a_client_error_is_not_retried() -> None:
    script = [ScriptedResponse.error(404, "model not found", error_type="not_found"), say("x")]
    with ReplayServer(script) as server:
        with pytest.raises(ModelHttpError) as caught:
            model(server, max_retries=3).chat(HELLO)
        assert len(server.chat_requests) == 1
    assert caught.value.status == 404
    assert "replay-planner" in str(caught.value)


def test_a_server_slower_than_timeout_s_raises_model_timeout() -> None:
    script = [ScriptedResponse.delay(30), ScriptedResponse.delay(30)]
    with ReplayServer(script) as server:
        with pytest.raises(ModelTimeout) as caught:
            model(server, timeout_s=0.2, max_retries=1).chat(HELLO)
        assert len(server.chat_requests) == 2  # the timeout was retried once
    assert "0.2 s" in str(caught.value)


def test_a_dead_port_raises_model_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ModelUnreachable) as caught:
        model(f"http://127.0.0.1:{port}/v1", max_retries=1).chat(HELLO)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "check base_url" in str(caught.value)


def test_a_body_that_is_not_json_raises_model_bad_answer() -> None:
    with ReplayServer([ScriptedResponse.malformed()]) as server, pytest.raises(ModelBadAnswer):
        model(server, max_retries=0).chat(HELLO)


def test_missing_usage_counts_as_zero_tokens() -> None:
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "replay-planner",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
    }
    with ReplayServer([ScriptedResponse.json_body(body)]) as server:
        reply = model(server, input_usd_per_mtok=5).chat(HELLO)
    assert (reply.text, reply.usage, reply.cost_usd) == ("hi", Usage(), 0.0)


def test_the_cost_ceiling_stops_further_requests() -> None:
    # 1000 prompt tokens at $1/Mtok = $0.001 a call; the ceiling is two calls' worth.
    meter = UsageMeter(max_cost_usd=0.002)
    script = [say("a", prompt_tokens=1000, completion_tokens=0)] * 3
    with ReplayServer(script) as server:
        client = model(server, meter=meter, input_usd_per_mtok=1.0)
        client.chat(HELLO)
        with pytest.raises(CostLimitReached) as reached:
            client.chat(HELLO)  # this answer reaches the ceiling
        with pytest.raises(CostLimitReached) as refused:
            client.chat(HELLO)  # refused before sending
        assert len(server.chat_requests) == 2
        assert server.remaining == 1
    assert reached.value.reply is not None
    assert reached.value.reply.text == "a"
    assert refused.value.reply is None
    assert refused.value.spent_usd == pytest.approx(0.002)
    assert refused.value.limit_usd == 0.002
    assert "max_cost_usd" in str(refused.value)


def test_roles_share_one_meter_and_the_summary_splits_them() -> None:
    meter = UsageMeter()
    script = [say("p", prompt_tokens=100, completion_tokens=10)] * 2 + [
        say("w", prompt_tokens=50, completion_tokens=5)
    ]
    with ReplayServer(script) as server:
        planner = model(server, meter=meter, input_usd_per_mtok=10, output_usd_per_mtok=30)
        worker = model(server, role="worker", meter=meter, input_usd_per_mtok=1)
        planner.chat(HELLO)
        planner.chat(HELLO)
        worker.chat(HELLO)
    summary = meter.summary()
    assert set(summary) == {"planner", "worker", "total"}
    assert summary["planner"]["calls"] == 2
    assert summary["planner"]["prompt_tokens"] == 200
    assert summary["worker"]["total_tokens"] == 55
    assert summary["total"]["calls"] == 3
    assert summary["total"]["cost_usd"] == pytest.approx((200 * 10 + 20 * 30 + 50 * 1) / 1e6)
    assert meter.usage() == Usage(250, 25)
    assert meter.calls("grounding") == 0


def test_the_meter_is_thread_safe() -> None:
    meter = UsageMeter()
    reply = ChatReply("x", Usage(3, 1), cost_usd=0.5, role="worker")

    def record_many() -> None:
        for _ in range(500):
            meter.record(reply)

    threads = [threading.Thread(target=record_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert meter.calls() == 2000
    assert meter.usage("worker") == Usage(6000, 2000)
    assert meter.cost_usd() == pytest.approx(1000.0)


def test_cost_of_uses_prices_per_million_tokens() -> None:
    config = RoleConfig(
        "http://localhost:8000/v1", "m", input_usd_per_mtok=3, output_usd_per_mtok=15
    )
    assert cost_of(Usage(1_000_000, 2_000_000), config) == pytest.approx(33.0)


def test_the_key_reaches_the_server_but_no_log_repr_or_error(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    # A server that echoes the key in its error text, as some gateways do.
    script = [
        ScriptedResponse.error(500, f"bad gateway for key {SECRET}"),
        ScriptedResponse.error(401, f"Incorrect API key provided: {SECRET}", error_type="auth"),
    ]
    with ReplayServer(script) as server:
        client = model(server, max_retries=1)
        with pytest.raises(ModelError) as caught:
            client.chat(HELLO)
        headers = [r.headers["authorization"] for r in server.chat_requests]
    assert headers == [f"Bearer {SECRET}"] * 2
    assert isinstance(caught.value, ModelHttpError)
    assert caught.value.status == 401
    for text in (repr(client), repr(client.config), str(caught.value), repr(caught.value)):
        assert SECRET not in text
    assert "TEST_PLANNER_KEY" in str(caught.value)  # says where the key comes from
    assert "TEST_PLANNER_KEY" in repr(client)
    assert caught.value.__cause__ is None  # the SDK's exception (with the body) is not chained


def test_retry_delays_honour_retry_after_capped_and_back_off_exponentially() -> None:
    client = model("http://localhost:8000/v1", backoff_s=1.0)
    assert client._delay(1, retry_after=4.0) == 4.0
    assert client._delay(1, retry_after=3600.0) == 30.0  # capped
    for attempt, base in ((1, 1.0), (2, 2.0), (3, 4.0)):
        delays = {client._delay(attempt, None) for _ in range(50)}
        assert all(base / 2 <= d <= base for d in delays)
        assert len(delays) > 1  # jittered
