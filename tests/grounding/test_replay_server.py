"""The replay server over real HTTP, driven by the stdlib client (no SDK in the way)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from grounding.replay_server import ReplayServer, ScriptedResponse


def _post(url: str, body: dict[str, Any], timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer k"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_message_is_a_chat_completion_and_request_is_recorded() -> None:
    script = [ScriptedResponse.message("hello", prompt_tokens=7, completion_tokens=3)]
    with ReplayServer(script) as server:
        status, _, raw = _post(server.base_url, {"model": "m1", "messages": [{"role": "user"}]})
        recorded = server.requests
    data = json.loads(raw)
    assert status == 200
    assert data["object"] == "chat.completion"
    assert data["model"] == "m1"
    assert data["choices"][0]["message"] == {"role": "assistant", "content": "hello"}
    assert data["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    assert len(recorded) == 1
    assert recorded[0].body == {"model": "m1", "messages": [{"role": "user"}]}
    assert recorded[0].headers["authorization"] == "Bearer k"
    assert recorded[0].path == "/v1/chat/completions"


def test_base_url_is_loopback_v1() -> None:
    with ReplayServer() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/v1")


def test_models_lists_the_configured_models_and_pops_nothing() -> None:
    with ReplayServer([ScriptedResponse.message("x")], models=["a", "b"]) as server:
        with urllib.request.urlopen(server.base_url + "/models", timeout=10) as response:
            data = json.loads(response.read())
        assert server.remaining == 1
    assert [m["id"] for m in data["data"]] == ["a", "b"]
    assert data["object"] == "list"


def test_error_has_openai_shape_and_retry_after() -> None:
    with ReplayServer([ScriptedResponse.error(429, "slow down", retry_after=2)]) as server:
        status, headers, raw = _post(server.base_url, {"model": "m"})
    assert status == 429
    assert headers["Retry-After"] == "2"
    assert json.loads(raw)["error"]["message"] == "slow down"


def test_malformed_body_is_sent_verbatim() -> None:
    with ReplayServer([ScriptedResponse.malformed(b"{not json")]) as server:
        status, _, raw = _post(server.base_url, {"model": "m"})
    assert status == 200
    assert raw == b"{not json"


def test_requests_beyond_the_script_get_a_clear_500() -> None:
    with ReplayServer([ScriptedResponse.message("only one")]) as server:
        first = _post(server.base_url, {"model": "m"})
        status, _, raw = _post(server.base_url, {"model": "m"})
    assert first[0] == 200
    assert status == 500
    message = json.loads(raw)["error"]["message"]
    assert "beyond the script" in message
    assert "1 responses" in message


def test_responses_are_served_in_order() -> None:
    script = [ScriptedResponse.message("one"), ScriptedResponse.message("two")]
    with ReplayServer(script) as server:
        answers = [
            json.loads(_post(server.base_url, {"model": "m"})[2])["choices"][0]["message"]
            for _ in range(2)
        ]
    assert [a["content"] for a in answers] == ["one", "two"]


def test_delay_outlasts_a_client_timeout_then_the_server_closes() -> None:
    with ReplayServer([ScriptedResponse.delay(30)]) as server:
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            _post(server.base_url, {"model": "m"}, timeout=0.3)
        assert len(server.requests) == 1
    # close() must not wait the 30 s out; reaching here is the check.


def test_closing_the_server_cuts_off_a_delayed_reply() -> None:
    # The client would wait 60 s for its answer; closing the server must end that wait.
    # http.client keeps the connection alive, as the openai SDK (httpx) does.
    outcome: list[BaseException | int] = []

    def post() -> None:
        port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            headers = {"Content-Type": "application/json"}
            connection.request("POST", "/v1/chat/completions", b'{"model": "m"}', headers)
            outcome.append(connection.getresponse().status)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            connection.close()

    server = ReplayServer([ScriptedResponse.delay(30)]).start()
    client = threading.Thread(target=post, daemon=True)
    client.start()
    try:
        for _ in range(500):  # until the request is in (the handler then waits)
            if server.requests:
                break
            client.join(0.01)
        assert len(server.requests) == 1
    finally:
        server.close()
    client.join(20)  # far below both waits: a cut-off connection ends it at once
    assert not client.is_alive(), "the client still waits for the delayed reply"
    (result,) = outcome
    # The connection was dropped: no answer, nothing served late.
    assert isinstance(result, (ConnectionError, http.client.HTTPException)), result


def test_unknown_route_is_404() -> None:
    with ReplayServer() as server:
        request = urllib.request.Request(server.base_url + "/embeddings", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 404


def test_port_is_closed_after_exit() -> None:
    with ReplayServer() as server:
        port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=2),
    ):
        pass
