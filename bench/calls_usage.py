"""Token usage for `bench.calls`, estimated from what the client really sent.

The replay server's scripted answers carry no real usage, so
`UsageReplayServer` reports, for each request it answers, what a hosted
model would count: text at about 4 characters a token, 4 tokens of overhead
a message, and each screenshot by OpenAI's high-detail tile rule. The
prompts (rendered templates, step history, element lists) and screenshots
are the agent's real ones, so tokens per action follow what the agent sends.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import replace
from typing import Any

from PIL import Image

from grounding.replay_server import ReplayServer, ScriptedResponse

MESSAGE_OVERHEAD_TOKENS = 4


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def image_tokens(width: int, height: int) -> int:
    """OpenAI's high-detail count: fit in 2048, shortest side to 768, 170 per 512 tile + 85."""
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)


def _part_tokens(part: dict[str, Any]) -> int:
    if part.get("type") == "text":
        return text_tokens(str(part.get("text", "")))
    if part.get("type") == "image_url":
        data = str(part["image_url"]["url"]).split(",", 1)[1]
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            return image_tokens(*image.size)
    return 0


def prompt_tokens(body: Any) -> int:
    """Estimated prompt tokens of a chat completion request body."""
    messages: list[dict[str, Any]] = body.get("messages", []) if isinstance(body, dict) else []
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD_TOKENS
        content = message.get("content")
        if isinstance(content, str):
            total += text_tokens(content)
        else:
            total += sum(_part_tokens(part) for part in content or [])
    return total


class UsageReplayServer(ReplayServer):
    """A replay server whose replies report usage estimated from the request they answer."""

    def _next(self) -> ScriptedResponse | None:
        scripted = super()._next()
        if scripted is None or scripted.content is None:
            return scripted
        # The handler records a request before it takes the next answer, and the
        # agent asks one thing at a time, so the last request is the one answered.
        with self._lock:
            body = self.requests[-1].body
        return replace(
            scripted,
            prompt_tokens=prompt_tokens(body),
            completion_tokens=text_tokens(scripted.content),
        )
