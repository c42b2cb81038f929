"""Every model call a planner makes, recorded; the re-ask loop; the run's time limit.

An `Exchange` holds the messages (screenshots by file name, never pixels),
the reply text, usage and cost, so the trajectory can show exactly what each
model saw and said. `ModelCaller.ask` is the one place that turns a reply
into a value: a reply that does not parse is answered with the parse error
and the model asked again, up to a limit; after that `ModelAnswerInvalid`
is raised and nothing is executed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from desktop_agent.errors import ParseError, StoppedByUser
from desktop_agent.llm.types import ChatMessage, ChatModel, ChatReply, Usage

from .errors import ModelAnswerInvalid, TimeLimitReached
from .templates import render

logger = logging.getLogger(__name__)

T = TypeVar("T")


def screenshot_ref(step_index: int) -> str:
    """The file name the trajectory writer gives the screenshot of step `step_index`."""
    return f"step_{step_index:04d}.png"


def _message_dict(message: ChatMessage) -> dict[str, Any]:
    refs = list(message.image_refs) or ["(image)"] * len(message.images)
    return {"role": message.role, "text": message.text, "images": refs}


@dataclass(frozen=True)
class Exchange:
    """One model call: what was sent, what came back, what it cost."""

    purpose: str  # plan | revise | replan | worker | reflection | single_model
    step: int  # the step the call was made for
    attempt: int  # 1, then 2, 3 ... when asked again after an unreadable answer
    role: str
    messages: tuple[dict[str, Any], ...]
    reply: str | None
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    model: str = ""
    error: str | None = None  # the parse error (reply unusable) or the model error

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "step": self.step,
            "attempt": self.attempt,
            "role": self.role,
            "model": self.model,
            "messages": [dict(m) for m in self.messages],
            "reply": self.reply,
            "usage": {
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
            },
            "cost_usd": self.cost_usd,
            "error": self.error,
        }


class ModelCaller:
    """Calls models for one run: records each exchange and enforces the time limit."""

    def __init__(
        self,
        *,
        max_time_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_time_s = max_time_s
        self._clock = clock
        self._started: float | None = None
        self.exchanges: list[Exchange] = []
        self._taken = 0
        self.step = 0
        self._cancelled = threading.Event()
        self._models: list[ChatModel] = []  # every model called, told of a cancel
        self._models_lock = threading.Lock()

    def cancel(self) -> None:
        """No further model calls: the run was stopped while a call was in flight.

        Each model called so far that has a `cancel()` (`OpenAIChatModel` does)
        is told too, so a call waiting to retry ends now instead of after its wait.
        """
        self._cancelled.set()
        with self._models_lock:
            models = list(self._models)
        for model in models:
            cancel = getattr(model, "cancel", None)
            if callable(cancel):
                cancel()

    def _remember(self, model: ChatModel) -> None:
        # Before check_time: a cancel either sees this model or is seen by check_time.
        with self._models_lock:
            if not any(known is model for known in self._models):
                self._models.append(model)

    def start(self) -> None:
        """Start the run's clock (the first call does it if nobody did)."""
        if self._started is None:
            self._started = self._clock()

    def check_time(self) -> None:
        """Raise before a model call when the run was stopped or its time is up."""
        if self._cancelled.is_set():
            # The loop dropped this decision; spend nothing more on it.
            raise StoppedByUser("the run was stopped; no further model calls")
        self.start()
        if self.max_time_s is None or self._started is None:
            return
        elapsed = self._clock() - self._started
        if elapsed >= self.max_time_s:
            raise TimeLimitReached(
                f"the run reached its time limit of {self.max_time_s:g} s "
                f"({elapsed:.0f} s, {len(self.exchanges)} model calls); "
                "allow more time for longer tasks (--max-minutes, or max_minutes in [limits] "
                "or $DESKTOP_AGENT_MAX_MINUTES)"
            )

    @property
    def calls(self) -> int:
        return len(self.exchanges)

    @property
    def cost_usd(self) -> float:
        return sum(e.cost_usd for e in self.exchanges)

    def take_new(self) -> list[Exchange]:
        """The exchanges recorded since the last call (to attach to the step they served)."""
        new = self.exchanges[self._taken :]
        self._taken = len(self.exchanges)
        return new

    def chat(
        self, model: ChatModel, messages: Sequence[ChatMessage], *, purpose: str, attempt: int = 1
    ) -> ChatReply:
        """One call, recorded whether it answers or raises."""
        self._remember(model)
        self.check_time()
        sent = tuple(_message_dict(m) for m in messages)
        try:
            reply = model.chat(messages)
        except Exception as exc:
            # The call that crossed the cost ceiling was answered and paid for
            # (`CostLimitReached.reply`): keep its text, tokens and cost.
            paid = getattr(exc, "reply", None)
            paid = paid if isinstance(paid, ChatReply) else None
            self.exchanges.append(
                Exchange(
                    purpose,
                    self.step,
                    attempt,
                    (paid.role if paid else "") or model.role,
                    sent,
                    paid.text if paid else None,
                    paid.usage if paid else Usage(),
                    paid.cost_usd if paid else 0.0,
                    paid.model if paid else "",
                    error=f"{type(exc).__name__}: {exc}",
                )
            )
            raise
        self.exchanges.append(
            Exchange(
                purpose,
                self.step,
                attempt,
                reply.role or model.role,
                sent,
                reply.text,
                reply.usage,
                reply.cost_usd,
                reply.model,
            )
        )
        logger.debug("%s call for step %d answered (%d chars)", purpose, self.step, len(reply.text))
        return reply

    def ask(
        self,
        model: ChatModel,
        messages: Sequence[ChatMessage],
        parse: Callable[[str], T],
        *,
        purpose: str,
        answer_format: str,
        max_retries: int,
    ) -> tuple[T, str]:
        """Ask until `parse` accepts the reply: (value, reply text), or ModelAnswerInvalid."""
        conversation = list(messages)
        for attempt in range(1, max_retries + 2):
            reply = self.chat(model, conversation, purpose=purpose, attempt=attempt)
            try:
                return parse(reply.text), reply.text
            except ParseError as exc:
                self.exchanges[-1] = replace(self.exchanges[-1], error=str(exc))
                logger.info("%s answer unreadable (try %d): %s", purpose, attempt, exc)
                if attempt > max_retries:
                    head = reply.text.strip()[:300]
                    raise ModelAnswerInvalid(
                        f"the {purpose} model gave no usable answer in {attempt} tries, so "
                        f"nothing was executed. Last error: {exc} Its last answer: {head!r}"
                    ) from exc
                retry = render("parse_retry", error=str(exc), answer_format=answer_format)
                conversation += [
                    ChatMessage("assistant", reply.text),
                    ChatMessage("user", retry),
                ]
        raise AssertionError("unreachable")  # the loop returns or raises


class ModelCallLog:
    """What a model planner shows the loop and the trajectory, from its `ModelCaller`."""

    caller: ModelCaller

    @property
    def exchanges(self) -> list[Exchange]:
        """Every model call so far, in order."""
        return list(self.caller.exchanges)

    def take_exchanges(self) -> list[Exchange]:
        """The calls made since the last take (attach them to the step just decided)."""
        return self.caller.take_new()

    @property
    def calls(self) -> int:
        return self.caller.calls

    def cancel(self) -> None:
        """The loop was stopped during a decision: make no further model calls for it."""
        self.caller.cancel()
