"""A thin chat client for a VLM behind any OpenAI-compatible endpoint.

One user message carries the text and the screenshot (a base64 PNG data
URL, downscaled to `max_image_side`); the reply is the text, the token
usage and the scale that maps answers back to the original pixels. The
API key comes from the environment variable named in the config and is
never stored in the config, logged, or put in an error message.

An optional `VlmUsageHook` lets the application count each call in its own
books (the agent's run meter and cost ceiling) without this package
knowing of them: it is asked before each call (and may refuse it by
raising) and told each answer's tokens after.

Errors (all `GroundingError`):

VlmError                 root of the VLM expert's errors
 +-- VlmUnreachable      connection refused / DNS / reset: the server is not there
 +-- VlmTimeout          no answer within timeout_s (after retries)
 +-- VlmHttpError        the endpoint answered an HTTP error (status kept)
 +-- VlmBadAnswer        an answer that cannot be used (malformed, no coordinates, ...)
"""

from __future__ import annotations

import base64
import io
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from PIL import Image

from grounding.errors import ExpertUnavailable, GroundingError

logger = logging.getLogger(__name__)

DEFAULT_API_KEY_ENV = "DESKTOP_AGENT_VLM_API_KEY"
# Local servers (vLLM, Ollama, LM Studio) take any key; the SDK insists on one.
NO_KEY_PLACEHOLDER = "EMPTY"
ANSWER_QUOTE_CHARS = 200

CoordinateFrame = Literal["absolute", "relative1000"]


class VlmError(GroundingError):
    """Root of the VLM expert's errors."""


class VlmUnreachable(VlmError):
    """The endpoint could not be reached at all."""


class VlmTimeout(VlmError):
    """The endpoint did not answer in time."""


class VlmHttpError(VlmError):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class VlmBadAnswer(VlmError):
    """The answer could not be used; the message quotes it (truncated)."""

    def __init__(self, message: str, answer: str = "") -> None:
        super().__init__(message)
        self.answer = answer


def quote_answer(text: str, limit: int = ANSWER_QUOTE_CHARS) -> str:
    """The model's text for an error message: repr'd, truncated."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


@dataclass(frozen=True, slots=True, kw_only=True)
class VlmConfig:
    """Where the VLM is and how to talk to it; the key itself is never stored here."""

    base_url: str
    model: str
    api_key_env: str = DEFAULT_API_KEY_ENV
    timeout_s: float = 30.0
    max_retries: int = 2
    max_image_side: int = 1280
    coordinate_frame: CoordinateFrame = "absolute"
    max_tokens: int = 128
    temperature: float = 0.0

    def __post_init__(self) -> None:
        if self.coordinate_frame not in ("absolute", "relative1000"):
            raise ValueError(
                f"coordinate_frame must be 'absolute' or 'relative1000', "
                f"not {self.coordinate_frame!r}"
            )
        if self.max_image_side < 64:
            raise ValueError(f"max_image_side must be >= 64, not {self.max_image_side}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VlmConfig | None:
        """From DESKTOP_AGENT_VLM_BASE_URL / _MODEL / _FRAME; None when no endpoint is set."""
        env = os.environ if environ is None else environ
        base_url = env.get("DESKTOP_AGENT_VLM_BASE_URL", "").strip()
        model = env.get("DESKTOP_AGENT_VLM_MODEL", "").strip()
        if not base_url or not model:
            return None
        frame = env.get("DESKTOP_AGENT_VLM_FRAME", "absolute").strip()
        if frame not in ("absolute", "relative1000"):
            raise ValueError(
                f"DESKTOP_AGENT_VLM_FRAME must be 'absolute' or 'relative1000', not {frame!r}"
            )
        return cls(base_url=base_url, model=model, coordinate_frame=frame)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage of one call (or a sum of calls)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True, slots=True)
class FittedImage:
    """An image scaled to fit the model, and the way back to the original pixels."""

    image: Image.Image
    original_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def scale(self) -> tuple[float, float]:
        """Original pixels per sent pixel, per axis (1.0 when not downscaled)."""
        return (
            self.original_size[0] / self.image.width,
            self.original_size[1] / self.image.height,
        )


def fit_image(image: Image.Image, max_side: int) -> FittedImage:
    """Downscale so the longer side is at most `max_side` (never upscale)."""
    width, height = image.size
    longest = max(width, height)
    if longest <= max_side:
        return FittedImage(image, image.size)
    ratio = max_side / longest
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    return FittedImage(image.resize(size, Image.Resampling.LANCZOS), image.size)


def png_data_url(image: Image.Image) -> str:
    """The image as a base64 PNG data URL."""
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class VlmUsageHook(Protocol):
    """What a `VlmClient` tells the application about each call."""

    def before_call(self) -> None:
        """Before a request is sent; raise to refuse it (e.g. a cost ceiling reached).

        The exception reaches the caller of `VlmClient.ask` unchanged, not as a
        `VlmError`, so the application decides what a refusal means.
        """

    def on_usage(self, prompt_tokens: int, completion_tokens: int, model: str) -> None:
        """After an answer: its tokens and the model that answered."""


@dataclass(frozen=True, slots=True)
class VlmReply:
    """The model's text, what it cost, and the image it saw."""

    text: str
    usage: Usage
    fitted: FittedImage


