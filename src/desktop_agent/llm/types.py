"""What a planner needs from a chat model, and nothing more.

Planners (manager, worker, reflection, single-model) depend on the
`ChatModel` Protocol only, so a test or a benchmark can hand them any object
that answers; the real one is `desktop_agent.llm.client.OpenAIChatModel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from PIL import Image

# One token-usage type for every model call, the grounding VLM's included.
from grounding.vlm.client import Usage

MessageRole = Literal["system", "user", "assistant"]
ModelRole = Literal["planner", "worker", "grounding"]


@dataclass(frozen=True)
class ChatMessage:
    """One message: text, optionally with screenshots (sent as image parts)."""

    role: MessageRole
    text: str
    images: tuple[Image.Image, ...] = ()
    # How the trajectory refers to each image instead of embedding it
    # (e.g. "step-003.png"); same length as `images` when given.
    image_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatReply:
    text: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    model: str = ""
    role: str = ""  # the model role that answered: planner, worker, grounding
    attempts: int = 1  # HTTP attempts it took (retries included)


class ChatModel(Protocol):
    """A chat model for one role. Raises `desktop_agent.llm.errors.ModelError` subclasses."""

    @property
    def role(self) -> str: ...

    def chat(
        self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None
    ) -> ChatReply: ...
