"""`OpenAIChatModel`: one role's chat model behind any OpenAI-compatible endpoint.

The `openai` SDK does the HTTP with its own retries off; this module retries
429 (honouring Retry-After, capped), 5xx, 408, connection errors and
timeouts with exponential backoff and jitter, then raises the typed errors
of `desktop_agent.llm.errors`. `cancel()` (a stopped run) ends a backoff
wait at once and sends nothing more. Screenshots go as base64 PNG data URLs,
downscaled to `max_image_side`. Each reply carries its token usage and cost,
and is recorded in the run's `UsageMeter`, which is also asked before each
request so no request is sent once the cost ceiling is reached.

The key is never logged, never in `repr()`, never in an error message:
server error text is scrubbed before it is quoted.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from desktop_agent.errors import StoppedByUser
from desktop_agent.redaction import REDACTED, redact_text, register_secret
from grounding.vlm.client import fit_image, png_data_url

from .config import RoleConfig
from .errors import (
    ModelBadAnswer,
    ModelError,
    ModelHttpError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnreachable,
)
from .keys import DEFAULT_KEYRING_SERVICE, NO_KEY_PLACEHOLDER, resolve_api_key
from .types import ChatMessage, ChatReply, Usage
from .usage import UsageMeter, cost_of

__all__ = ["OpenAIChatModel"]

logger = logging.getLogger(__name__)

RETRY_AFTER_CAP_S = 30.0  # a server asking for longer gets this, then the next attempt
MAX_BACKOFF_S = 30.0
_RETRY_STATUSES = frozenset({408, 429})
_DETAIL_CHARS = 300


class OpenAIChatModel:
    """A `ChatModel` for one role (planner, worker, grounding); thread-safe."""

    def __init__(
        self,
        role: str,
        config: RoleConfig,
        *,
        meter: UsageMeter | None = None,
        api_key: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        import openai  # a core dependency; imported here so `desktop_agent.llm` stays light

        self._role = role
        self.config = config
        self.meter = meter
        if api_key is None:
            api_key = resolve_api_key(config, env)
            self._key_source = f"${config.api_key_env} or keyring"
        else:
            register_secret(api_key)
            self._key_source = "given"
        self._api_key = api_key  # only to scrub it from quoted server text
        self._openai = openai
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=api_key,
            timeout=config.timeout_s,
            max_retries=0,  # our loop retries, with our backoff and our errors
        )
        self._cancelled = threading.Event()

    @property
    def role(self) -> str:
        return self._role

    def cancel(self) -> None:
        """No further requests: ends a retry's backoff wait now (the run was stopped).

        A request already on the wire runs to its answer or its timeout; the
        call in flight then raises `StoppedByUser` instead of retrying.
        """
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def close(self) -> None:
        """Cancel, then close the HTTP connection pool (an app builds a client per run)."""
        self.cancel()
        self._client.close()

    @property
    def closed(self) -> bool:
        return bool(self._client.is_closed())

    def __repr__(self) -> str:
        return (
            f"OpenAIChatModel(role={self._role!r}, model={self.config.model!r}, "
            f"base_url={self.config.base_url!r}, api_key=<{self._key_source}>)"
        )

    def chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> ChatReply:
        """Send `messages`, return the answer; raises a `ModelError` subclass on failure,
        `StoppedByUser` once `cancel()` was called."""
        self._check_cancelled()
        if self.meter is not None:
            self.meter.check()
        request: dict[str, Any] = {
            "model": self.config.model,
            "messages": [self._message(m) for m in messages],
            "temperature": self.config.temperature,
        }
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        started = time.monotonic()
        response, attempts = self._send(request)
        text, usage = self._read(response)
        reply = ChatReply(
            text=text,
            usage=usage,
            cost_usd=cost_of(usage, self.config),
            model=str(getattr(response, "model", "") or self.config.model),
            role=self._role,
            attempts=attempts,
        )
        logger.debug(
            "%s model %s: %d prompt + %d completion tokens, $%.6f, %d attempt(s), %.2f s",
            self._role,
            self.config.model,
            usage.prompt_tokens,
            usage.completion_tokens,
            reply.cost_usd,
            attempts,
            time.monotonic() - started,
        )
        if self.meter is not None:
            self.meter.record(reply)
        return reply

    def _message(self, message: ChatMessage) -> dict[str, Any]:
        if not message.images:
            return {"role": message.role, "content": message.text}
        parts: list[dict[str, Any]] = []
        if message.text:
            parts.append({"type": "text", "text": message.text})
        for image in message.images:
            fitted = fit_image(image, self.config.max_image_side)
            logger.debug(
                "%s model: image %dx%d sent as %dx%d",
                self._role,
                *fitted.original_size,
                *fitted.size,
            )
            parts.append({"type": "image_url", "image_url": {"url": png_data_url(fitted.image)}})
        return {"role": message.role, "content": parts}

    def _send(self, request: dict[str, Any]) -> tuple[Any, int]:
        """(the SDK's response, attempts made); retries what is worth retrying."""
        openai = self._openai
        tries = self.config.max_retries + 1
        for attempt in range(1, tries + 1):
            retry_after: float | None = None
            self._check_cancelled()
            try:
                return self._client.chat.completions.create(**request), attempt
            # APITimeoutError subclasses APIConnectionError: catch it first.
            except openai.APITimeoutError:
                failure: ModelError = self._timeout(attempt)
                reason = f"no answer within {self.config.timeout_s:g} s"
            except openai.APIConnectionError as err:
                failure = self._unreachable(err, attempt)
                reason = "connection failed"
            except openai.APIStatusError as err:
                status = int(err.status_code)
                failure = self._status_error(err, attempt)
                if status not in _RETRY_STATUSES and status < 500:
                    raise failure from None  # the body may quote the key; keep it off the chain
                retry_after = _retry_after(err)
                reason = f"HTTP {status}"
            except (openai.APIError, ValueError) as err:
                # A 200 whose body is not JSON surfaces as a JSONDecodeError (a ValueError).
                raise ModelBadAnswer(
                    f"the {self._role} model's endpoint {self.config.base_url} sent a response "
                    f"that could not be read ({type(err).__name__}); check that it speaks the "
                    "OpenAI chat completions API"
                ) from None
            if attempt == tries:
                raise failure from None
            delay = self._delay(attempt, retry_after)
            logger.info(
                "%s model %s: %s; retry %d/%d in %.2f s",
                self._role,
                self.config.model,
                reason,
                attempt,
                self.config.max_retries,
                delay,
            )
            if self._cancelled.wait(delay):
                raise StoppedByUser(
                    f"the {self._role} model call was cancelled during its retry wait "
                    "(the run was stopped)"
                )
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise StoppedByUser(f"the {self._role} model was cancelled; no further requests")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), RETRY_AFTER_CAP_S)
        # Exponential with jitter, so clients that failed together do not retry together.
        base = self.config.backoff_s * 2 ** (attempt - 1)
        return min(base * random.uniform(0.5, 1.0), MAX_BACKOFF_S)

    def _where(self) -> str:
        return f"the {self._role} model {self.config.model!r} at {self.config.base_url}"

    def _timeout(self, attempts: int) -> ModelTimeout:
        return ModelTimeout(
            f"{self._where()} did not answer within {self.config.timeout_s:g} s "
            f"({attempts} attempt(s)); raise timeout_s "
            f"(DESKTOP_AGENT_{self._role.upper()}_TIMEOUT_S) or check the server's load"
        )

    def _unreachable(self, err: BaseException, attempts: int) -> ModelUnreachable:
        return ModelUnreachable(
            f"could not reach {self._where()} ({attempts} attempt(s)): "
            f"{self._scrub(_cause(err))}; check base_url and that the server runs"
        )

    def _status_error(self, err: Any, attempts: int) -> ModelHttpError:
        status = int(err.status_code)
        body = err.body
        detail = ""
        if isinstance(body, dict):
            inner = body.get("error", body)
            detail = str(inner.get("message", "")) if isinstance(inner, dict) else str(inner)
        detail = self._scrub(detail or "no details")[:_DETAIL_CHARS]
        head = f"{self._where()} answered HTTP {status} ({attempts} attempt(s)): {detail}"
        if status == 429:
            return ModelRateLimited(
                f"{head}; rate limited after {self.config.max_retries} retries: wait, "
                "raise max_retries or backoff_s, or lower the request rate"
            )
        if status in (401, 403):
            service = self.config.keyring_service or DEFAULT_KEYRING_SERVICE
            hint = (
                f"check the API key in ${self.config.api_key_env} "
                f"(or the keyring entry {service}/{self.config.api_key_env})"
            )
        elif status == 404:
            hint = f"check base_url and that the server serves model {self.config.model!r}"
        elif status >= 500:
            hint = "the server failed; check its logs"
        else:
            hint = f"check that model {self.config.model!r} accepts this request (images?)"
        return ModelHttpError(f"{head}; {hint}", status)

    def _scrub(self, text: str) -> str:
        if self._api_key and self._api_key != NO_KEY_PLACEHOLDER:
            text = text.replace(self._api_key, REDACTED)
        return redact_text(text)

    def _read(self, response: Any) -> tuple[str, Usage]:
        choices = getattr(response, "choices", None)
        if not choices:
            raise ModelBadAnswer(
                f"{self._where()} sent a chat completion with no choices; "
                "check that it speaks the OpenAI chat completions API"
            )
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str):
            # The parser turns "" into a ParseError the model can fix; nothing to send here.
            logger.debug("%s model: answer has no text content", self._role)
            content = ""
        raw_usage = getattr(response, "usage", None)
        if raw_usage is None:
            logger.debug("%s model: answer has no usage; counting zero tokens", self._role)
        usage = Usage(
            int(getattr(raw_usage, "prompt_tokens", 0) or 0),
            int(getattr(raw_usage, "completion_tokens", 0) or 0),
        )
        return content, usage


def _retry_after(err: Any) -> float | None:
    """Seconds the server asked to wait (Retry-After / retry-after-ms), if it said."""
    headers = getattr(getattr(err, "response", None), "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    seconds = headers.get("retry-after")
    try:
        if millis is not None:
            return float(millis) / 1000
        if seconds is not None:
            return float(seconds)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
    return None


def _cause(err: BaseException) -> str:
    """The innermost reason (e.g. "Connection refused"), not the SDK's generic text."""
    inner: BaseException = err
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return str(inner) or type(inner).__name__