class VlmClient:
    """Sends one screenshot + one prompt, returns the answer text; thread-safe."""

    def __init__(
        self,
        config: VlmConfig,
        *,
        environ: Mapping[str, str] | None = None,
        usage_hook: VlmUsageHook | None = None,
    ) -> None:
        try:
            import openai
        except ImportError as err:  # pragma: no cover - openai is a core dependency
            raise ExpertUnavailable(
                "the VLM expert needs the 'openai' package: pip install openai"
            ) from err
        self.config = config
        env = os.environ if environ is None else environ
        key = env.get(config.api_key_env) or NO_KEY_PLACEHOLDER
        self._openai = openai
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=key,
            timeout=config.timeout_s,
            max_retries=config.max_retries,
        )
        self._lock = threading.Lock()
        self.usage_hook = usage_hook
        self.calls = 0
        self.usage = Usage()

    def __repr__(self) -> str:
        # Never the key: only where it comes from.
        return f"VlmClient({self.config!r}, api_key=<from ${self.config.api_key_env}>)"

    def ask(self, image: Image.Image, prompt: str, *, system: str | None = None) -> VlmReply:
        """Ask `prompt` about `image`; raises a VlmError subclass on any failure
        (and whatever the usage hook raises to refuse the call)."""
        hook = self.usage_hook
        if hook is not None:
            hook.before_call()  # nothing is sent when it refuses
        fitted = fit_image(image, self.config.max_image_side)
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": prompt},
                    {"type": "image_url", "image_url": {"url": png_data_url(fitted.image)}},
                ],
            }
        )
        logger.debug(
            "VLM call: model=%s endpoint=%s image=%dx%d (original %dx%d)",
            self.config.model,
            self.config.base_url,
            *fitted.size,
            *fitted.original_size,
        )
        with self._lock:
            self.calls += 1
        response = self._create(messages)
        # Counted before the text is judged: an unusable answer was still paid for.
        usage = _usage(response)
        with self._lock:
            self.usage = self.usage + usage
        if hook is not None:
            model = str(getattr(response, "model", "") or self.config.model)
            hook.on_usage(usage.prompt_tokens, usage.completion_tokens, model)
        text = self._text(response)
        logger.debug(
            "VLM answer (%d prompt + %d completion tokens): %s",
            usage.prompt_tokens,
            usage.completion_tokens,
            quote_answer(text),
        )
        return VlmReply(text, usage, fitted)

    def _create(self, messages: list[dict[str, Any]]) -> Any:
        openai = self._openai
        url = self.config.base_url
        try:
            return self._client.chat.completions.create(
                model=self.config.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=self.config.max_tokens,
                temperature=self.config.temperature,
            )
        # APITimeoutError subclasses APIConnectionError: catch it first.
        except openai.APITimeoutError as err:
            raise VlmTimeout(
                f"the VLM endpoint at {url} did not answer within {self.config.timeout_s:g} s "
                f"({self.config.max_retries} retries); raise timeout_s or check the server's load"
            ) from err
        except openai.APIConnectionError as err:
            raise VlmUnreachable(
                f"could not reach the VLM endpoint at {url}: {_cause(err)}; "
                "check base_url / that the server runs"
            ) from err
        except openai.APIStatusError as err:
            raise _status_error(err, self.config) from err
        except (openai.APIError, ValueError) as err:
            # A 200 whose body is not JSON surfaces as a JSONDecodeError (a ValueError).
            raise VlmBadAnswer(
                f"the VLM endpoint at {url} sent a response that could not be read: "
                f"{type(err).__name__}"
            ) from err

    def _text(self, response: Any) -> str:
        url = self.config.base_url
        # A non-JSON body comes back as a plain str, an odd one without choices.
        choices = getattr(response, "choices", None)
        if not choices:
            raise VlmBadAnswer(
                f"the VLM endpoint at {url} sent a malformed chat completion "
                f"(no choices): {quote_answer(str(response))}",
                str(response),
            )
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str) or not content.strip():
            raise VlmBadAnswer(f"the VLM at {url} gave an empty answer", "")
        return content


def _usage(response: Any) -> Usage:
    """The answer's token counts (zero where it gives none, or is not a completion)."""
    raw_usage = getattr(response, "usage", None)
    return Usage(
        int(getattr(raw_usage, "prompt_tokens", 0) or 0),
        int(getattr(raw_usage, "completion_tokens", 0) or 0),
    )


def _cause(err: BaseException) -> str:
    """The innermost reason (e.g. "Connection refused"), not the SDK's generic text."""
    inner: BaseException = err
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return str(inner) or type(inner).__name__


def _status_error(err: Any, config: VlmConfig) -> VlmHttpError:
    status = int(err.status_code)
    body = err.body
    detail = ""
    if isinstance(body, dict):
        inner = body.get("error", body)
        detail = str(inner.get("message", "")) if isinstance(inner, dict) else str(inner)
    detail = detail or str(getattr(err, "message", "")) or "no details"
    where = f"the VLM endpoint at {config.base_url}"
    if status in (401, 403):
        hint = f"check the API key in ${config.api_key_env}"
    elif status == 404:
        hint = f"check base_url and that the server serves model {config.model!r}"
    elif status == 429:
        hint = f"rate limited after {config.max_retries} retries; wait or raise max_retries"
    elif status >= 500:
        hint = "the server failed; check its logs"
    else:
        hint = f"check that model {config.model!r} accepts images"
    return VlmHttpError(f"{where} answered HTTP {status}: {detail[:300]}; {hint}", status)
