"""Errors of the model client. No message ever contains an API key.

ModelError                    root (an `AgentError`)
 +-- ModelNotConfigured       no endpoint for a role; the message says how to configure one
 +-- ModelConfigError         the config file or a DESKTOP_AGENT_* variable is wrong
 |                            (names the file, section and key, or the variable)
 +-- ModelUnreachable         connection refused / DNS / reset, after the retries
 +-- ModelTimeout             no answer within timeout_s, after the retries
 +-- ModelHttpError           the endpoint answered an HTTP error (`.status`)
 |    +-- ModelRateLimited    HTTP 429 after the retries
 +-- ModelBadAnswer           a 200 whose body cannot be read as a chat completion
 +-- CostLimitReached         the run spent its cost ceiling (`.spent_usd`, `.limit_usd`)
      +-- GroundingCostLimitReached   ... so a grounding VLM call was refused; also an
                                      `ExecutionError`: the step fails, the run ends
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop_agent.errors import AgentError, ExecutionError

if TYPE_CHECKING:
    from .types import ChatReply

__all__ = [
    "CostLimitReached",
    "GroundingCostLimitReached",
    "ModelBadAnswer",
    "ModelConfigError",
    "ModelError",
    "ModelHttpError",
    "ModelNotConfigured",
    "ModelRateLimited",
    "ModelTimeout",
    "ModelUnreachable",
    "how_to_configure",
]


class ModelError(AgentError):
    """Root of the model client's errors."""


def how_to_configure(config_path: Path | str | None = None) -> str:
    """The few lines that tell a person how to point the agent at a model."""
    if config_path is None:
        from .config import default_config_path  # lazy: config imports this module

        config_path = default_config_path()
    return (
        f"Configure a model in {config_path}, for example (Ollama):\n"
        "    [model]\n"
        '    base_url = "http://localhost:11434/v1"\n'
        '    model = "qwen2.5vl:7b"\n'
        "or set DESKTOP_AGENT_BASE_URL and DESKTOP_AGENT_MODEL (per role: "
        "DESKTOP_AGENT_PLANNER_MODEL, DESKTOP_AGENT_WORKER_MODEL, DESKTOP_AGENT_GROUNDING_MODEL, "
        "...); the key goes in $DESKTOP_AGENT_API_KEY or the OS keyring "
        "(keyring set desktop-agent DESKTOP_AGENT_API_KEY). See docs/models.md. "
        "Without a model, local mode still runs direct commands."
    )


class ModelNotConfigured(ModelError):
    """No endpoint is configured for a role; the message says how to configure one."""

    def __init__(
        self,
        message: str | None = None,
        *,
        role: str = "",
        config_path: Path | str | None = None,
        add_how_to: bool = True,
    ) -> None:
        self.role = role
        if message is None:
            who = f"the {role} role" if role else "this command"
            message = f"no model is configured for {who}."
        if add_how_to:
            message = f"{message}\n{how_to_configure(config_path)}"
        super().__init__(message)


class ModelConfigError(ModelError):
    """The config file or an environment variable holds something unusable."""


class ModelUnreachable(ModelError):
    """The endpoint could not be reached at all (after the retries)."""


class ModelTimeout(ModelError):
    """The endpoint did not answer within timeout_s (after the retries)."""


class ModelHttpError(ModelError):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ModelRateLimited(ModelHttpError):
    """HTTP 429 still, after all the retries."""

    def __init__(self, message: str, status: int = 429) -> None:
        super().__init__(message, status)


class ModelBadAnswer(ModelError):
    """A successful HTTP answer whose body is not a usable chat completion."""


class CostLimitReached(ModelError):
    """The run's model calls cost as much as the ceiling allows.

    `reply` is the answer whose cost crossed the ceiling (already paid for), when
    the limit was hit by recording one; None when a call was refused beforehand.
    """

    def __init__(self, spent_usd: float, limit_usd: float, reply: ChatReply | None = None) -> None:
        super().__init__(
            f"the run's model calls cost ${spent_usd:.4f}, reaching the ceiling of "
            f"${limit_usd:.4f}; no further model calls are made. Raise max_cost_usd in "
            "[limits] or DESKTOP_AGENT_MAX_COST_USD to continue"
        )
        self.spent_usd = spent_usd
        self.limit_usd = limit_usd
        self.reply = reply


class GroundingCostLimitReached(CostLimitReached, ExecutionError):
    """The cost ceiling refused a grounding VLM call (nothing was sent).

    It is also an `ExecutionError`, so the loop records the step it was
    grounding as failed with this message; a scripted run ends there, and a
    model planner's next call is refused by the same ceiling, ending the run.
    """
