"""A local OpenAI-compatible endpoint that replays scripted answers over real HTTP.

Tests (and offline demos) point a real client at `ReplayServer.base_url`;
each POST /v1/chat/completions pops the next `ScriptedResponse`: an
assistant message, an HTTP error in OpenAI's error shape, a delay (to
trigger client timeouts) or a malformed body. Every request is recorded so
a test can check what the client sent. Closing the server cuts off every
open connection, so no client waits out a delay after it. Stdlib only, one
background thread per connection, bound to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_MODELS = ("replay-model",)

__all__ = ["RecordedRequest", "ReplayServer", "ScriptedResponse"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptedResponse:
    """One scripted answer; build it with the classmethods, not by hand."""

    status: int = 200
    content: str | None = None
    body: dict[str, Any] | None = None
    raw: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @classmethod
    def message(
        cls, content: str, *, prompt_tokens: int = 100, completion_tokens: int = 10
    ) -> ScriptedResponse:
        """A normal chat completion whose assistant message is `content`."""
        return cls(
            content=content, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )

    @classmethod
    def json_body(cls, body: dict[str, Any], *, status: int = 200) -> ScriptedResponse:
        """Any JSON body verbatim (tool calls, odd shapes the client must survive)."""
        return cls(status=status, body=body)

    @classmethod
    def error(
        cls,
        status: int,
        message: str = "scripted error",
        *,
        error_type: str = "server_error",
        retry_after: float | None = None,
    ) -> ScriptedResponse:
        """An HTTP error with OpenAI's `{"error": {...}}` body (429 may carry Retry-After)."""
        body = {"error": {"message": message, "type": error_type, "param": None, "code": None}}
        headers = (("Retry-After", f"{retry_after:g}"),) if retry_after is not None else ()
        return cls(status=status, body=body, headers=headers)

    @classmethod
    def delay(cls, seconds: float, then: ScriptedResponse | None = None) -> ScriptedResponse:
        """Wait `seconds` before answering `then` (default: a message "late")."""
        then = then or cls.message("late")
        return cls(
            status=then.status,
            content=then.content,
            body=then.body,
            raw=then.raw,
            headers=then.headers,
            delay_s=seconds,
            prompt_tokens=then.prompt_tokens,
            completion_tokens=then.completion_tokens,
        )

    @classmethod
    def malformed(cls, raw: bytes = b'{"choices": [oops', *, status: int = 200) -> ScriptedResponse:
        """A body that is not valid JSON, sent as application/json."""
        return cls(status=status, raw=raw)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """What a client sent: method, path, headers (lower-case names) and JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    raw: bytes = b""
    received_at: float = field(default_factory=time.monotonic)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    replay: ReplayServer

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def drop_connections(self) -> None:
        """Cut every open connection: a client waiting for an answer sees it end now."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, open_=False)

    def log_message(self, format: str, *args: Any) -> None:
        # Default writes to stderr; keep it in logging, at debug.
        logger.debug("replay server: %s", format % args)

    def do_GET(self) -> None:
        replay = self.server.replay
        replay._record(self, b"")
        if self.path.rstrip("/") == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "replay"}
                for m in replay.models
            ]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, _error_body(f"no route GET {self.path}", "not_found"))

    def do_POST(self) -> None:
        replay = self.server.replay
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = replay._record(self, raw)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, _error_body(f"no route POST {self.path}", "not_found"))
            return
        scripted = replay._next()
        if scripted is None:
            message = (
                f"replay server: chat request {len(replay.chat_requests)} is beyond the script "
                f"({replay.scripted_count} responses); add more ScriptedResponse entries"
            )
            self._send_json(500, _error_body(message, "replay_script_exhausted"))
            return
        if scripted.delay_s > 0 and replay._stopping.wait(scripted.delay_s):
            # The server is closing: answer nothing and end this keep-alive connection.
            self.close_connection = True
            return
        self._send_scripted(scripted, request)

    def _send_scripted(self, scripted: ScriptedResponse, request: RecordedRequest) -> None:
        if scripted.raw is not None:
            self._send_bytes(scripted.status, scripted.raw, scripted.headers)
        elif scripted.body is not None:
            self._send_json(scripted.status, scripted.body, scripted.headers)
        else:
            model = request.body.get("model", "") if isinstance(request.body, dict) else ""
            self._send_json(scripted.status, _completion(scripted, str(model), request))

    def _send_json(self, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        self._send_bytes(status, json.dumps(body).encode(), headers)

    def _send_bytes(self, status: int, data: bytes, headers: Iterable[tuple[str, str]]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout); nothing left to answer.
            logger.debug("replay server: client closed the connection before the answer")


def _error_body(message: str, error_type: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def _completion(scripted: ScriptedResponse, model: str, request: RecordedRequest) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-replay-{id(request):x}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": scripted.content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": scripted.prompt_tokens,
            "completion_tokens": scripted.completion_tokens,
            "total_tokens": scripted.prompt_tokens + scripted.completion_tokens,
        },
    }


class ReplayServer:
    """`with ReplayServer([...]) as server:` then point a client at `server.base_url`."""

    def __init__(
        self,
        responses: Iterable[ScriptedResponse] = (),
        *,
        models: Iterable[str] = DEFAULT_MODELS,
    ) -> None:
        self._script: deque[ScriptedResponse] = deque(responses)
        self.scripted_count = len(self._script)
        self.models = tuple(models)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, e.g. "http://127.0.0.1:41234/v1"."""
        if self._server is None:
            raise RuntimeError("ReplayServer is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the chat completion requests, in order."""
        return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    @property
    def remaining(self) -> int:
        """Scripted responses not yet served."""
        with self._lock:
            return len(self._script)

    def add(self, *responses: ScriptedResponse) -> None:
        """Append more scripted responses while running."""
        with self._lock:
            self._script.extend(responses)
            self.scripted_count += len(responses)

    def start(self) -> ReplayServer:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0))
        server.replay = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="replay-server",
            daemon=True,
        )
        self._thread.start()
        logger.debug("replay server listening at %s", self.base_url)
        return self

    def close(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes delayed handlers
        self._server.shutdown()
        # Also cut the open connections: a delayed reply's client (and an idle
        # keep-alive one) would otherwise wait out its own timeout.
        self._server.drop_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _next(self) -> ScriptedResponse | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _record(self, handler: _Handler, raw: bytes) -> RecordedRequest:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in handler.headers.items()}
        request = RecordedRequest(handler.command, handler.path, headers, body, raw)
        with self._lock:
            self.requests.append(request)
        return request
